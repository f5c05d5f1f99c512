/** One end-to-end run: a sandbox, a scripted Anthropic stand-in, and `node dist/index.js` as the runner runs it. */
import { startAnthropicServer, type AnthropicServer, type Script } from '../support/anthropic-server.js'
import type { ChildProcess } from 'node:child_process'
import { startAction, type ActionRun } from '../support/run-action.js'
import { OWNER, REPO, type Sandbox } from '../support/sandbox.js'

export const API_KEY = 'sk-ant-e2e-0123456789abcdefghij'
export const GITHUB_TOKEN = 'ghs_e2eTokenE2eTokenE2eTokenE2eToken12'

export interface E2ERun extends ActionRun {
  anthropic: AnthropicServer
}

export interface ActOptions {
  eventName?: string
  payload: unknown
  script?: Script
  with?: Record<string, string>
  env?: Record<string, string>
  /**
   * A cloud in front of the model stand-in (cloud-servers.ts): started with it, it returns the environment the
   * cloud's setup action would leave (credentials, region, the SDK's base URL).
   */
  cloud?: (anthropic: AnthropicServer) => Promise<Record<string, string>>
}

export async function act(sb: Sandbox, o: ActOptions): Promise<E2ERun> {
  return (await start(sb, o)).done
}

/** Starts the main step and hands back its process (to signal it) while the model stand-in answers. */
export async function start(
  sb: Sandbox,
  o: ActOptions,
): Promise<{ child: ChildProcess; anthropic: AnthropicServer; done: Promise<E2ERun> }> {
  const anthropic = await startAnthropicServer(o.script ?? [], { apiKey: API_KEY })
  try {
    const cloudEnv = o.cloud ? await o.cloud(anthropic) : {}
    const started = await startAction({
      eventName: o.eventName ?? 'issue_comment',
      payload: o.payload,
      workspace: sb.workspace,
      githubApiUrl: sb.github.url,
      anthropicBaseUrl: anthropic.url,
      githubToken: GITHUB_TOKEN,
      repository: `${OWNER}/${REPO}`,
      with: { 'anthropic-api-key': API_KEY, ...o.with },
      env: { ...cloudEnv, ...o.env },
    })
    const done = started.done.finally(() => anthropic.close()).then((run) => ({ ...run, anthropic }))
    return { child: started.child, anthropic, done }
  } catch (err) {
    await anthropic.close()
    throw err
  }
}

/** Requests to the fake GitHub that change something. */
export function writes(sb: Sandbox): string[] {
  return sb.github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)
}

/** The last text of the tracking comment (the action's own comments on the issue). */
export function botComments(sb: Sandbox): string[] {
  return sb.github
    .commentsOn(sb.issue.number)
    .filter((c) => c.user === 'github-actions[bot]')
    .map((c) => c.body)
}
