import { UserError } from '../errors.js'

/**
 * The phase-id grammar used by the comment command.
 *
 * A token is an id when it is one of:
 * - a key: letters/digits starting with a letter, a hyphen, digits, then optional letters/digits
 *   (`ISSUE-3`, `FEAT-12`, `ISSUE-3b`, `phase-2`);
 * - a task number: `T` + digits (`T012`, `t7`);
 * - a dotted number: `3`, `1.2`, `1.2.3`.
 *
 * Matching is case-insensitive. Anything else (`Phase`, `ISSUE_3`, `v1.2`, `ABC-DEF-3`) is not an id, so on
 * the command line it starts the free-text notes.
 */
export const ISSUE_ID_PATTERN = /^(?:[A-Za-z][A-Za-z0-9]*-\d+[A-Za-z0-9]*|[Tt]\d+|\d+(?:\.\d+)*)$/

/** The three id shapes; fan-out ids after the first must share its shape (and, for keys, its prefix). */
export type IdShape = { kind: 'key'; prefix: string } | { kind: 'task' } | { kind: 'number' }

/** True when `token` is an id (`ISSUE-3`, `T012`, `1.2`, `3`). */
export function isIssueId(token: string): boolean {
  return ISSUE_ID_PATTERN.test(token)
}

/** The shape of an id token, or undefined when it is not an id. */
export function idShape(token: string): IdShape | undefined {
  if (!isIssueId(token)) return undefined
  if (/^\d/.test(token)) return { kind: 'number' }
  if (/^[Tt]\d+$/.test(token)) return { kind: 'task' }
  return { kind: 'key', prefix: token.slice(0, token.indexOf('-')).toLowerCase() }
}

/** True when two shapes are the same kind (and, for keys, the same prefix, case-insensitively). */
export function sameShape(a: IdShape, b: IdShape): boolean {
  if (a.kind === 'key' && b.kind === 'key') return a.prefix === b.prefix
  return a.kind === b.kind
}

/**
 * True when `a` and `b` name the same id: whole-string, case-insensitive, ignoring surrounding whitespace.
 * `ISSUE-3` equals `issue-3` but not `ISSUE-30`; `T012` is not `T12`.
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
      'Use an id such as ISSUE-3, T012 or 1.2 (letters, digits, `.`, `_` and `-`; it becomes the branch name).',
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
