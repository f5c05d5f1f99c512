import { UserError } from '../errors.js'
import { parseCommand } from './command.js'
import { sameId } from './ids.js'
import type { Command, Trigger } from './types.js'

/** Action inputs that take part in reading the event (from `with:`; empty strings count as unset). */
export interface TriggerInputs {
  trigger: string
  issueId?: string
  specName?: string
  notes?: string
}

export const SUPPORTED_EVENTS = [
  'issue_comment',
  'workflow_dispatch',
  'pull_request_review',
  'pull_request_review_comment',
] as const

/**
 * Decides what the event asks for. Pure: no API calls, no authorization (see authorize.ts).
 *
 * - `issue_comment`, action `created`, body with the command (see parseCommand) → kind `comment`. Its ids are
 *   replaced by the action's `issue-id` input when that is set; `spec-name`/`notes` inputs are NOT folded in
 *   (the pipeline gives them their own precedence). The actor is `comment.user`.
 * - The same on a pull request (`issue.pull_request` set), a `pull_request_review` `submitted` whose body has the
 *   command, or a `pull_request_review_comment` `created` with it → kind `pull` (a review iteration; its phase is
 *   the PR's head branch, so the ids are read again once that is known). The actor is the comment's or review's
 *   author.
 * - `issue_comment` with another action (`edited`, `deleted`), or without the command → kind `skip` with a
 *   reason; the caller exits 0 without any API write or model call.
 * - `workflow_dispatch` → kind `dispatch`. Ids, spec and notes come from the workflow inputs `issue-id`,
 *   `spec-name`, `notes`; the action inputs of the same names override them. `issue-number` (optional, digits,
 *   `#` allowed) is the issue to report on. The actor is `sender`. No id → UserError naming the input to set.
 * - Any other event → UserError naming the supported events.
 *
 * An `issue-id` value may list several ids separated by commas or whitespace (fan-out).
 */
export function parseTrigger(eventName: string, payload: unknown, inputs: TriggerInputs): Trigger {
  const p = asRecord(payload)
  if (eventName === 'issue_comment') return fromComment(p, inputs)
  if (eventName === 'workflow_dispatch') return fromDispatch(p, inputs)
  if (eventName === 'pull_request_review') return fromReview(p, inputs)
  if (eventName === 'pull_request_review_comment') return fromReviewComment(p, inputs)
  throw new UserError(
    `This action runs on ${SUPPORTED_EVENTS.map((e) => `\`${e}\``).join(', ')} events; it was started by \`${eventName || '(unknown)'}\`.`,
    'Trigger the workflow with `on: issue_comment: types: [created]` and/or `on: workflow_dispatch`, and for review iterations `pull_request_review: types: [submitted]` and `pull_request_review_comment: types: [created]` (see examples/implement.yml).',
  )
}

function fromComment(p: Record<string, unknown>, inputs: TriggerInputs): Trigger {
  const action = str(p.action)
  if (action !== 'created') {
    return { kind: 'skip', reason: `the comment was ${action || 'changed'}; only new comments start a run` }
  }
  const comment = asRecord(p.comment)
  const issue = asRecord(p.issue)
  const body = str(comment.body)
  const parsed = parseCommand(body, inputs.trigger)
  if (!parsed) {
    return { kind: 'skip', reason: noCommand(inputs.trigger, 'comment') }
  }
  const commentId = comment.id
  const issueNumber = issue.number
  const user = asRecord(comment.user)
  if (typeof commentId !== 'number' || typeof issueNumber !== 'number' || !str(user.login)) {
    throw new UserError(
      'The issue_comment event payload lacks the comment id, issue number or comment author.',
    )
  }
  const override = splitIds(inputs.issueId)
  const command: Command = override.length ? { ...parsed, issueIds: override } : parsed
  const actor = actorOf(user)
  if (issue.pull_request != null) {
    return {
      kind: 'pull',
      source: 'comment',
      command,
      pullNumber: issueNumber,
      body,
      commentId,
      createdAt: str(comment.created_at),
      actor,
    }
  }
  return {
    kind: 'comment',
    command,
    issueNumber,
    commentId,
    commentCreatedAt: str(comment.created_at),
    actor,
  }
}

/** A submitted review whose body has the command: its comments are the feedback. */
function fromReview(p: Record<string, unknown>, inputs: TriggerInputs): Trigger {
  const action = str(p.action)
  if (action !== 'submitted') {
    return {
      kind: 'skip',
      reason: `the review was ${action || 'changed'}; only submitted reviews start a run`,
    }
  }
  const review = asRecord(p.review)
  const body = str(review.body)
  const command = parseCommand(body, inputs.trigger)
  if (!command) return { kind: 'skip', reason: noCommand(inputs.trigger, 'review') }
  const pullNumber = asRecord(p.pull_request).number
  const user = asRecord(review.user)
  if (typeof review.id !== 'number' || typeof pullNumber !== 'number' || !str(user.login)) {
    throw new UserError(
      'The pull_request_review event payload lacks the review id, PR number or review author.',
    )
  }
  return {
    kind: 'pull',
    source: 'review',
    command,
    pullNumber,
    body,
    reviewId: review.id,
    createdAt: str(review.submitted_at),
    actor: actorOf(user),
  }
}

/** A new review comment with the command: the threads of the review it came with are the feedback. */
function fromReviewComment(p: Record<string, unknown>, inputs: TriggerInputs): Trigger {
  const action = str(p.action)
  if (action !== 'created') {
    return {
      kind: 'skip',
      reason: `the review comment was ${action || 'changed'}; only new comments start a run`,
    }
  }
  const comment = asRecord(p.comment)
  const body = str(comment.body)
  const command = parseCommand(body, inputs.trigger)
  if (!command) return { kind: 'skip', reason: noCommand(inputs.trigger, 'review comment') }
  const pullNumber = asRecord(p.pull_request).number
  const user = asRecord(comment.user)
  if (typeof comment.id !== 'number' || typeof pullNumber !== 'number' || !str(user.login)) {
    throw new UserError(
      'The pull_request_review_comment event payload lacks the comment id, PR number or comment author.',
    )
  }
  return {
    kind: 'pull',
    source: 'review-comment',
    command,
    pullNumber,
    body,
    commentId: comment.id,
    createdAt: str(comment.created_at),
    actor: actorOf(user),
  }
}

function noCommand(trigger: string, what: string): string {
  return `the ${what} has no \`${trigger}\` command at the start of a line (outside quotes and code)`
}

function fromDispatch(p: Record<string, unknown>, inputs: TriggerInputs): Trigger {
  const wf = asRecord(p.inputs)
  const ids = splitIds(nonEmpty(inputs.issueId) ?? nonEmpty(str(wf['issue-id'])))
  if (ids.length === 0) {
    throw new UserError(
      'No phase id to implement: the `issue-id` input is empty.',
      'Set the `issue-id` workflow_dispatch input (for example ISSUE-3), or the action input `issue-id` in the workflow.',
    )
  }
  const specArg = nonEmpty(inputs.specName) ?? nonEmpty(str(wf['spec-name']))
  const notes = nonEmpty(inputs.notes) ?? nonEmpty(str(wf.notes)) ?? ''
  const command: Command =
    specArg === undefined ? { issueIds: ids, notes } : { issueIds: ids, specArg, notes }
  const sender = asRecord(p.sender)
  const issueNumber = parseIssueNumber(wf['issue-number'])
  const trigger: Trigger = {
    kind: 'dispatch',
    command,
    actor: {
      login: str(sender.login) || 'unknown',
      type: str(sender.type) || 'User',
      id: numericId(sender.id),
    },
  }
  const commentId = parseIssueNumber(wf['comment-id'], 'comment-id')
  return {
    ...trigger,
    ...(issueNumber === undefined ? {} : { issueNumber }),
    ...(commentId === undefined ? {} : { commentId }),
  }
}

/** A positive number from a workflow input (`issue-number`, `comment-id`); `#12` accepted. */
function parseIssueNumber(raw: unknown, input = 'issue-number'): number | undefined {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw > 0) return raw
  const t = str(raw).trim().replace(/^#/, '')
  if (t === '') return undefined
  if (!/^\d{1,12}$/.test(t) || Number(t) < 1) {
    throw new UserError(
      `The \`${input}\` workflow input must be a number such as 12; got "${str(raw).slice(0, 40)}".`,
      'Leave it empty to report only in the workflow run.',
    )
  }
  return Number(t)
}

/** `ISSUE-3`, `ISSUE-3 ISSUE-4` or `ISSUE-3,ISSUE-4` → ids, in order (empty for unset/blank). */
function splitIds(raw: string | undefined): string[] {
  const out: string[] = []
  for (const id of (raw ?? '').split(/[\s,]+/)) if (id !== '' && !out.some((x) => sameId(x, id))) out.push(id)
  return out
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim()
  return t ? t : undefined
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : ''
}

function asRecord(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {}
}

/** The author of a comment or review, as the payload names it (the type is looked up again to authorize). */
function actorOf(user: Record<string, unknown>): { login: string; type: string; id?: number } {
  return { login: str(user.login), type: str(user.type) || 'User', id: numericId(user.id) }
}

/** A positive integer account id, or undefined (used for the `Co-authored-by` noreply address). */
function numericId(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined
}
