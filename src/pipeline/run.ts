import { answerSuperseded } from '../discussion/superseded.js'
import { issueThread, type IssueThread } from '../discussion/thread.js'
import { describeError, UserError } from '../errors.js'
import { TrackingComment } from '../report/tracking.js'
import { parseTrigger } from '../trigger/event.js'
import type { Trigger } from '../trigger/types.js'
import { authorize, permissionLookup } from '../trigger/authorize.js'
import { fanOut } from '../jobs/fan-out.js'
import { implementPhase } from '../jobs/implement-phase.js'
import { iterateReview } from '../jobs/iterate-review.js'
import type { PipelineDeps, PipelineResult } from './types.js'

const USAGE = (trigger: string): string =>
  [
    `Usage: \`${trigger} ISSUE-3 [notes…]\`, or \`${trigger} path/to/spec.md ISSUE-3 [notes…]\`.`,
    `Several ids (\`${trigger} ISSUE-3 ISSUE-4\`) start one run per id.`,
  ].join('\n')

/**
 * The whole run: decide from the event, authorize, then implement one phase (or fan out to one run per id).
 * Every command ends with a visible result on the issue; errors become a message that says what to fix.
 */
export async function runPipeline(d: PipelineDeps): Promise<PipelineResult> {
  const trigger = parseTrigger(d.eventName, d.payload, {
    trigger: d.inputs.trigger,
    issueId: d.inputs.issueId,
    specName: d.inputs.specName,
    notes: d.inputs.notes,
  })
  if (trigger.kind === 'skip') {
    d.log(`Nothing to do: ${trigger.reason}`)
    return { status: 'skipped', message: trigger.reason, failed: false }
  }

  const ids = trigger.command.issueIds
  const title =
    trigger.kind === 'pull'
      ? `\`${d.inputs.trigger}\` on #${trigger.pullNumber}`
      : ids.length
        ? ids.map((id) => `\`${id}\``).join(', ')
        : `\`${d.inputs.trigger}\``
  // A review iteration reports on its pull request; other commands on their issue.
  const issue = trigger.kind === 'pull' ? trigger.pullNumber : trigger.issueNumber
  const tracking = new TrackingComment(d.api, issue, title, d.run.runUrl, d.log, {
    onComment: (id) => d.recordState?.('tracking', `${issue}:${id}`),
    // A review's run answers no conversation comment, and says so: the superseded check walks past it.
    answers: conversationComment(trigger) ?? (trigger.kind === 'pull' ? 'none' : undefined),
    redact: (text) => d.redactor.redact(text),
  })
  const result = await answer(d, trigger, tracking)
  const why = tracking.undelivered
  return why === undefined || issue === undefined ? result : unposted(result, issue, why)
}

/** The run's result; its final word is on the issue, or `tracking.undelivered` says why not. */
async function answer(
  d: PipelineDeps,
  trigger: Exclude<Trigger, { kind: 'skip' }>,
  tracking: TrackingComment,
): Promise<PipelineResult> {
  try {
    return await afterTrigger(d, trigger, tracking)
  } catch (err) {
    const message = describeError(err)
    d.log(`Failed: ${message}`)
    if (!(err instanceof UserError) && err instanceof Error && err.stack) d.debug(err.stack)
    await tracking.finish(`❌ **Failed:** ${message}`)
    return { status: 'failed', message, failed: true }
  }
}

/**
 * The result when GitHub took neither the tracking comment's edit nor a new comment: the issue still says
 * "Working…", so the step fails (whatever the outcome) and its message, which the job summary and the failed
 * step show, says what happened and where the work is.
 */
function unposted(result: PipelineResult, issueNumber: number, why: string): PipelineResult {
  const where =
    result.prUrl && !result.message.includes(result.prUrl)
      ? ` The pull request: ${result.prUrl}`
      : !result.prUrl && result.branch
        ? ` The branch: \`${result.branch}\`.`
        : ''
  const message = [
    `The result could not be posted on issue #${issueNumber}: ${why}`,
    `What happened (${result.status}): ${result.message}${where}`,
  ].join('\n\n')
  return { ...result, message, failed: true }
}

/** The issue or PR conversation comment with the command, if that is where it was written. */
function conversationComment(trigger: Exclude<Trigger, { kind: 'skip' }>): number | undefined {
  if (trigger.kind === 'comment') return trigger.commentId
  return trigger.kind === 'pull' && trigger.source === 'comment' ? trigger.commentId : undefined
}

async function afterTrigger(
  d: PipelineDeps,
  trigger: Exclude<Trigger, { kind: 'skip' }>,
  tracking: TrackingComment,
): Promise<PipelineResult> {
  let thread: IssueThread | undefined
  if (trigger.kind !== 'dispatch') {
    // Read once per run: the requester's permission counts again when the discussion is read.
    const permissionOf = permissionLookup(d.api)
    // A dispatch needs write access to start, so GitHub has already checked it; a comment or review has not.
    const auth = await authorize(d.api, trigger.actor, d.inputs.allowedBots, permissionOf)
    if (!auth.allowed) {
      await tracking.finish(`🚫 @${trigger.actor.login}: ${auth.reason}`)
      return { status: 'skipped', message: auth.reason, failed: false }
    }
    // The reaction also says who the token acts as: the action's own comments are told apart by that login.
    const self = await react(d, trigger).then(
      (r) => r?.login,
      (e: unknown) => void d.log(`Could not react: ${describeError(e)}`),
    )
    const where = trigger.kind === 'pull' ? trigger.pullNumber : trigger.issueNumber
    thread = issueThread(d.api, where, self, permissionOf)
    const command = conversationComment(trigger)
    if (command !== undefined) {
      await answerSuperseded(d.api, {
        issueNumber: where,
        commandId: command,
        trigger: d.inputs.trigger,
        thread,
        log: d.log,
      })
    }
  }
  if (trigger.kind === 'pull') return iterateReview(d, trigger, tracking, thread)
  const ids = trigger.command.issueIds
  if (ids.length === 0) throw new UserError('The command names no phase id.', USAGE(d.inputs.trigger))
  if (ids.length > 1) return fanOut(d, trigger, tracking)
  return implementPhase(d, trigger, ids[0], tracking, thread)
}

/** 👀 on the command (a review has no reactions of its own; its tracking comment is the first answer). */
async function react(
  d: PipelineDeps,
  trigger: Extract<Trigger, { kind: 'comment' | 'pull' }>,
): Promise<{ login: string } | undefined> {
  if (trigger.kind === 'comment' || trigger.source === 'comment') {
    return d.api.addReaction(trigger.commentId!, 'eyes')
  }
  if (trigger.source === 'review-comment') return d.api.addReviewCommentReaction(trigger.commentId!, 'eyes')
  return undefined
}
