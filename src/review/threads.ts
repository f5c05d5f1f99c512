/**
 * The review threads a review iteration addresses: each comment on a line of the diff by someone with write
 * access, in a thread nobody resolved, with its file, line and diff hunk, the triggering review's or comment's
 * own first. The same trust rules as the notes: bots (the action itself included), people without write access,
 * and comments posted or edited after the command never reach the model.
 */
import { describeError } from '../errors.js'
import type { GitHubApi, Permission, ReviewComment } from '../github/api.js'
import { canWrite, isBot } from '../trigger/authorize.js'
import { withoutCommand } from '../trigger/command.js'
import { fenced } from './checks.js'

/** Characters of review threads the model sees; threads beyond it are dropped, the triggering ones last. */
export const MAX_THREADS_CHARS = 30_000
/** Lines of a diff hunk shown (its end: GitHub's hunk runs up to the commented line). */
const HUNK_LINES = 15

export interface ThreadsRequest {
  pullNumber: number
  source: 'comment' | 'review' | 'review-comment'
  /** The review comment with the command (`review-comment`). */
  commentId?: number
  /** The review with the command (`review`). */
  reviewId?: number
  /** When the command was posted. */
  cutoff: string
  /** The configured command and the PR's phase id, to show a comment without its command line. */
  trigger: string
  id: string
  selfLogins: string[]
  /** Sanitizes and redacts a text for the model. */
  clean: (text: string) => string
  permissionOf: (login: string) => Promise<Permission | 'unknown'>
  log: (line: string) => void
}

export interface Threads {
  /** Markdown for the notes; empty when no thread is left. */
  text: string
  /** The first comment of each thread shown (where the replies go). */
  roots: number[]
  /** Set when the threads' resolved state could not be read (then every thread counts as unresolved). */
  error?: string
}

/**
 * The threads to address. Which: a `review-comment` command addresses its own thread; a `review` command the
 * threads its review commented in; a command in the PR's conversation every unresolved thread.
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
  const own = (thread: ReviewComment[]): boolean =>
    r.source === 'review-comment'
      ? thread.some((c) => c.id === r.commentId)
      : r.source === 'review' && thread.some((c) => c.reviewId === r.reviewId)
  const chosen = [...byRoot.entries()].filter(
    ([root, thread]) => own(thread) || (r.source === 'comment' && !resolved.has(root)),
  )
  // The command's own threads first; a thread resolved before the command asked about it still counts.
  const ordered = [...chosen.filter(([, t]) => own(t)), ...chosen.filter(([, t]) => !own(t))]
  const shown: Array<{ root: number; text: string }> = []
  for (const [root, thread] of ordered) {
    const kept = await trusted(thread, r)
    if (kept.length) shown.push({ root, text: renderThread(thread[0], kept, r) })
  }
  let size = shown.reduce((n, s) => n + s.text.length + 2, 0)
  while (shown.length > 1 && size > MAX_THREADS_CHARS) size -= shown.pop()!.text.length + 2
  const text = shown.length
    ? [`Review threads to address on pull request #${r.pullNumber}:`, ...shown.map((s) => s.text)].join(
        '\n\n',
      )
    : ''
  return { text, roots: shown.map((s) => s.root), ...(error ? { error } : {}) }
}

/** The thread's comments that may reach the model. */
async function trusted(thread: ReviewComment[], r: ThreadsRequest): Promise<ReviewComment[]> {
  const cutoff = Date.parse(r.cutoff)
  const self = new Set(r.selfLogins.map((l) => l.toLowerCase()))
  const out: ReviewComment[] = []
  for (const c of thread) {
    const isCommand = r.source === 'review-comment' && c.id === r.commentId
    if (!isCommand && !(Date.parse(c.created_at) <= cutoff && Date.parse(c.updated_at) <= cutoff)) continue
    if (self.has(c.user.login.toLowerCase()) || isBot(c.user.login, c.user.type)) continue
    if (!canWrite(await r.permissionOf(c.user.login).catch(() => 'unknown' as const))) continue
    out.push(c)
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
    const body = r.clean(withoutCommand(c.body, r.trigger, r.id))
    return `**@${c.user.login}** (${c.created_at}):\n${body || '_(only the command)_'}`
  })
  return [`### \`${r.clean(first.path)}\`, ${where}`, fenced(r.clean(hunk), 'diff'), ...comments].join('\n\n')
}

function byTime(a: ReviewComment, b: ReviewComment): number {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id
}
