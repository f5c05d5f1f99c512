/**
 * pushBranch against a real smart-HTTP origin (git http-backend behind the loopback stand-in), with the push
 * credential sent the way actions/checkout persists it, and faults injected: each failure class is told apart.
 */
import { writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commitAll, firstLines, prepareBranch } from '../../src/git/branch.js'
import { createGit, type GitCommandManager } from '../../src/git/command-manager.js'
import { withPushAuth } from '../../src/git/credentials.js'
import type { Git } from '../../src/git/git.js'
import { PushError, pushBranch } from '../../src/git/push.js'
import { createOrigin, runGit, type Origin } from '../support/git-fixture.js'
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js'

const TOKEN = 'ghs_pushFaultsTokenPushFaultsToken0001'
/** Fast waits, so a test of three retries takes milliseconds. */
const FAST = [5, 5, 5]

let origin: Origin
let server: GitHttpServer
let work: string
let git: GitCommandManager
let sha: string

beforeEach(async () => {
  origin = await createOrigin({ files: { 'README.md': '# demo\n' } })
  server = await startGitHttpServer({ bare: origin.bare, token: TOKEN })
  work = await origin.clone()
  await runGit(work, ['remote', 'set-url', 'origin', server.repoUrl])
  git = await createGit(work)
  // The credential as the action sets it for its push: a header in the local config, never on a command line.
  await withPushAuth(git, { serverUrl: server.url, token: TOKEN })
  await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
  await writeFile(path.join(work, 'a.txt'), 'a\n')
  sha = (await commitAll(git, { message: 'A' })).sha!
})

afterEach(async () => {
  await server.close()
  await origin.cleanup()
})

async function until(ok: () => boolean): Promise<void> {
  for (const started = Date.now(); !ok();) {
    if (Date.now() - started > 20_000) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function pushError(opts: Parameters<typeof pushBranch>[2]): Promise<PushError> {
  const err = await pushBranch(git, 'ISSUE-3', opts).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(PushError)
  return err as PushError
}

describe('pushBranch over smart HTTP', () => {
  it('pushes with the persisted credential (the stand-in checks it)', async () => {
    expect(await pushBranch(git, 'ISSUE-3', { retryDelaysMs: FAST })).toEqual({
      pushed: true,
      rebased: false,
      sha,
    })
    expect(await origin.head('ISSUE-3')).toBe(sha)
    expect(server.receivePackRequests().map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'POST 200',
    ])
  })

  it('rebases onto a branch that moved (non-fast-forward) and pushes again', async () => {
    const other = await origin.clone()
    const theirs = await origin.push(other, { branch: 'ISSUE-3', files: { 'theirs.txt': 't\n' } })
    const r = await pushBranch(git, 'ISSUE-3', { retryDelaysMs: FAST })
    expect(r.rebased).toBe(true)
    expect(await origin.head('ISSUE-3')).toBe(r.sha)
    expect(await runGit(work, ['rev-parse', 'HEAD~1'])).toBe(theirs)
  })

  it('a 403 is refused at once: no retry, a message that names the permission, the sha kept', async () => {
    server.fault({
      status: 403,
      times: 5,
      body: 'Permission to octo-org/octo-repo.git denied to github-actions[bot].\n',
    })
    const err = await pushError({ retryDelaysMs: FAST })
    expect(err.kind).toBe('refused')
    expect(err.message).toContain('Origin refused the push of branch "ISSUE-3"')
    expect(err.message).toContain('Permission to octo-org/octo-repo.git denied')
    expect(err.hint).toContain('contents: write')
    expect(err.hint).toContain(sha)
    expect(err.sha).toBe(sha)
    expect(server.receivePackRequests()).toHaveLength(1)
    expect(await origin.head('ISSUE-3')).toBeUndefined()
  })

  it('a ruleset refusal (GH013) names the rule, not the permission', async () => {
    server.fault({
      status: 403,
      body: 'error: GH013: Repository rule violations found for refs/heads/ISSUE-3.\n',
    })
    const err = await pushError({ retryDelaysMs: FAST })
    expect(err.kind).toBe('refused')
    expect(err.hint).toMatch(/branch protection or ruleset/)
    expect(server.receivePackRequests()).toHaveLength(1)
  })

  it('without a valid credential (401) it says so and does not retry', async () => {
    await runGit(work, ['config', '--unset-all', `http.${server.url}/.extraheader`])
    const err = await pushError({ retryDelaysMs: FAST })
    expect(err.kind).toBe('refused')
    expect(err.hint).toMatch(/did not accept the credential/)
    // The action adds its own push credential when checkout kept none: persist-credentials is not the fix.
    expect(err.hint).not.toContain('persist-credentials')
    expect(server.receivePackRequests()).toHaveLength(1)
  })

  it('a 502 is retried, and the retry lands', async () => {
    server.fault({ status: 502 })
    const r = await pushBranch(git, 'ISSUE-3', { retryDelaysMs: FAST })
    expect(r).toEqual({ pushed: true, rebased: false, sha })
    expect(await origin.head('ISSUE-3')).toBe(sha)
    expect(server.receivePackRequests().map((x) => x.status)).toEqual([502, 200, 200])
  })

  it('a 500 and a 503 in a row are retried with backoff until the push lands', async () => {
    server.fault({ status: 500 })
    server.fault({ status: 503 })
    const started = Date.now()
    const r = await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [40, 80, 160] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(120)
    expect(r.sha).toBe(sha)
    expect(server.receivePackRequests().map((x) => x.status)).toEqual([500, 503, 200, 200])
  })

  it('a persistently unreachable origin (closed port) is retried, then reported as unreachable', async () => {
    const before = server.requests.length
    await server.close()
    const started = Date.now()
    const err = await pushError({ retryDelaysMs: [20, 20, 20] })
    expect(Date.now() - started).toBeGreaterThanOrEqual(60)
    expect(err.kind).toBe('unreachable')
    expect(err.message).toMatch(/^Could not reach origin to push branch "ISSUE-3" \(tried 4 times\)/)
    expect(err.message).toMatch(/Failed to connect|Couldn't connect/)
    expect(err.hint).toMatch(/not a permissions problem/)
    expect(err.hint).toContain(`The commit ${sha} was not pushed; it exists only on this runner.`)
    // Whether it is lost depends on whether it could be attached to the run (keepUnpushedWork says which).
    expect(err.hint).not.toMatch(/lost/)
    expect(err.hint).not.toContain('contents: write')
    expect(server.requests.length).toBe(before)
  })

  it('persistent 503s use up the retries: one push per wait, plus the first', async () => {
    server.fault({ status: 503, times: 10 })
    const err = await pushError({ retryDelaysMs: FAST })
    expect(err.kind).toBe('unreachable')
    expect(err.message).toContain('returned error: 503')
    expect(server.receivePackRequests()).toHaveLength(4)
  })

  it('an aborted signal stops the retries: no wait starts, one attempt only', async () => {
    server.fault({ status: 503, times: 10 })
    const ac = new AbortController()
    ac.abort()
    const started = Date.now()
    const err = await pushError({
      retryDelaysMs: [10_000, 10_000],
      cancellation: { signal: ac.signal, hurry: ac.signal },
    })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(err.kind).toBe('unreachable')
    expect(err.message).toContain('(tried once)')
    expect(server.receivePackRequests()).toHaveLength(1)
  })

  it('the hurry signal during a wait ends that wait at once', async () => {
    server.fault({ status: 503, times: 10 })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 200)
    const started = Date.now()
    const err = await pushError({
      retryDelaysMs: [30_000, 30_000],
      cancellation: { signal: ac.signal, hurry: ac.signal },
    })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(err.kind).toBe('unreachable')
    expect(server.receivePackRequests()).toHaveLength(1)
  })

  it('the first signal during the normal waits cuts what is left to about 1 s and 2 s', async () => {
    server.fault({ status: 503, times: 10 })
    const cancel = new AbortController()
    setTimeout(() => cancel.abort(), 200)
    const started = Date.now()
    const err = await pushError({
      retryDelaysMs: [30_000, 30_000, 30_000],
      cancellation: { signal: cancel.signal, hurry: new AbortController().signal },
    })
    const took = Date.now() - started
    expect(err.kind).toBe('unreachable')
    // The 30 s wait running at the signal ends about 1 s later, one 2 s wait follows, then no more.
    expect(took).toBeGreaterThanOrEqual(3_000)
    expect(took).toBeLessThan(8_000)
    expect(server.receivePackRequests().map((r) => r.status)).toEqual([503, 503, 503])
  })

  it('a first signal that came before the push leaves at most the two short waits', async () => {
    server.fault({ status: 503, times: 10 })
    const cancel = new AbortController()
    cancel.abort()
    const started = Date.now()
    const err = await pushError({
      retryDelaysMs: [30_000, 30_000, 30_000],
      cancellation: { signal: cancel.signal, hurry: new AbortController().signal },
    })
    expect(Date.now() - started).toBeLessThan(8_000)
    expect(err.message).toContain('(tried 3 times)')
  })

  it('the hurry signal kills a push that origin never answers, within about a second', async () => {
    server.fault({ hang: true, times: 10 })
    const hurry = new AbortController()
    const stalled = pushError({
      retryDelaysMs: FAST,
      cancellation: { signal: hurry.signal, hurry: hurry.signal },
    })
    // Abort once the pack was sent and origin sits on it.
    await until(() => server.requests.some((r) => r.method === 'POST' && r.status === 0))
    const aborted = Date.now()
    hurry.abort()
    const err = await stalled
    expect(Date.now() - aborted).toBeLessThan(1_500)
    expect(err.kind).toBe('unreachable')
    expect(err.message).toContain('(tried once)')
    expect(err.message).toContain('the run was cancelled')
    expect(err.hint).toMatch(/being cancelled/)
    expect(await origin.head('ISSUE-3')).toBeUndefined()
  })

  it('without a signal, a push origin never answers times out and counts as unreachable', async () => {
    server.fault({ hang: true, times: 10 })
    const started = Date.now()
    const err = await pushError({ retryDelaysMs: [5], attemptTimeoutMs: 700 })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(err.kind).toBe('unreachable')
    expect(err.message).toContain('(tried 2 times)')
    expect(err.message).toMatch(/timed out/)
    expect(err.hint).toMatch(/did not answer in time/)
    expect(server.requests.filter((r) => r.method === 'POST' && r.status === 0)).toHaveLength(2)
  })

  it('never shows a token that sits in the remote URL', async () => {
    const port = new URL(server.url).port
    await server.close()
    await runGit(work, [
      'remote',
      'set-url',
      'origin',
      `http://x-access-token:${TOKEN}@127.0.0.1:${port}/origin.git`,
    ])
    const err = await pushError({ retryDelaysMs: [] })
    expect(err.kind).toBe('unreachable')
    expect(`${err.message}\n${err.hint}`).not.toContain(TOKEN)
  })

  it('masks credentials in any URL git prints, in case a git version does not', () => {
    expect(
      firstLines(`fatal: unable to access 'https://x-access-token:${TOKEN}@github.com/o/r.git/': 503`),
    ).toBe("fatal: unable to access 'https://***@github.com/o/r.git/': 503")
  })
})

/**
 * A git whose push always answers `stderr`, and `stdout` as `git push --porcelain` prints it (the status line
 * of a rejected ref is on stdout); every other command succeeds (rev-parse gives a sha).
 */
function answering(stderr: string, stdout = ''): { git: Git; pushes: () => number } {
  let pushes = 0
  const git: Git = {
    cwd: '/nonexistent',
    exec: (args) => {
      if (args.includes('push')) {
        pushes++
        return Promise.resolve({ exitCode: 1, stdout, stderr })
      }
      return Promise.resolve({ exitCode: 0, stdout: 'f'.repeat(40), stderr: '' })
    },
  }
  return { git, pushes: () => pushes }
}

/** The porcelain status line git prints on stdout for a ref origin rejected. */
const rejected = (reason: string): string =>
  `To https://github.com/o/r.git\n!\trefs/heads/ISSUE-3:refs/heads/ISSUE-3\t[remote rejected] (${reason})\nDone\n`
const FAILED_REFS = "error: failed to push some refs to 'https://github.com/o/r.git'"

describe("pushBranch reads GitHub's and git's own words", () => {
  it.each([
    [
      `remote: error: GH006: Protected branch update failed for refs/heads/ISSUE-3.\n${FAILED_REFS}`,
      rejected('protected branch hook declined'),
      'refused',
      /branch protection or ruleset/,
    ],
    [
      FAILED_REFS,
      rejected(
        'refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission',
      ),
      'refused',
      /`workflows` permission/,
    ],
    [
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'",
      '',
      'refused',
      /did not accept the credential/,
    ],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403",
      '',
      'refused',
      /contents: write/,
    ],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com",
      '',
      'unreachable',
      /not a permissions problem/,
    ],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': Failed to connect to github.com port 443 after 130000 ms: Connection timed out",
      '',
      'unreachable',
      /outage/,
    ],
    [
      'error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500\nsend-pack: unexpected disconnect while reading sideband packet\nfatal: the remote end hung up unexpectedly',
      '',
      'unreachable',
      /outage/,
    ],
    ['fatal: early EOF\nfatal: the remote end hung up unexpectedly', '', 'unreachable', /outage/],
    // Origin failed on its side while updating the ref: retried, not a refusal.
    [
      `remote: Internal Server Error\n${FAILED_REFS}`,
      'To https://github.com/o/r.git\n!\trefs/heads/ISSUE-3:refs/heads/ISSUE-3\t[remote failure] (remote failed to report status)\nDone\n',
      'unreachable',
      /outage/,
    ],
    [FAILED_REFS, rejected('Internal Server Error'), 'unreachable', /outage/],
    [FAILED_REFS, rejected('failure'), 'unreachable', /outage/],
    [FAILED_REFS, rejected('fatal error in commit_refs'), 'unreachable', /outage/],
    [
      "error: RPC failed; HTTP 429 curl 22 The requested URL returned error: 429\nfatal: unable to access 'https://github.com/o/r.git/'",
      '',
      'unreachable',
      /outage/,
    ],
    // Too large: a file over 100 MB, a push over the limit.
    [
      "remote: error: Trace: 4f1c\nremote: error: See https://gh.io/lfs for more information.\nremote: error: File big.bin is 120.00 MB; this exceeds GitHub's file size limit of 100.00 MB\nremote: error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com.\n" +
        FAILED_REFS,
      rejected('pre-receive hook declined'),
      'refused',
      /Git LFS/,
    ],
    [
      'error: RPC failed; HTTP 413 curl 22 The requested URL returned error: 413\nfatal: the remote end hung up unexpectedly',
      '',
      'refused',
      /size limits[\s\S]*Git LFS/,
    ],
    // Not a network failure and not origin's answer: said as git said it, without a guess at permissions.
    [
      "fatal: Unable to create '/work/repo/.git/index.lock': File exists.",
      '',
      'failed',
      /^The work is the commit f{40}/,
    ],
  ])('%s %s → %s', async (stderr, stdout, kind, hint) => {
    const { git, pushes } = answering(stderr, stdout)
    const err = (await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [1, 1] }).catch(
      (e: unknown) => e,
    )) as PushError
    expect(err).toBeInstanceOf(PushError)
    expect(err.kind).toBe(kind)
    expect(err.hint).toMatch(hint)
    if (kind !== 'unreachable') expect(err.hint).not.toMatch(/not a permissions problem/)
    if (kind !== 'refused') expect(err.hint).not.toMatch(/contents: write|allow the bot/)
    expect(pushes()).toBe(kind === 'unreachable' ? 3 : 1)
  })

  it('a local failure says "the push failed" with git\'s reason, and no permissions hint', async () => {
    const { git } = answering("fatal: Unable to create '/work/repo/.git/index.lock': File exists.")
    const err = (await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [] }).catch(
      (e: unknown) => e,
    )) as PushError
    expect(err.message).toBe(
      'Could not push branch "ISSUE-3": the push failed: fatal: Unable to create \'/work/repo/.git/index.lock\': File exists.',
    )
    expect(err.hint).not.toMatch(/permission|contents: write|credential/i)
  })

  it('puts the reason git prints on stdout (the porcelain status line) into the message', async () => {
    const { git } = answering(FAILED_REFS, rejected('protected branch hook declined'))
    const err = (await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [] }).catch(
      (e: unknown) => e,
    )) as PushError
    expect(err.message).toContain(
      'refs/heads/ISSUE-3:refs/heads/ISSUE-3 [remote rejected] (protected branch hook declined)',
    )
  })

  it('push protection (GH013 with a secret) is its own kind: remove the secret, or the unblock URL', async () => {
    const unblock = 'https://github.com/o/r/security/secret-scanning/unblock-secret/2abcDEF'
    const stderr = [
      'remote: error: GH013: Repository rule violations found for refs/heads/ISSUE-3.',
      'remote: ',
      'remote: - GITHUB PUSH PROTECTION',
      'remote:   —————————————————————————————————————————',
      'remote:     Resolve the following violations before pushing again',
      'remote: ',
      'remote:     - Push cannot contain secrets',
      'remote: ',
      'remote:       (?) To push, remove secret from commit(s) or follow this URL to allow the secret.',
      `remote:       ${unblock}`,
      FAILED_REFS,
    ].join('\n')
    const { git, pushes } = answering(stderr, rejected('push declined due to repository rule violations'))
    const err = (await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [1] }).catch(
      (e: unknown) => e,
    )) as PushError
    expect(err.kind).toBe('secret')
    expect(pushes()).toBe(1)
    expect(err.hint).toMatch(/Remove the secret from the work/)
    expect(err.hint).toContain(unblock)
    expect(err.hint).not.toMatch(/allow the bot|contents: write/)
    // The blank and rule-only `remote:` lines do not use up the lines the message shows.
    expect(err.message).toContain('Push cannot contain secrets')
    expect(err.message).not.toMatch(/^remote:\s*$/m)
  })
})
