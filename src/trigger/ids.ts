import { UserError } from '../errors.js'

/**
 * The phase-id grammar used by the comment command. It accepts every id the spec parser can produce
 * (src/spec/patterns.ts), so any phase found in a spec can be named in `/implement`:
 * - a key: a letter, then letters/digits, optionally more `-`/`_`-separated letter/digit groups, then `-` or
 *   `_`, a number, optional `.number` parts and optional trailing letters/digits (`ISSUE-3`, `FEAT-12`,
 *   `AUTH_4`, `ISSUE-3.1`, `ISSUE-3a`, `ABC-DEF-3`, `P2-10`, `phase-2`);
 * - a task number: `T` + digits (`T012`, `t7`);
 * - a dotted number: `3`, `1.2`, `1.2.3`.
 *
 * Matching is case-insensitive. Anything else (`Phase`, `ISSUE`, `v1.2`, `ISSUE-3.`, `ISSUE-x`) is not an id,
 * so on the command line it starts the free-text notes.
 *
 * Every id of this grammar is also safe as a branch name apart from its length: only `[A-Za-z0-9._-]`, it
 * starts with a letter or digit, and a `.` is always followed by a digit (so no `..`, no trailing `.` and no
 * `.lock`). {@link validateIssueId} still checks (and enforces {@link MAX_ID_LENGTH}) before an id is used.
 * The pattern is written without overlapping repeats, so a long comment token is rejected in linear time.
 */
export const ISSUE_ID_PATTERN =
  /^(?:[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*[-_]\d+(?:\.\d+)*(?:[A-Za-z][A-Za-z0-9]*)?|[Tt]\d+|\d+(?:\.\d+)*)$/

/**
 * The three id shapes; fan-out ids after the first must share its shape. For keys, `prefix` is everything up
 * to and including the last `-`/`_` (the one before the number), lower-cased: `issue-` for `ISSUE-3` and
 * `ISSUE-3.1`, `auth_` for `AUTH_4`, `abc-def-` for `ABC-DEF-3`.
 */
export type IdShape = { kind: 'key'; prefix: string } | { kind: 'task' } | { kind: 'number' }

/** True when `token` is an id (`ISSUE-3`, `ISSUE-3.1`, `AUTH_4`, `T012`, `1.2`, `3`). */
export function isIssueId(token: string): boolean {
  return ISSUE_ID_PATTERN.test(token)
}

/** The shape of an id token, or undefined when it is not an id. */
export function idShape(token: string): IdShape | undefined {
  if (!isIssueId(token)) return undefined
  if (/^\d/.test(token)) return { kind: 'number' }
  if (/^[Tt]\d+$/.test(token)) return { kind: 'task' }
  const cut = Math.max(token.lastIndexOf('-'), token.lastIndexOf('_'))
  return { kind: 'key', prefix: token.slice(0, cut + 1).toLowerCase() }
}

/** True when two shapes are the same kind (and, for keys, the same prefix, case-insensitively). */
export function sameShape(a: IdShape, b: IdShape): boolean {
  if (a.kind === 'key' && b.kind === 'key') return a.prefix === b.prefix
  return a.kind === b.kind
}

/**
 * True when `a` and `b` name the same id: whole-string, case-insensitive, ignoring surrounding whitespace.
 * `ISSUE-3` equals `issue-3` but not `ISSUE-30` or `ISSUE-3.1`; `T012` is not `T12`.
 */
export function sameId(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase()
}

/** Longest id accepted; it becomes a branch name. */
export const MAX_ID_LENGTH = 64

/**
 * Checks that `id` is safe to use as a git branch name and returns it unchanged.
 * Allowed: 1–64 characters from `[A-Za-z0-9._-]`, not starting with `-` or `.`, not ending with `.` or
 * `.lock`, no `..`. Throws UserError otherwise (the message quotes the offending id).
 */
export function validateIssueId(id: string): string {
  const problem = idProblem(id)
  if (problem) {
    throw new UserError(
      `\`${printable(id)}\` cannot be used as a phase id: ${problem}.`,
      'Use an id such as ISSUE-3, ISSUE-3.1, T012 or 1.2 (letters, digits, `.`, `_` and `-`; it becomes the branch name).',
    )
  }
  return id
}

function idProblem(id: string): string | undefined {
  if (id === '') return 'it is empty'
  if (id.length > MAX_ID_LENGTH) return `it is longer than ${MAX_ID_LENGTH} characters`
  if (!/^[A-Za-z0-9._-]+$/.test(id)) return 'only letters, digits, `.`, `_` and `-` are allowed'
  if (id.startsWith('-') || id.startsWith('.')) return 'it must not start with `-` or `.`'
  if (id.includes('..')) return 'it must not contain `..`'
  if (id.endsWith('.')) return 'it must not end with `.`'
  if (id.toLowerCase().endsWith('.lock')) return 'it must not end with `.lock`'
  return undefined
}

/** A short, single-line, control-free rendering of user input for error messages. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f`]/g, ' ')
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat
}
