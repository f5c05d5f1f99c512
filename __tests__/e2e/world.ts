/** One end-to-end run: a sandbox, a scripted Anthropic stand-in, and `node dist/index.js` as the runner runs it. */
import { startAnthropicServer, type AnthropicServer, type Script } from '../support/anthropic-server.js'
import { runAction, type ActionRun } from '../support/run-action.js'
import { OWNER, REPO, type Sandbox } from '../support/sandbox.js'

export const API_KEY = 'sk-ant-e2e-0123456789abcdefghij'
export const GITHUB_TOKEN = 'ghs_e2eTokenE2eTokenE2eTokenE2eToken12'

export interface E2ERun extends ActionRun {
  anthropic: AnthropicServer
}

export async function act(
  sb: Sandbox,
  o: {
    eventName?: string
    payload: unknown
    script?: Script
    with?: Record<string, string>
    env?: Record<string, string>
  },
): Promise<E2ERun> {
  const anthropic = await startAnthropicServer(o.script ?? [], { apiKey: API_KEY })
  try {
    const run = await runAction({
      eventName: o.eventName ?? 'issue_comment',
      payload: o.payload,
      workspace: sb.workspace,
      githubApiUrl: sb.github.url,
      anthropicBaseUrl: anthropic.url,
      githubToken: GITHUB_TOKEN,
      repository: `${OWNER}/${REPO}`,
      with: { 'anthropic-api-key': API_KEY, ...o.with },
      env: o.env,
    })
    return { ...run, anthropic }
  } finally {
    await anthropic.close()
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
