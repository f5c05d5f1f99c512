/**
 * The post step (`runs.post` in action.yml, as actions/checkout has one): the safety net for a main step that
 * was killed before it finished (the runner's SIGKILL after its grace period, the machine running out of
 * memory). From what the main step recorded as it went (src/pipeline/post-state.ts) it stops the processes the
 * model left, puts the checkout's credential back from the copy the model could never read, and finishes the
 * tracking comment with what was kept. After a main step that finished, it only checks that nothing is left.
 */
import * as core from '@actions/core'
import { TRACKING_MARKER } from '../discussion/markers.js'
import { describeError } from '../errors.js'
import { createGit } from '../git/command-manager.js'
import { removePushAuth, restoreCredentialCopy } from '../git/credentials.js'
import { putBackMoved } from '../providers/credential-files.js'
import type { GitHubApi } from '../github/api.js'
import { createGitHubApi, parseRepo } from '../github/octokit.js'
import { Redactor } from '../report/redact.js'
import { WORKING_HEADLINE } from '../report/tracking.js'
import { stopStrayProcesses } from '../sandbox/strays.js'
import { POST_STATE, type PostStateKey } from './post-state.js'

/** What the main step recorded (empty strings for what it never reached). */
export type PostState = Record<PostStateKey, string>

/** The post step: reads its state and inputs from the runner's environment. Never throws. */
export async function runPost(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const redactor = new Redactor()
  const token = core.getInput('github-token').trim()
  if (token) {
    core.setSecret(token)
    redactor.add(token)
  }
  const log = (line: string): void => core.info(redactor.redact(line))
  const state = Object.fromEntries(
    (Object.keys(POST_STATE) as PostStateKey[]).map((k) => [k, core.getState(POST_STATE[k])]),
  ) as PostState
  if (!state.main) {
    // Killed while it was still loading (or never started): it changed nothing there is to undo.
    log('The main step recorded nothing: nothing to clean up.')
    return
  }
  try {
    await cleanUp(state, env.GITHUB_WORKSPACE || process.cwd(), log)
    if (state.finished) return
    log('The main step was stopped before it could report; finishing its report.')
    const api =
      token && env.GITHUB_REPOSITORY
        ? createGitHubApi({ token, repo: parseRepo(env.GITHUB_REPOSITORY), redactor, log })
        : undefined
    await reportStopped(state, api, log)
  } catch (err) {
    core.warning(redactor.redact(`The post step could not finish: ${describeError(err)}`))
  }
}

/**
 * The model's processes, then the checkout's credential, then a push credential of the action's own: all
 * before the post steps of the steps before this one (actions/checkout's among them).
 */
export async function cleanUp(
  state: PostState,
  workspace: string,
  log: (line: string) => void,
): Promise<void> {
  if (state.marker) {
    const stopped = await stopStrayProcesses(state.marker)
    if (stopped) log(`Stopped ${stopped} process(es) the model left running.`)
  }
  if (state.credentials) {
    const r = await restoreCredentialCopy(state.credentials)
    for (const place of r.restored) log(`Put back the checkout's credential: ${place}.`)
    for (const f of r.failed) core.warning(`Could not put back the checkout's credential: ${f}`)
  }
  if (state.cloudFiles) {
    for (const line of await putBackMoved(state.cloudFiles))
      (line.startsWith('Could not') ? core.warning : log)(line)
  }
  if (state.pushAuth) {
    await removePushAuth(await createGit(workspace), state.pushAuth)
    log('Removed the push credential the main step had added for its push.')
  }
}

/** What the run kept, as far as the main step recorded it. */
export function keptLine(state: PostState): string {
  const branch = state.branch ? `branch \`${state.branch}\`` : 'its branch'
  if (state.pr) return `Work pushed before it stopped is on ${branch} and in ${state.pr}.`
  if (state.pushed)
    return `Work pushed before it stopped is on ${branch} (commit ${state.pushed.slice(0, 12)}).`
  return 'Nothing had been pushed, so changes the model made in this run are lost with the runner.'
}

/**
 * The tracking comment's "Working…" headline replaced (its milestones kept), or a new comment when it cannot be
 * read or written; and the job summary. A comment that no longer says "Working…" was finished by the main step
 * (killed after its report, before it recorded so) and is left alone.
 */
async function reportStopped(
  state: PostState,
  api: GitHubApi | undefined,
  log: (line: string) => void,
): Promise<void> {
  const headline =
    '🛑 **Stopped before it could finish:** the runner ended the job (the workflow run was cancelled, ' +
    'reached its `timeout-minutes`, or the runner was stopped) before this run could report.'
  const kept = keptLine(state)
  const again = state.branch ? ' Comment the command again to continue on the same branch.' : ''
  await core.summary
    .addRaw(`## implement-action: stopped\n\n${headline}\n\n${kept}${again}\n`)
    .write()
    .catch(() => undefined)
  const [issue, id] = state.tracking.split(':').map(Number)
  if (!api || !issue) return
  const text = `${headline}\n\n${kept}${again}`
  try {
    const comment = await api.getComment(id)
    if (comment.body.includes(WORKING_HEADLINE))
      await api.updateComment(id, comment.body.replace(WORKING_HEADLINE, text))
    else log('The tracking comment already has its final word; it is left as it is.')
    return
  } catch (err) {
    log(`Could not update the tracking comment: ${describeError(err)}`)
  }
  await api.createComment(issue, `${TRACKING_MARKER}\n${text}`)
}
