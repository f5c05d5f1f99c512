/**
 * Runner-style: origin stops taking pushes after the checkout (the git HTTP stand-in answers 503 to every
 * receive-pack while fetches still work). The run must retry, say that origin could not be reached (not that a
 * permission is missing), attach the model's commit to the run as an artifact, and fail the step.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startArtifactServer, unzip, type ArtifactServer } from '../support/artifact-server.js'
import { runGit } from '../support/git-fixture.js'
import { startGitHttpServer, type GitHttpServer } from '../support/git-http-server.js'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2, SLUGIFY_JS } from '../support/scripted-model.js'
import { act, botComments, GITHUB_TOKEN } from './world.js'

const RUN_URL = 'https://github.com/octo-org/octo-repo/actions/runs/4242'

describe('e2e: origin unreachable at push time', () => {
  let sb: Sandbox | undefined
  let gitServer: GitHttpServer | undefined
  let artifacts: ArtifactServer | undefined
  afterEach(async () => {
    await gitServer?.close()
    await artifacts?.close()
    await sb?.cleanup()
  })

  it('retries, says origin could not be reached, attaches the commit as an artifact, and fails', async () => {
    sb = await createSandbox()
    gitServer = await startGitHttpServer({ bare: sb.origin.bare })
    artifacts = await startArtifactServer()
    // After the checkout, origin is served over HTTP; from now on every push gets a 503.
    await runGit(sb.workspace, ['remote', 'set-url', 'origin', gitServer.repoUrl])
    gitServer.fault({ status: 503, times: 1_000 })
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, {
      payload,
      script: implementIssue2(),
      env: { ACTIONS_RUNTIME_TOKEN: artifacts.token, ACTIONS_RESULTS_URL: `${artifacts.url}/` },
    })

    expect(run.exitCode, run.stdout).toBe(1)
    expect(run.outputs.status).toBe('failed')
    // The first push and the default three retries.
    expect(gitServer.receivePackRequests()).toHaveLength(4)
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBeUndefined()
    expect(sb.github.state.pulls).toHaveLength(0)

    const last = botComments(sb).at(-1) ?? ''
    expect(last).toContain('❌ **Failed:** Could not reach origin to push branch "ISSUE-2" (tried 4 times)')
    expect(last).toContain('not a permissions problem')
    expect(last).not.toContain('contents: write')
    expect(last).toContain(`the artifact \`implement-action-ISSUE-2-work\` (${RUN_URL}`)
    expect(last).toContain('`git fetch ISSUE-2.bundle ISSUE-2:ISSUE-2`')
    expect(last).not.toContain(GITHUB_TOKEN)
    expect(last).not.toMatch(/at .*\.js:\d+/)

    expect(artifacts.artifacts).toHaveLength(1)
    expect(artifacts.artifacts[0]).toMatchObject({ name: 'implement-action-ISSUE-2-work', finalized: true })
    const files = unzip(artifacts.artifacts[0].bytes!)
    const clone = await sb.origin.clone()
    const bundle = path.join(clone, '..', 'ISSUE-2.bundle')
    await writeFile(bundle, files['ISSUE-2.bundle'])
    await runGit(clone, ['fetch', '--quiet', bundle, 'ISSUE-2:ISSUE-2'])
    expect(await runGit(clone, ['show', 'ISSUE-2:src/slugify.js'])).toBe(SLUGIFY_JS.trim())
    expect(await runGit(clone, ['log', '-1', '--format=%an', 'ISSUE-2'])).toBe('github-actions[bot]')
    expect(files['ISSUE-2.patch'].toString('utf8')).toContain('Subject: [PATCH] ISSUE-2: slugify function')
  })
})
