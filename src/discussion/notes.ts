import type { GitHubApi, IssueComment } from '../github/api.js'
import type { Redactor } from '../report/redact.js'
import { canWrite, isBot, permissionLookup, type PermissionLookup } from '../trigger/authorize.js'
import { QUESTION_MARKER } from './markers.js'
import { sanitize } from './sanitize.js'
import { byCreation } from './thread.js'

/** Default cap on the discussion part of the notes, in characters (oldest comments are dropped first). */
export const MAX_DISCUSSION_CHARS = 30_000
/** Permission lookups one gathering has in flight at once, at most. */
export const LOOKUPS_AT_ONCE = 8
/** Why a comment older than the ones that fill the cap is left out. */
export const OVER_LIMIT = 'over the notes size limit (older comments are dropped first)'

export interface GatherNotesOptions {
  issueNumber: number
  /** The comment that started the run. Absent for workflow_dispatch (then every comment counts as earlier). */
  trigger?: { commentId: number; createdAt: string }
  commandNotes: string
  inputNotes?: string
  /** Logins the action posts as, e.g. `['github-actions[bot]']` (case-insensitive). */
  selfLogins: string[]
  redactor: Redactor
  /** Do not read the issue's comments (workflow_dispatch without an issue number). */
  skipIssueComments?: boolean
  /** The issue's comments when the caller has listed them already (then they are not listed again). */
  comments?: IssueComment[]
  /** Cap on the discussion section; defaults to MAX_DISCUSSION_CHARS. */
  maxDiscussionChars?: number
  /**
   * Only comments newer than this (a review iteration: what came after the action's last word): with a higher id
   * than `commentId` (ids grow with each comment), and created after `time`.
   */
  newerThan?: { commentId?: number; time?: string }
  /** The discussion's heading; DISCUSSION_HEADING by default. */
  heading?: string
  /** Comments to leave out: commands the action settled (refused, or found nothing to do for). */
  settled?: number[]
  /** The run's permission lookup, shared with its other readers (see permissionLookup); a new one by default. */
  permissionOf?: PermissionLookup
}

/** How every text of the discussion is made fit for the model: hidden content removed, secrets redacted, trimmed. */
export function forModel(redactor: Redactor): (text: string) => string {
  return (text) => redactor.redact(sanitize(text)).trim()
}

export interface GatheredNotes {
  notes: string
  /** Ids of the comments included, oldest first. */
  used: number[]
  /** Comments left out, with why (the trigger comment itself is neither used nor listed). */
  dropped: Array<{ id: number; reason: string }>
}

export const DISCUSSION_HEADING = 'Earlier discussion on the issue (oldest first):'

/**
 * Builds the `{{notes}}` text: the command's notes, then the `notes` input, then the earlier discussion on
 * the issue. Every included text is sanitized (see sanitize.ts) and then redacted.
 *
 * A comment is part of the discussion only when ALL hold:
 * - it is not the trigger comment, and it was created before it (same second: lower id first);
 * - it was not edited after the trigger was posted (`updated_at` later than the trigger → dropped);
 * - its author has write, maintain or admin permission (a failed lookup counts as no access), OR it is one of
 *   the action's own clarification questions: author in `selfLogins` and body containing QUESTION_MARKER. Other
 *   bots, and the action's other comments, are dropped;
 * - something is left of it once hidden content is removed.
 * Untrusted comments never reach the notes, in any form. Without a trigger (workflow_dispatch) every existing
 * comment counts as earlier. The discussion is the newest run of such comments that fits `maxDiscussionChars`,
 * shown oldest first, each as `**@login** (created_at):` followed by its body on the next line.
 *
 * Comments are read newest first and the reading stops at the first one that does not fit, so a long
 * discussion costs what its newest part costs: each author's permission is looked up once (through the run's
 * lookup), a few at a time (LOOKUPS_AT_ONCE), and only when the comment could still fit whatever the lookups
 * in flight answer; no author of an older comment is looked up. Older comments are listed as over the limit
 * (or with a reason that needed no lookup).
 *
 * With `newerThan`, older comments are left out without a word (they were seen before).
 *
 * The issue body is deliberately NOT included: GitHubApi's `Issue` has neither the author nor an edit time,
 * so its trust could not be checked the way comments are.
 */
export async function gatherNotes(api: GitHubApi, o: GatherNotesOptions): Promise<GatheredNotes> {
  const clean = forModel(o.redactor)
  const parts = [clean(o.commandNotes), clean(o.inputNotes ?? '')].filter((s) => s !== '')
  if (o.skipIssueComments || o.issueNumber <= 0) return { notes: parts.join('\n\n'), used: [], dropped: [] }

  const comments = (o.comments ?? (await api.listComments(o.issueNumber))).slice().sort(byCreation)
  const { kept, dropped } = await newestThatFit(comments, {
    trigger: o.trigger,
    newerThan: o.newerThan,
    settled: new Set(o.settled),
    self: new Set(o.selfLogins.map((l) => l.toLowerCase())),
    permissionOf: o.permissionOf ?? permissionLookup(api),
    clean,
    limit: o.maxDiscussionChars ?? MAX_DISCUSSION_CHARS,
  })
  if (kept.length) parts.push([o.heading ?? DISCUSSION_HEADING, ...kept.map((k) => k.text)].join('\n\n'))
  return { notes: parts.join('\n\n'), used: kept.map((k) => k.id), dropped }
}

interface Selection {
  trigger: GatherNotesOptions['trigger']
  newerThan: GatherNotesOptions['newerThan']
  settled: Set<number>
  self: Set<string>
  permissionOf: PermissionLookup
  clean: (text: string) => string
  limit: number
}

/** A comment that may be kept, as the prompt would carry it, waiting for its verdict. */
interface Candidate {
  /** Its place in the comments, oldest first. */
  index: number
  id: number
  text: string
  /** Why it is dropped (its author is not trusted), or undefined to keep it. */
  verdict: Promise<string | undefined>
}

/**
 * The newest comments (in `comments`, oldest first) that pass the selection and fit its limit together, oldest
 * first, and every other comment that is not silently skipped with why it was dropped, oldest first.
 *
 * Candidates are taken newest first and decided in that order. A new one is taken only while fewer than
 * LOOKUPS_AT_ONCE are awaiting their verdict and the kept size plus every candidate still waiting is within the
 * limit: then no waiting candidate can fill the cap, so the new one's lookup is needed whatever they turn out.
 */
async function newestThatFit(
  comments: IssueComment[],
  s: Selection,
): Promise<{ kept: Array<{ id: number; text: string }>; dropped: Array<{ id: number; reason: string }> }> {
  const dropped: Array<{ index: number; id: number; reason: string }> = []
  const waiting: Candidate[] = []
  const kept: Candidate[] = [] // newest first
  let size = 0
  let waitingSize = 0
  let unsettled = 0
  let next = comments.length - 1
  const take = (): void => {
    for (; next >= 0; next--) {
      const c = comments[next]
      const screened = screen(c, s)
      if (screened === 'skip') continue
      if (screened.reason !== undefined) {
        dropped.push({ index: next, id: c.id, reason: screened.reason })
        continue
      }
      if (size + waitingSize > s.limit || (screened.lookup && unsettled >= LOOKUPS_AT_ONCE)) return
      const body = s.clean(c.body)
      if (body === '') {
        dropped.push({ index: next, id: c.id, reason: 'empty after removing hidden content' })
        continue
      }
      const text = `**@${c.user.login}** (${c.created_at}):\n${body}`
      let verdict: Promise<string | undefined> = Promise.resolve(undefined)
      if (screened.lookup) {
        unsettled++
        verdict = authorVerdict(c.user.login, s.permissionOf).finally(() => unsettled--)
      }
      waiting.push({ index: next, id: c.id, text, verdict })
      waitingSize += text.length + 2
    }
  }

  take()
  for (let e = waiting.shift(); e; e = waiting.shift()) {
    const reason = await e.verdict
    waitingSize -= e.text.length + 2
    if (reason !== undefined) {
      dropped.push({ index: e.index, id: e.id, reason })
    } else if (size + e.text.length + 2 > s.limit) {
      // The cap is reached: this comment and every older one are left out, without a lookup.
      for (const left of [e, ...waiting.splice(0)])
        dropped.push({ index: left.index, id: left.id, reason: OVER_LIMIT })
      for (; next >= 0; next--) {
        const screened = screen(comments[next], s)
        if (screened !== 'skip')
          dropped.push({ index: next, id: comments[next].id, reason: screened.reason ?? OVER_LIMIT })
      }
    } else {
      kept.push(e)
      size += e.text.length + 2
    }
    take()
  }
  return {
    kept: kept.reverse().map(({ id, text }) => ({ id, text })),
    dropped: dropped.sort((a, b) => a.index - b.index).map(({ id, reason }) => ({ id, reason })),
  }
}

/**
 * Whether a comment came after `than`. GitHub gives a comment's time to the second, and `than.time` may have
 * milliseconds (the action's own record of when it wrote): a comment of that same second counts as newer, so a
 * comment made right after the action wrote is never taken for one it had already seen.
 */
function isNewer(c: IssueComment, than: GatherNotesOptions['newerThan']): boolean {
  if (than?.commentId !== undefined && !(c.id > than.commentId)) return false
  if (than?.time === undefined) return true
  return Date.parse(c.created_at) >= Math.floor(Date.parse(than.time) / 1000) * 1000
}

/**
 * What can be told of a comment without a lookup: left out without a word (`skip`: the trigger itself, or seen
 * before), dropped (`reason`), or a candidate, whose author's permission decides (`lookup`) or that is the
 * action's own question (trusted as it is).
 */
function screen(c: IssueComment, s: Selection): 'skip' | { reason?: string; lookup?: boolean } {
  if (s.trigger && c.id === s.trigger.commentId) return 'skip'
  if (!isNewer(c, s.newerThan)) return 'skip'
  if (s.settled.has(c.id)) return { reason: 'a command the action already settled' }
  if (s.trigger) {
    const t = Date.parse(s.trigger.createdAt)
    const created = Date.parse(c.created_at)
    if (!(created < t || (created === t && c.id < s.trigger.commentId)))
      return { reason: 'posted after the trigger' }
    if (!(Date.parse(c.updated_at) <= t)) return { reason: 'edited after the trigger' }
  }
  const login = c.user.login
  if (s.self.has(login.toLowerCase())) {
    // Its first line: a tracking comment quoting the model's words could hold the marker further down.
    return c.body.startsWith(QUESTION_MARKER) ? {} : { reason: "the action's own status comment" }
  }
  if (isBot(login, c.user.type)) return { reason: 'written by a bot' }
  return { lookup: true }
}

/** Why an author's comment is not trusted, or undefined when the author has write access. */
async function authorVerdict(login: string, permissionOf: PermissionLookup): Promise<string | undefined> {
  const permission = await permissionOf(login).catch(() => 'unknown' as const)
  if (permission === 'unknown') return 'author permission could not be checked'
  if (!canWrite(permission)) return `author has ${permission} permission (write, maintain or admin needed)`
  return undefined
}
