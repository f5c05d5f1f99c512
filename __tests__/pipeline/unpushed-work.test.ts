/**
 * A push that fails for good never loses the work: commitAndPush attaches a bundle and a patch of the commits to
 * the run with the real `@actions/artifact` client (against the loopback artifact service), or leaves them in
 * the runner's temp directory, and the error it throws on says where and how to apply them. Origin is the real
 * smart-HTTP stand-in, so the push fails the way it fails against GitHub.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createGit } from '../../src/git/command-manager.js'
import { PushError } from '../../src/git/push.js'
import { createActionsArtifactStore } from '../../src/github/artifacts.js'
import { readInputs } from '../../src/inputs.js'
import { commitAndPush } from '../../src/pipeline/agent-run.js'
import type { PipelineDeps } from '../../src/pipeline/types.js'
import { workArtifactName } from '../../src/pipeline/unpushed-work.js'
import { Redactor } from '../../src/report/redact.js'
import { readRunInfo } from '../../src/report/run-info.js'
import { startArtifactServer, unzip, type ArtifactServer } from '../support/artifact-server.js'
import { createOrigin, runGit, type Origin } from '../support/git-fixture.js'
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js'
import { actionYml } from '../support/run-action.js'

const TOKEN = 'ghs_unpushedWorkTokenUnpushedWork00001'
const RUN_URL = 'https://github.com/octo-org/octo-repo/actions/runs/7'

let origin: Origin
let gitServer: GitHttpServer
let artifacts: ArtifactServer
let tempDir: string
let logs: string[]

beforeEach(async () => {
  origin = await createOrigin({ files: { 'README.md': '# demo\n' } })
  gitServer = await startGitHttpServer({ bare: origin.bare, token: TOKEN })
  artifacts = await startArtifactServer()
  tempDir = await mkdtemp(path.join(os.tmpdir(), 'runner-temp-'))
  logs = []
})

afterEach(async () => {
  vi.unstubAllEnvs()
  await gitServer.close()
  await artifacts.close()
  await origin.cleanup()
})

/** A checkout of origin over HTTP on branch ISSUE-3 with one uncommitted file, and deps around it. */
async function workspace(
  env: Record<string, string | undefined>,
  runAttempt?: number,
): Promise<PipelineDeps> {
  const work = await origin.clone()
  await runGit(work, ['remote', 'set-url', 'origin', gitServer.repoUrl])
  await runGit(work, ['checkout', '--quiet', '-b', 'ISSUE-3'])
  await writeFile(path.join(work, 'slug.js'), 'export const slug = (s) => s.toLowerCase()\n')
  const git = await createGit(work)
  const redactor = new Redactor()
  redactor.add(TOKEN)
  const values: Record<string, string> = { 'anthropic-api-key': 'sk-ant-x', 'github-token': TOKEN }
  const run = readRunInfo({
    serverUrl: gitServer.url,
    repository: 'octo-org/octo-repo',
    runId: 7,
    runAttempt,
  })
  return {
    inputs: readInputs((name) => values[name] ?? actionYml.inputs[name]?.default ?? ''),
    run: { ...run, runUrl: RUN_URL },
    git,
    redactor,
    log: (line: string) => void logs.push(line),
    artifacts: createActionsArtifactStore(env),
    tempDir,
  } as unknown as PipelineDeps
}

/** The artifact service the runner gives a job, in the environment where the client reads it. */
function runnerEnv(): Record<string, string> {
  const env = {
    ACTIONS_RUNTIME_TOKEN: artifacts.token,
    ACTIONS_RESULTS_URL: `${artifacts.url}/`,
    GITHUB_SERVER_URL: 'https://github.com',
  }
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v)
  return env
}

async function failedPush(d: PipelineDeps, signal?: AbortSignal): Promise<PushError> {
  const err = await commitAndPush(d, {
    branch: 'ISSUE-3',
    message: 'ISSUE-3: slug',
    coAuthor: { login: 'octocat', id: 1 },
    push: { retryDelaysMs: [5, 5], cancellation: signal && { signal, hurry: signal } },
  }).catch((e: unknown) => e)
  expect(err).toBeInstanceOf(PushError)
  return err as PushError
}

/** Fetches `bundle` into a fresh clone of origin and returns the sha of ISSUE-3 there. */
async function fetchBundle(bundle: string): Promise<string> {
  const clone = await origin.clone()
  await runGit(clone, ['fetch', '--quiet', bundle, 'ISSUE-3:ISSUE-3'])
  return runGit(clone, ['rev-parse', 'refs/heads/ISSUE-3'])
}

describe('commitAndPush when the push fails for good', () => {
  it('origin unreachable: retried, then the commit is attached to the run as an artifact that fetches', async () => {
    const d = await workspace(runnerEnv())
    gitServer.fault({ status: 503, times: 10 })
    const err = await failedPush(d)
    expect(err.kind).toBe('unreachable')
    expect(gitServer.receivePackRequests()).toHaveLength(3)
    expect(err.message).toMatch(/^Could not reach origin/)
    const name = workArtifactName('ISSUE-3')
    expect(name).toBe('implement-action-ISSUE-3-work')
    expect(err.hint).toContain(`attached to this workflow run as the artifact \`${name}\` (${RUN_URL}`)
    expect(err.hint).toContain('`git fetch ISSUE-3.bundle ISSUE-3:ISSUE-3`')
    const base = await origin.head('main')
    expect(err.hint).toContain(`\`git am ISSUE-3.patch\` on commit ${base}`)
    expect(err.hint).toMatch(/not a permissions problem/)
    // Attached: nothing says the work is lost.
    expect(err.hint).not.toMatch(/lost/)

    expect(artifacts.artifacts).toHaveLength(1)
    const [stored] = artifacts.artifacts
    expect(stored).toMatchObject({ name, finalized: true })
    const files = unzip(stored.bytes!)
    expect(Object.keys(files).sort()).toEqual(['ISSUE-3.bundle', 'ISSUE-3.patch'])
    const bundle = path.join(tempDir, 'downloaded.bundle')
    await writeFile(bundle, files['ISSUE-3.bundle'])
    expect(await fetchBundle(bundle)).toBe(err.sha)
    expect(files['ISSUE-3.patch'].toString('utf8')).toMatch(
      /Subject: \[PATCH\] ISSUE-3: slug[\s\S]*\+export const slug/,
    )
    expect(`${err.message}${err.hint}`).not.toContain(TOKEN)
  })

  it('a refusal is not retried, and its work is attached too', async () => {
    const d = await workspace(runnerEnv())
    gitServer.fault({ status: 403, times: 10, body: 'Permission to octo-org/octo-repo.git denied.\n' })
    const err = await failedPush(d)
    expect(err.kind).toBe('refused')
    expect(gitServer.receivePackRequests()).toHaveLength(1)
    expect(err.hint).toContain('contents: write')
    expect(err.hint).toContain('the artifact `implement-action-ISSUE-3-work`')
    expect(artifacts.artifacts[0]?.finalized).toBe(true)
  })

  it('no artifact service (a laptop): the files are left in RUNNER_TEMP, and the message says so', async () => {
    const d = await workspace({})
    await gitServer.close()
    const err = await failedPush(d)
    expect(err.kind).toBe('unreachable')
    expect(artifacts.requests).toEqual([])
    const [dir] = await readdir(tempDir)
    const kept = path.join(tempDir, dir)
    expect(err.hint).toContain(
      'was not attached to the run (this runner gives no artifact service: ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL unset)',
    )
    expect(err.hint).toContain(`written on the runner to \`${kept}\``)
    // The runner empties RUNNER_TEMP at the end of the job: only a later step can save it.
    expect(err.hint).toMatch(/lost then, unless a later step with `if: failure\(\)` uploads that directory/)
    expect(err.hint).not.toMatch(/copy it off|reused/)
    expect(await fetchBundle(path.join(kept, 'ISSUE-3.bundle'))).toBe(err.sha)
    expect(await readFile(path.join(kept, 'ISSUE-3.patch'), 'utf8')).toContain(
      'Subject: [PATCH] ISSUE-3: slug',
    )
  })

  it('the upload fails: the files are left in RUNNER_TEMP, with the reason', async () => {
    const d = await workspace(runnerEnv())
    artifacts.fault({ status: 403 })
    gitServer.fault({ status: 503, times: 10 })
    const err = await failedPush(d)
    expect(err.hint).toMatch(/the artifact upload failed: .*403/)
    expect(err.hint).toContain(`written on the runner to \`${tempDir}`)
    expect(artifacts.artifacts).toEqual([])
  })

  it('a cancelled job (aborted signal) waits for nothing: one push, no upload, the files on the runner', async () => {
    const d = await workspace(runnerEnv())
    gitServer.fault({ status: 503, times: 10 })
    const ac = new AbortController()
    ac.abort()
    const err = await failedPush(d, ac.signal)
    expect(err.kind).toBe('unreachable')
    expect(gitServer.receivePackRequests()).toHaveLength(1)
    expect(artifacts.requests).toEqual([])
    expect(err.hint).toContain('the job was cancelled before the upload could start')
    expect(err.hint).toContain(`written on the runner to \`${tempDir}`)
  })

  it('a re-run attempt uploads under a name of its own (the first attempt has the plain name: 409)', async () => {
    const env = runnerEnv()
    gitServer.fault({ status: 503, times: 100 })
    const first = await failedPush(await workspace(env))
    expect(first.hint).toContain('the artifact `implement-action-ISSUE-3-work`')
    const again = await failedPush(await workspace(env, 2))
    expect(again.hint).toContain('the artifact `implement-action-ISSUE-3-work-attempt-2`')
    expect(artifacts.artifacts.map((a) => [a.name, a.finalized])).toEqual([
      ['implement-action-ISSUE-3-work', true],
      ['implement-action-ISSUE-3-work-attempt-2', true],
    ])
  })

  it('push protection found a secret: nothing is uploaded, the files stay on the runner, and it says why', async () => {
    const d = await workspace(runnerEnv())
    // Origin's own pre-receive hook answers as GitHub's push protection does.
    const hook = path.join(origin.bare, 'hooks', 'pre-receive')
    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'cat >&2 <<EOF',
        'error: GH013: Repository rule violations found for refs/heads/ISSUE-3.',
        '',
        '- GITHUB PUSH PROTECTION',
        '  —————————————————————————————————————————',
        '    Resolve the following violations before pushing again',
        '',
        '    - Push cannot contain secrets',
        '',
        '      https://github.com/octo-org/octo-repo/security/secret-scanning/unblock-secret/2abc',
        'EOF',
        'exit 1',
        '',
      ].join('\n'),
      { mode: 0o755 },
    )
    const err = await failedPush(d)
    expect(err.kind).toBe('secret')
    expect(gitServer.receivePackRequests()).toHaveLength(2)
    expect(err.message).toContain('Push cannot contain secrets')
    expect(err.message).toContain('[remote rejected] (pre-receive hook declined)')
    expect(err.hint).toContain('Remove the secret from the work')
    expect(err.hint).toContain('/security/secret-scanning/unblock-secret/2abc')
    expect(err.hint).not.toMatch(/allow the bot|contents: write/)
    expect(artifacts.requests).toEqual([])
    expect(err.hint).toContain(
      'the commits contain a secret, and anyone who can read the repository can download',
    )
    expect(err.hint).toContain(`written on the runner to \`${tempDir}`)
  })

  it("a conflict says to bring in origin's changes before pushing the kept work", async () => {
    const d = await workspace(runnerEnv())
    const other = await origin.clone()
    await origin.push(other, { branch: 'ISSUE-3', files: { 'slug.js': 'export const slug = 1\n' } })
    const err = await failedPush(d)
    expect(err.kind).toBe('conflict')
    expect(err.hint).toContain(
      "`git fetch ISSUE-3.bundle ISSUE-3:ISSUE-3` then bring in origin's changes (`git fetch origin ISSUE-3`, then `git rebase origin/ISSUE-3 ISSUE-3`",
    )
  })

  it('an upload that does not finish in time holds nothing: the files on the runner are reported', async () => {
    const d = { ...(await workspace(runnerEnv())), artifactUploadTimeoutMs: 500 }
    artifacts.fault({ hang: true })
    gitServer.fault({ status: 503, times: 10 })
    const started = Date.now()
    const err = await failedPush(d)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(err.hint).toContain('the artifact upload failed: it did not finish within 1 s')
    expect(err.hint).toContain(`written on the runner to \`${tempDir}`)
  })
})
