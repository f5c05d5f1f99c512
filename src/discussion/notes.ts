import type { GitHubApi, IssueComment, Permission } from '../github/api.js'
import type { Redactor } from '../report/redact.js'
import { canWrite, isBot } from '../trigger/authorize.js'
import { QUESTION_MARKER } from './markers.js'
import { sanitize } from './sanitize.js'
import { byCreation } from './thread.js'

/** Default cap on the discussion part of the notes, in characters (oldest comments are dropped first). */
export const MAX_DISCUSSION_CHARS = 30_000

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
  /** The permission lookup to share with other readers of the run (see permissionLookup); a new one by default. */
  permissionOf?: PermissionLookup
}

/** How every text of the discussion is made fit for the model: hidden content removed, secrets redacted, trimmed. */
export function forModel(redactor: Redactor): (text: string) => string {
  return (text) => redactor.redact(sanitize(text)).trim()
}

export type PermissionLookup = (login: string) => Promise<Permission | 'unknown'>

/** Each distinct author's permission, looked up once (a failed lookup reads as `unknown`: no access). */
export function permissionLookup(api: GitHubApi): PermissionLookup {
  const permissions = new Map<string, Promise<Permission | 'unknown'>>()
  return (login) => {
    const key = login.toLowerCase()
    let p = permissions.get(key)
    if (!p) {
      p = api.getPermission(login).catch(() => 'unknown' as const)
      permissions.set(key, p)
    }
    return p
  }
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
 * - its author has write, maintain or admin permission (each distinct author looked up once; a failed lookup
 *   counts as no access), OR it is one of the action's own clarification questions: author in `selfLogins`
 *   and body containing QUESTION_MARKER. Other bots, and the action's other comments, are dropped.
 * Untrusted comments never reach the notes, in any form. Without a trigger (workflow_dispatch) every existing
 * comment counts as earlier. When the discussion exceeds `maxDiscussionChars`, the oldest comments are
 * dropped first. Each comment is rendered as `**@login** (created_at):` followed by its body on the next line.
 *
 * With `newerThan`, older comments are left out without a word (they were seen before).
 *
 * The issue body is deliberately NOT included: GitHubApi's `Issue` has neither the author nor an edit time,
 * so its trust could not be checked the way comments are.
 */
export async function gatherNotes(api: GitHubApi, o: GatherNotesOptions): Promise<GatheredNotes> {
  const clean = forModel(o.redactor)
  const parts = [clean(o.commandNotes), clean(o.inputNotes ?? '')].filter((s) => s !== '')
  const used: number[] = []
  const dropped: Array<{ id: number; reason: string }> = []

  if (!o.skipIssueComments && o.issueNumber > 0) {
    const comments = (o.comments ?? (await api.listComments(o.issueNumber))).slice().sort(byCreation)
    const self = new Set(o.selfLogins.map((l) => l.toLowerCase()))
    const permissionOf = o.permissionOf ?? permissionLookup(api)

    const kept: Array<{ id: number; text: string }> = []
    for (const c of comments) {
      if (o.trigger && c.id === o.trigger.commentId) continue
      if (!isNewer(c, o.newerThan)) continue
      if (o.settled?.includes(c.id)) {
        dropped.push({ id: c.id, reason: 'a command the action already settled' })
        continue
      }
      const reason = await exclusionReason(c, o.trigger, self, permissionOf)
      if (reason) {
        dropped.push({ id: c.id, reason })
        continue
      }
      const body = clean(c.body)
      if (body === '') {
        dropped.push({ id: c.id, reason: 'empty after removing hidden content' })
        continue
      }
      kept.push({ id: c.id, text: `**@${c.user.login}** (${c.created_at}):\n${body}` })
    }

    const limit = o.maxDiscussionChars ?? MAX_DISCUSSION_CHARS
    let size = kept.reduce((n, k) => n + k.text.length + 2, 0)
    while (kept.length && size > limit) {
      const old = kept.shift()!
      size -= old.text.length + 2
      dropped.push({ id: old.id, reason: 'over the notes size limit (older comments are dropped first)' })
    }
    if (kept.length) {
      parts.push([o.heading ?? DISCUSSION_HEADING, ...kept.map((k) => k.text)].join('\n\n'))
      used.push(...kept.map((k) => k.id))
    }
  }
  return { notes: parts.join('\n\n'), used, dropped }
}

function isNewer(c: IssueComment, than: GatherNotesOptions['newerThan']): boolean {
  if (than?.commentId !== undefined && !(c.id > than.commentId)) return false
  return than?.time === undefined || Date.parse(c.created_at) > Date.parse(than.time)
}

async function exclusionReason(
  c: IssueComment,
  trigger: GatherNotesOptions['trigger'],
  self: Set<string>,
  permissionOf: (login: string) => Promise<Permission | 'unknown'>,
): Promise<string | undefined> {
  if (trigger) {
    const t = Date.parse(trigger.createdAt)
    const created = Date.parse(c.created_at)
    if (!(created < t || (created === t && c.id < trigger.commentId))) return 'posted after the trigger'
    if (!(Date.parse(c.updated_at) <= t)) return 'edited after the trigger'
  }
  const login = c.user.login
  if (self.has(login.toLowerCase())) {
    // Its first line: a tracking comment quoting the model's words could hold the marker further down.
    return c.body.startsWith(QUESTION_MARKER) ? undefined : "the action's own status comment"
  }
  if (isBot(login, c.user.type)) return 'written by a bot'
  const permission = await permissionOf(login)
  if (permission === 'unknown') return 'author permission could not be checked'
  if (!canWrite(permission)) return `author has ${permission} permission (write, maintain or admin needed)`
  return undefined
}
