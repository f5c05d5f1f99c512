/**
 * Everything a review iteration tells the model, as its notes: the command's notes, the PR's new conversation, and
 * a "Review feedback" part (the triggering review's text, the review threads to address, the failing checks and
 * the branch's diff stat). Every text is sanitized and redacted, and only people with write access are heard.
 */
import type { IssueThread } from '../discussion/thread.js'
import { answeredIds, TRACKING_MARKER } from '../discussion/markers.js'
import { forModel, gatherNotes } from '../discussion/notes.js'
import type { IssueComment } from '../github/api.js'
import { diffStat } from '../git/branch.js'
import type { PipelineDeps } from '../pipeline/types.js'
import { withoutCommand } from '../trigger/command.js'
import type { Trigger } from '../trigger/types.js'
import { fenced } from '../report/format.js'
import { failingChecks, type FailingChecks } from './checks.js'
import type { IterationTarget } from './target.js'
import { reviewThreads, type Threads } from './threads.js'

export type PullCommand = Extract<Trigger, { kind: 'pull' }>

export interface Feedback {
  notes: string
  /** Nothing to address: no notes, no new comments, no review text or threads, no failing checks. */
  empty: boolean
  /** The threads shown (by their first comment), for the replies. */
  threads: Threads
  checks: FailingChecks
  /** How many new conversation comments were included. */
  comments: number
  /** For the tracking comment: what could not be read, and what to grant. */
  warnings: string[]
}

export interface FeedbackRequest {
  target: IterationTarget
  trigger: PullCommand
  /** The PR's conversation (listed once per run). */
  thread: IssueThread
  /** The logins the action posts as (the thread's, and the one its tracking comment was created as). */
  selfLogins: string[]
  base: string
  /** The phase is not marked complete on the branch (an earlier run stopped early). */
  unfinished: boolean
  /** Check runs of the action's own job (its name), which are never feedback. */
  ownCheck?: string
}

/** Gathers the feedback of a review iteration (after the branch is checked out: the diff stat reads it). */
export async function gatherFeedback(d: PipelineDeps, r: FeedbackRequest): Promise<Feedback> {
  const { target, trigger } = r
  const n = target.pull.number
  const clean = forModel(d.redactor)
  const permissionOf = r.thread.permissionOf
  const comments = await r.thread.comments()
  const conversation = await gatherNotes(d.api, {
    issueNumber: n,
    // A review's time is the cutoff; its id is no comment's, so comments of the same second count as earlier.
    trigger: {
      commentId: trigger.source === 'comment' ? trigger.commentId! : Number.MAX_SAFE_INTEGER,
      createdAt: trigger.createdAt,
    },
    // A review's or review comment's text is shown whole, with its thread, below.
    commandNotes: trigger.source === 'comment' ? target.command.notes : '',
    inputNotes: d.inputs.notes,
    selfLogins: r.selfLogins,
    redactor: d.redactor,
    comments,
    settled: settledCommands(comments, r.selfLogins),
    // What the last iteration that finished had been asked, and everything before, was addressed.
    newerThan: target.addressedUntil ? { time: target.addressedUntil } : undefined,
    heading: `New comments on pull request #${n} (oldest first):`,
    permissionOf,
  })
  const threads = await reviewThreads(d.api, {
    pullNumber: n,
    source: trigger.source,
    commentId: trigger.commentId,
    commandBody: trigger.source === 'review-comment' ? trigger.body : undefined,
    reviewId: trigger.reviewId,
    cutoff: trigger.createdAt,
    actor: trigger.actor.login,
    trigger: d.inputs.trigger,
    id: target.id,
    selfLogins: r.selfLogins,
    clean,
    permissionOf,
    log: d.log,
  })
  const reviewText =
    trigger.source === 'review' ? clean(withoutCommand(trigger.body, d.inputs.trigger, target.id)) : ''
  const checks = await failingChecks(d.api, target.pull.headSha, clean, r.ownCheck)
  const stat = await diffStat(d.git, r.base)
  const parts = [
    r.unfinished &&
      `The phase is not marked complete on the branch yet (an earlier run stopped early): finishing it is part of this run.`,
    reviewText && `The review by @${trigger.actor.login} (${trigger.createdAt}):\n${reviewText}`,
    threads.text,
    checks.text,
    stat && `The branch so far (\`git diff --stat\` against \`${r.base}\`):\n\n${fenced(stat)}`,
  ].filter(Boolean)
  const notes = [conversation.notes, [`Review feedback on pull request #${n}:`, ...parts].join('\n\n')]
    .filter(Boolean)
    .join('\n\n')
  return {
    notes,
    empty:
      !r.unfinished && !conversation.notes && !reviewText && !threads.text && checks.failing.length === 0,
    threads,
    checks,
    comments: conversation.used.length,
    warnings: [threads.error, checks.error, checks.grant].filter((w): w is string => Boolean(w)),
  }
}

/**
 * The commands the action settled without a run to build on: refused (🚫) or with nothing to address (💤). They are
 * not discussion for the next iteration, unlike the command of a run that asked, stopped early or failed.
 */
function settledCommands(comments: IssueComment[], selfLogins: string[]): number[] {
  const self = new Set(selfLogins.map((l) => l.toLowerCase()))
  return comments
    .filter((c) => self.has(c.user.login.toLowerCase()) && c.body.startsWith(TRACKING_MARKER))
    .filter((c) => c.body.split('\n').some((line) => /^(?:🚫|💤)/u.test(line)))
    .flatMap((c) => answeredIds(c.body))
}
