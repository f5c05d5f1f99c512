/**
 * The run's context as Actions code reads it: @actions/github's `context` (event name, payload, repository,
 * run id and attempt, server URL), checked so that a missing or unreadable event says what is wrong.
 */
import { existsSync } from 'node:fs'
import { context as actionsContext } from '@actions/github'
import { UserError } from '../errors.js'
import { readRunInfo, type RunInfo } from '../report/run-info.js'

type ActionsContext = typeof actionsContext

export interface ActionContext {
  eventName: string
  payload: Record<string, unknown>
  run: RunInfo
}

/** Reads the run's context. Throws UserError outside Actions or when the event payload cannot be read. */
export function readActionContext(
  ctx: ActionsContext = actionsContext,
  env: NodeJS.ProcessEnv = process.env,
): ActionContext {
  const eventPath = env.GITHUB_EVENT_PATH
  if (!eventPath) throw new UserError('GITHUB_EVENT_PATH is not set: this must run inside GitHub Actions.')
  // `context` reads the file when the module loads; a missing file leaves its payload empty without a word.
  if (!existsSync(eventPath))
    throw new UserError(`Could not read the event payload at ${eventPath}: no such file.`)
  return {
    eventName: ctx.eventName ?? '',
    payload: ctx.payload as Record<string, unknown>,
    run: readRunInfo({
      serverUrl: ctx.serverUrl,
      repository: repositoryOf(ctx),
      runId: ctx.runId,
      runAttempt: ctx.runAttempt,
      workflowRef: env.GITHUB_WORKFLOW_REF,
    }),
  }
}

/** `owner/name` from the context, or '' when neither GITHUB_REPOSITORY nor the payload names it. */
function repositoryOf(ctx: ActionsContext): string {
  try {
    const { owner, repo } = ctx.repo
    return owner && repo ? `${owner}/${repo}` : ''
  } catch {
    return ''
  }
}
