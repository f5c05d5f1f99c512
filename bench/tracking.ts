/**
 * What the tracking comment costs a run: the whole pipeline in-process (runPipeline, wired as main.ts wires it:
 * Octokit with its PRODUCTION write spacing against the OpenAPI-checked GitHub stand-in, git with a bare origin,
 * the Anthropic SDK against the scripted model `implementIssue2()`), once triggered by a `/implement ISSUE-2`
 * comment (authorization, 👀, the tracking comment and its edits) and once by a workflow_dispatch without
 * `issue-number` (no comment at all). The model answers at once, so what differs is GitHub's part.
 */
import { realpath } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { bench, ratio } from './harness.js'
import { startAnthropicServer } from '../__tests__/support/anthropic-server.js'
import { ACTIONS_BOT } from '../__tests__/support/github-server.js'
import { actionYml } from '../__tests__/support/run-action.js'
import { createSandbox, OWNER, REPO, type Sandbox } from '../__tests__/support/sandbox.js'
import { implementIssue2 } from '../__tests__/support/scripted-model.js'
import { createGit } from '../src/git/command-manager.js'
import { createGitHubApi } from '../src/github/octokit.js'
import { readInputs } from '../src/inputs.js'
import { runPipeline } from '../src/pipeline/run.js'
import { createAnthropicProvider } from '../src/providers/anthropic.js'
import { Redactor } from '../src/report/redact.js'
import { readRunInfo } from '../src/report/run-info.js'
import { allowlistedEnv } from '../src/sandbox/env.js'
import { createPlainSandbox } from '../src/sandbox/index.js'

const API_KEY = 'sk-ant-bench-0123456789abcdefghijkl'
const TOKEN = 'ghs_benchTokenBenchTokenBenchToken1234'
const RUNS = 7

type Kind = 'comment' | 'dispatch'
/** The writes (non-GET requests) of the last run of each kind. */
const writes: Record<Kind, number> = { comment: 0, dispatch: 0 }

function event(sb: Sandbox, kind: Kind): { eventName: string; payload: Record<string, unknown> } {
  return kind === 'comment'
    ? { eventName: 'issue_comment', payload: sb.comment('/implement ISSUE-2').payload }
    : {
        eventName: 'workflow_dispatch',
        payload: sb.dispatch({ 'spec-name': 'slugkit', 'issue-id': 'ISSUE-2', notes: '' }),
      }
}

/** One run in a fresh world; returns the pipeline's own time (the world's set-up and clean-up left out). */
async function once(kind: Kind): Promise<number> {
  const sb = await createSandbox()
  const anthropic = await startAnthropicServer(implementIssue2(), { apiKey: API_KEY })
  try {
    const redactor = new Redactor()
    redactor.add(API_KEY)
    redactor.add(TOKEN)
    const log = (): void => {}
    const git = await createGit(await realpath(sb.workspace))
    // The model's commands run as plain processes (`sandbox: off`) in both runs: the sandbox is not what differs.
    const values: Record<string, string> = {
      'anthropic-api-key': API_KEY,
      'github-token': TOKEN,
      sandbox: 'off',
    }
    const { eventName, payload } = event(sb, kind)
    const t = performance.now()
    const result = await runPipeline({
      inputs: readInputs((name) => values[name] ?? actionYml.inputs[name]?.default ?? ''),
      eventName,
      payload,
      workspace: git.cwd,
      run: readRunInfo({ serverUrl: 'https://github.com', repository: `${OWNER}/${REPO}`, runId: 7 }),
      // No writeSpacingMs, no retryDelayMs: GitHub's client exactly as the action makes it.
      api: createGitHubApi({
        token: TOKEN,
        baseUrl: sb.github.url,
        repo: { owner: OWNER, repo: REPO },
        redactor,
        log,
      }),
      git,
      provider: () => createAnthropicProvider({ apiKey: API_KEY, baseURL: anthropic.url }),
      sandbox: createPlainSandbox({
        env: allowlistedEnv({ PATH: process.env.PATH, HOME: process.env.HOME }),
      }),
      redactor,
      log,
      debug: log,
    })
    const ms = performance.now() - t
    if (result.status !== 'pr-opened')
      throw new Error(`the ${kind} run ended ${result.status}: ${result.message}`)
    const mine = sb.github.commentsOn(sb.issue.number).filter((c) => c.user === ACTIONS_BOT)
    if (kind === 'comment' && !mine.at(-1)?.body.includes('✅ Opened draft PR')) {
      throw new Error('the comment run did not end with its final word on the issue')
    }
    writes[kind] = sb.github.requests.filter((r) => r.method !== 'GET').length
    return ms
  } finally {
    await anthropic.close()
    await sb.cleanup()
  }
}

/**
 * A comment-triggered run against a dispatch run: the issue's goal is within 1.3x. The two kinds alternate (a
 * warm-up pair, then RUNS pairs) so that a change in the machine's load hits both alike; each row is then made
 * from its own samples.
 */
export async function run(): Promise<void> {
  const samples: Record<Kind, number[]> = { comment: [], dispatch: [] }
  for (let i = 0; i <= RUNS; i++) {
    samples.comment.push(await once('comment'))
    samples.dispatch.push(await once('dispatch'))
  }
  console.log(`writes to GitHub per run: comment ${writes.comment}, dispatch ${writes.dispatch}`)
  const replay = (kind: Kind) => () => samples[kind].shift()!
  const comment = await bench('pipeline: /implement comment run (tracking comment)', RUNS, replay('comment'))
  const dispatch = await bench('pipeline: workflow_dispatch run (no issue)', RUNS, replay('dispatch'))
  ratio('comment run / dispatch run', comment, dispatch, 1.3)
}
