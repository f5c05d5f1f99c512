import { UserError } from '../errors.js'

/** Longest branch name accepted. Git allows more; long names only cause trouble in URLs and logs. */
export const MAX_BRANCH_NAME_LENGTH = 100

const ALLOWED = /^[A-Za-z0-9._/-]+$/

/**
 * The rules of `git check-ref-format --branch`, in code, so a name is checked before it reaches any command line.
 * Returns the reason a name is refused, or undefined when it is fine.
 */
function problem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty'
  if (name.length > MAX_BRANCH_NAME_LENGTH) return `it is longer than ${MAX_BRANCH_NAME_LENGTH} characters`
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f]/.test(name)) return 'it contains a space or a control character'
  const special = /[~^:?*[\\]/.exec(name)
  if (special) return `it contains "${special[0]}"`
  if (name === '@') return 'it is "@"'
  if (name.includes('@{')) return 'it contains "@{"'
  if (name === 'HEAD') return 'it is "HEAD"'
  if (name.startsWith('-')) return 'it starts with "-"'
  if (name.startsWith('/')) return 'it starts with "/"'
  if (name.endsWith('/')) return 'it ends with "/"'
  if (name.endsWith('.')) return 'it ends with "."'
  if (name.includes('..')) return 'it contains ".."'
  if (name.includes('//')) return 'it contains "//"'
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return 'a part between slashes starts with "."'
    if (component.endsWith('.lock')) return 'a part between slashes ends with ".lock"'
  }
  if (!ALLOWED.test(name)) return 'only letters, digits, ".", "_", "-" and "/" are allowed'
  return undefined
}

/**
 * Returns `name` if it is a safe git branch name, or throws a UserError that says why not.
 * Stricter than git: at most 100 characters from [A-Za-z0-9._/-]. Never rewrites the name.
 */
export function validateBranchName(name: string): string {
  const reason = problem(name)
  if (reason) {
    const shown = JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name)
    throw new UserError(
      `${shown} cannot be used as a branch name: ${reason}.`,
      'Use an id made of letters, digits, ".", "_", "-" and "/", such as `ISSUE-3`.',
    )
  }
  return name
}

/** True when `name` passes validateBranchName. */
export function isValidBranchName(name: string): boolean {
  return problem(name) === undefined
}
