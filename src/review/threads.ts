/**
 * The review threads a review iteration addresses: each comment on a line of the diff by someone with write
 * access, in a thread nobody resolved, with its file, line and diff hunk, the triggering review's or comment's
 * own first. The same trust rules as the notes: bots (the action itself included), people without write access,
 * and comments posted or edited after the command never reach the model.
 */
import { readReplyMarker } from '../discussion/markers.js'
import { describeError } from '../errors.js'
import type { GitHubApi, ReviewComment } from '../github/api.js'
import { canWrite, isBot, type PermissionLookup } from '../trigger/authorize.js'
import { withoutCommand } from '../trigger/command.js'
import { fenced } from '../report/format.js'

/** Characters of review threads the model sees; threads beyond it are dropped, the triggering ones last. */
export const MAX_THREADS_CHARS = 30_000
/** Characters of one comment the model sees (its start). */
const MAX_COMMENT_CHARS = 8_000
/** Lines of a diff hunk shown (its end: GitHub's hunk runs up to the commented line). */
const HUNK_LINES = 15

export interface ThreadsRequest {
  pullNumber: number
  source: 'comment' | 'review' | 'review-comment'
  /** The review comment with the command (`review-comment`). */
  commentId?: number
  /** Its text as the event carried it (what the model sees of it, whatever it says now). */
  commandBody?: string
  /** The review with the command (`review`). */
  reviewId?: number
  /** When the command was posted. */
  cutoff: string
  /** Who posted it. */
  actor: string
  /** The configured command and the PR's phase id, to show a comment without its command line. */
  trigger: string
  id: string
  selfLogins: string[]
  /** Sanitizes and redacts a text for the model. */
  clean: (text: string) => string
  /** The run's permission lookup (a failed lookup counts as no access). */
  permissionOf: PermissionLookup
  log: (line: string) => void
}

export interface Threads {
  /** Markdown for the notes; empty when no thread is left. */
  text: string
  /** The first comment of each thread shown (where the replies go). */
  roots: number[]
  /** Threads the action answered with nothing new from a reviewer since (waiting to be resolved). */
  waiting: number
  /** Threads a run answered after this command was posted (a queued duplicate of the command). */
  answered: number
  /** Threads left out for the size cap. */
  dropped: number
  /** The review the command came with (a review's, or a review comment's), named in the replies. */
  review?: number
  /** Set when the threads' resolved state could not be read (then every thread counts as unresolved). */
  error?: string
}

/**
 * The threads to address. Which: a `review-comment` command addresses the threads of the review its comment came
 * with (its own thread, for a lone comment); a `review` command the threads its review commented in; a command in
 * the PR's conversation every unresolved thread with something new from a reviewer since the action's last
 * reply there. A thread the action replied in after the command was posted is left out: a run queued before this
 * one took the same command's review (GitHub sends one event per line comment of a review).
 */
export async function reviewThreads(api: GitHubApi, r: ThreadsRequest): Promise<Threads> {
  const all = await api.listReviewComments(r.pullNumber)
  let resolved = new Set<number>()
  let error: string | undefined
  try {
    resolved = await api.resolvedThreads(r.pullNumber)
  } catch (err) {
    error = `Could not read which review threads are resolved (${describeError(err)}); every thread counts as unresolved.`
    r.log(error)
  }
  const byRoot = new Map<number, ReviewComment[]>()
  for (const c of [...all].sort(byTime)) {
    const root = c.inReplyTo ?? c.id
    byRoot.set(root, [...(byRoot.get(root) ?? []), c])
  }
  const review = r.source === 'review' ? r.reviewId : all.find((c) => c.id === r.commentId)?.reviewId
  const own = (thread: ReviewComment[]): boolean =>
    thread.some((c) => c.id === r.commentId || (review !== undefined && c.reviewId === review))
  const counts = { waiting: 0, answered: 0, dropped: 0 }
  const shown: Array<{ root: number; text: string }> = []
  const threads = [...byRoot.entries()].filter(
    ([root, t]) => own(t) || (r.source === 'comment' && !resolved.has(root)),
  )
  // The command's own threads first; a thread resolved before the command asked about it still counts.
  for (const [root, thread] of [
    ...threads.filter(([, t]) => own(t)),
    ...threads.filter(([, t]) => !own(t)),
  ]) {
    const kept = await trusted(thread, r, review)
    if (kept.length === 0) continue
    if (covered(thread, kept, r, review)) {
      // Its own thread: a run queued before this one took the same review. Another: it waits on a reviewer.
      if (own(thread)) counts.answered++
      else counts.waiting++
      continue
    }
    shown.push({ root, text: renderThread(thread[0], kept, r) })
  }
  let size = shown.reduce((n, s) => n + s.text.length + 2, 0)
  while (shown.length > 1 && size > MAX_THREADS_CHARS) {
    size -= shown.pop()!.text.length + 2
    counts.dropped++
  }
  const text = shown.length
    ? [`Review threads to address on pull request #${r.pullNumber}:`, ...shown.map((s) => s.text)].join(
        '\n\n',
      )
    : ''
  return {
    text,
    roots: shown.map((s) => s.root),
    ...counts,
    ...(review === undefined ? {} : { review }),
    ...(error ? { error } : {}),
  }
}

const sameLogin = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
const isSelf = (c: ReviewComment, r: ThreadsRequest): boolean =>
  r.selfLogins.some((l) => sameLogin(l, c.user.login))

/**
 * The action answered everything in the thread already: one of its replies came from a run whose command was
 * posted after the thread's newest comment here, or from a run of this command's own review (GitHub sends one
 * event per line comment of a review, and the first run takes them all). A reply without a marker (from before
 * replies had one) counts from its own time.
 */
function covered(
  thread: ReviewComment[],
  kept: ReviewComment[],
  r: ThreadsRequest,
  review?: number,
): boolean {
  const newest = Math.max(...kept.map((c) => Date.parse(c.created_at)))
  return thread.some((c) => {
    if (!isSelf(c, r)) return false
    const marker = readReplyMarker(c.body)
    if (review !== undefined && marker?.reviewId === review) return true
    return Date.parse(marker?.at ?? c.created_at) >= newest
  })
}

/**
 * The thread's comments that may reach the model: by people with write access (never the action or another
 * bot), posted before the command and not edited after it. Comments posted in the command's second count only
 * when they are the command's own review's, or older review comments than the command (ids grow).
 */
async function trusted(
  thread: ReviewComment[],
  r: ThreadsRequest,
  review?: number,
): Promise<ReviewComment[]> {
  const cutoff = Date.parse(r.cutoff)
  const out: ReviewComment[] = []
  for (const c of thread) {
    const isCommand = r.source === 'review-comment' && c.id === r.commentId
    // The command's own review is the actor's own words, submitted with it: drafted before or after the comment
    // that holds the command, and stamped when the review was submitted, so its times prove nothing.
    const ownReview = review !== undefined && c.reviewId === review && sameLogin(c.user.login, r.actor)
    const created = Date.parse(c.created_at)
    const before =
      created < cutoff ||
      (created === cutoff &&
        (ownReview || (r.commentId !== undefined && r.source === 'review-comment' && c.id < r.commentId)))
    const unedited = Date.parse(c.updated_at) <= cutoff
    if (!isCommand && !ownReview && !(before && unedited)) continue
    if (isSelf(c, r) || isBot(c.user.login, c.user.type)) continue
    if (!canWrite(await r.permissionOf(c.user.login).catch(() => 'unknown' as const))) continue
    // The command as the event carried it: an edit made since never reaches the model.
    out.push(isCommand && r.commandBody !== undefined ? { ...c, body: r.commandBody } : c)
  }
  return out
}

function renderThread(first: ReviewComment, kept: ReviewComment[], r: ThreadsRequest): string {
  const where =
    first.line !== undefined
      ? first.startLine !== undefined && first.startLine !== first.line
        ? `lines ${first.startLine}–${first.line}`
        : `line ${first.line}`
      : `outdated: the diff has changed since${first.originalLine !== undefined ? `; it was on line ${first.originalLine}` : ''}`
  const hunk = first.diffHunk.split('\n').slice(-HUNK_LINES).join('\n')
  const comments = kept.map((c) => {
    const full = r.clean(withoutCommand(c.body, r.trigger, r.id))
    const body = full.length > MAX_COMMENT_CHARS ? `${full.slice(0, MAX_COMMENT_CHARS)}… (cut)` : full
    return `**@${c.user.login}** (${c.created_at}):\n${body || '_(only the command)_'}`
  })
  return [`### \`${r.clean(first.path)}\`, ${where}`, fenced(r.clean(hunk), 'diff'), ...comments].join('\n\n')
}

function byTime(a: ReviewComment, b: ReviewComment): number {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id
}
