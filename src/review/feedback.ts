/**
 * Everything a review iteration tells the model, as its notes: the command's notes, the PR's new conversation, and
 * a "Review feedback" part (the triggering review's text, the review threads to address, the failing checks and
 * the branch's diff stat). Every text is sanitized and redacted, and only people with write access are heard.
 */
import type { IssueThread } from '../discussion/thread.js'
import { gatherNotes } from '../discussion/notes.js'
import { QUESTION_MARKER } from '../discussion/markers.js'
import { sanitize } from '../discussion/sanitize.js'
import { diffStat } from '../git/branch.js'
import type { IssueComment, Permission } from '../github/api.js'
import type { PipelineDeps } from '../pipeline/types.js'
import { withoutCommand } from '../trigger/command.js'
import type { Trigger } from '../trigger/types.js'
import { failingChecks, fenced, type FailingChecks } from './checks.js'
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
  base: string
  /** Comments this run has posted on the PR already (its tracking comment). */
  ownComments: number[]
}

/** Gathers the feedback of a review iteration (after the branch is checked out: the diff stat reads it). */
export async function gatherFeedback(d: PipelineDeps, r: FeedbackRequest): Promise<Feedback> {
  const { target, trigger } = r
  const n = target.pull.number
  const clean = (s: string): string => d.redactor.redact(sanitize(s)).trim()
  const permissions = new Map<string, Promise<Permission | 'unknown'>>()
  const permissionOf = (login: string): Promise<Permission | 'unknown'> => {
    const key = login.toLowerCase()
    if (!permissions.has(key))
      permissions.set(
        key,
        d.api.getPermission(login).catch(() => 'unknown' as const),
      )
    return permissions.get(key)!
  }
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
    selfLogins: r.thread.selfLogins,
    redactor: d.redactor,
    comments,
    newerThan: lastWord(comments, r),
    heading: `New comments on pull request #${n} since the action's last word there (oldest first):`,
  })
  const threads = await reviewThreads(d.api, {
    pullNumber: n,
    source: trigger.source,
    commentId: trigger.commentId,
    reviewId: trigger.reviewId,
    cutoff: trigger.createdAt,
    trigger: d.inputs.trigger,
    id: target.id,
    selfLogins: r.thread.selfLogins,
    clean,
    permissionOf,
    log: d.log,
  })
  const reviewText =
    trigger.source === 'review' ? clean(withoutCommand(trigger.body, d.inputs.trigger, target.id)) : ''
  const checks = await failingChecks(d.api, target.pull.headSha, clean)
  const stat = await diffStat(d.git, r.base)
  const parts = [
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
    empty: !conversation.notes && !reviewText && !threads.text && checks.failing.length === 0,
    threads,
    checks,
    comments: conversation.used.length,
    warnings: [threads.error, checks.error, checks.grant].filter((w): w is string => Boolean(w)),
  }
}

/**
 * The action's last word on the PR before the command: its last comment there (a clarification question excepted:
 * the answers to it need it; this run's own comments too), and the last time it wrote the PR's body.
 */
function lastWord(comments: IssueComment[], r: FeedbackRequest): { commentId?: number; time?: string } {
  const self = new Set(r.thread.selfLogins)
  const { trigger } = r
  const before = (c: IssueComment): boolean =>
    trigger.source === 'comment'
      ? c.id < trigger.commentId!
      : Date.parse(c.created_at) <= Date.parse(trigger.createdAt) && !r.ownComments.includes(c.id)
  const last = comments
    .filter((c) => self.has(c.user.login.toLowerCase()) && !c.body.includes(QUESTION_MARKER) && before(c))
    .reduce<number | undefined>((max, c) => Math.max(max ?? 0, c.id), undefined)
  return {
    ...(last === undefined ? {} : { commentId: last }),
    ...(r.target.bodyWrittenAt ? { time: r.target.bodyWrittenAt } : {}),
  }
}
