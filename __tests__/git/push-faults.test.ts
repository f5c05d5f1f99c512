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
    expect(err.hint).toMatch(/no valid credential/)
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
    expect(err.hint).toContain(`The commit ${sha} exists only on this runner and is lost when the job ends`)
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
    const err = await pushError({ retryDelaysMs: [10_000, 10_000], signal: ac.signal })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(err.kind).toBe('unreachable')
    expect(err.message).toContain('(tried once)')
    expect(server.receivePackRequests()).toHaveLength(1)
  })

  it('a signal that aborts during a wait ends that wait at once', async () => {
    server.fault({ status: 503, times: 10 })
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 200)
    const started = Date.now()
    const err = await pushError({ retryDelaysMs: [30_000, 30_000], signal: ac.signal })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(err.kind).toBe('unreachable')
    expect(server.receivePackRequests()).toHaveLength(1)
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

/** A git whose push always answers `stderr`; every other command succeeds (rev-parse gives a sha). */
function answering(stderr: string): { git: Git; pushes: () => number } {
  let pushes = 0
  const git: Git = {
    cwd: '/nonexistent',
    exec: (args) => {
      if (args.includes('push')) {
        pushes++
        return Promise.resolve({ exitCode: 128, stdout: '', stderr })
      }
      return Promise.resolve({ exitCode: 0, stdout: 'f'.repeat(40), stderr: '' })
    },
  }
  return { git, pushes: () => pushes }
}

describe("pushBranch reads GitHub's and git's own words", () => {
  it.each([
    [
      'remote: error: GH006: Protected branch update failed for refs/heads/ISSUE-3.\n! [remote rejected] ISSUE-3 -> ISSUE-3 (protected branch hook declined)',
      'refused',
      /branch protection or ruleset/,
    ],
    [
      '! [remote rejected] ISSUE-3 -> ISSUE-3 (refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)',
      'refused',
      /`workflows` permission/,
    ],
    [
      "remote: Invalid username or password.\nfatal: Authentication failed for 'https://github.com/o/r.git/'",
      'refused',
      /no valid credential/,
    ],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': The requested URL returned error: 403",
      'refused',
      /contents: write/,
    ],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com",
      'unreachable',
      /not a permissions problem/,
    ],
    [
      "fatal: unable to access 'https://github.com/o/r.git/': Failed to connect to github.com port 443 after 130000 ms: Connection timed out",
      'unreachable',
      /outage/,
    ],
    [
      'error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500\nsend-pack: unexpected disconnect while reading sideband packet\nfatal: the remote end hung up unexpectedly',
      'unreachable',
      /outage/,
    ],
    [
      'error: RPC failed; HTTP 413 curl 22 The requested URL returned error: 413\nfatal: the remote end hung up unexpectedly',
      'refused',
      /contents: write/,
    ],
    ['fatal: early EOF\nfatal: the remote end hung up unexpectedly', 'unreachable', /outage/],
  ])('%s → %s', async (stderr, kind, hint) => {
    const { git, pushes } = answering(stderr)
    const err = (await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [1, 1] }).catch(
      (e: unknown) => e,
    )) as PushError
    expect(err).toBeInstanceOf(PushError)
    expect(err.kind).toBe(kind)
    expect(err.hint).toMatch(hint)
    expect(pushes()).toBe(kind === 'unreachable' ? 3 : 1)
  })
})
