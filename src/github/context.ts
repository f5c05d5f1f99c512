/**
 * The run's context as Actions code reads it: @actions/github's `context` (event name, payload, repository,
 * run id and attempt, server URL), checked so that a missing or unreadable event says what is wrong.
 *
 * `context` is built when @actions/github is first imported and parses the event file right then, so a bad file
 * would crash the action before it could report anything. The file is therefore checked here first and the
 * package imported afterwards, inside the error handling.
 */
import { readFileSync } from 'node:fs'
import { describeError, UserError } from '../errors.js'
import { readRunInfo, type RunInfo } from '../report/run-info.js'

type ActionsContext = (typeof import('@actions/github'))['context']

export interface ActionContext {
  eventName: string
  payload: Record<string, unknown>
  run: RunInfo
}

/** Reads the run's context. Throws UserError outside Actions or when the event payload cannot be read. */
export async function readActionContext(env: NodeJS.ProcessEnv = process.env): Promise<ActionContext> {
  const eventPath = env.GITHUB_EVENT_PATH
  if (!eventPath) throw new UserError('GITHUB_EVENT_PATH is not set: this must run inside GitHub Actions.')
  try {
    JSON.parse(readFileSync(eventPath, 'utf8'))
  } catch (err) {
    throw new UserError(`Could not read the event payload at ${eventPath}: ${describeError(err)}`)
  }
  const { context } = await import('@actions/github')
  return {
    eventName: context.eventName ?? '',
    payload: context.payload as Record<string, unknown>,
    run: readRunInfo({
      serverUrl: context.serverUrl,
      repository: repositoryOf(context, env),
      runId: context.runId,
      runAttempt: context.runAttempt,
      workflowRef: env.GITHUB_WORKFLOW_REF,
      job: env.GITHUB_JOB,
    }),
  }
}

/**
 * `owner/name`: GITHUB_REPOSITORY as the runner set it (parseRepo rejects a malformed one, where `context.repo`
 * would quietly split it), else the repository the payload names, else ''.
 */
function repositoryOf(ctx: ActionsContext, env: NodeJS.ProcessEnv): string {
  if (env.GITHUB_REPOSITORY) return env.GITHUB_REPOSITORY
  try {
    const { owner, repo } = ctx.repo
    return owner && repo ? `${owner}/${repo}` : ''
  } catch {
    return ''
  }
}
