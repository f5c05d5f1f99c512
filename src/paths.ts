/** Paths inside the checked-out repository, shared by spec resolution, template loading and the tools. */
import { realpath } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from './errors.js'

/** A file inside the workspace: its real absolute path and its repo-relative path (forward slashes). */
export interface WorkspaceFile {
  abs: string
  rel: string
}

/**
 * Normalises a user-supplied repo-relative path: backslashes become `/`, a leading `./` is dropped.
 *
 * @throws UserError for absolute paths, `..` escapes and NUL bytes
 */
export function normalizeRelPath(value: string, what: string): string {
  const raw = value.trim().replace(/\\/g, '/')
  if (raw === '' || raw.includes('\0')) throw new UserError(`${what} is not a valid path: "${value}".`)
  if (raw.startsWith('/') || /^[A-Za-z]:\//.test(raw)) {
    throw new UserError(
      `${what} must be a path relative to the repository root; got the absolute path "${value}".`,
      'Write it relative to the repository root, for example `docs/specs/feature.md`.',
    )
  }
  const norm = path.posix.normalize(raw).replace(/^(\.\/)+/, '')
  if (norm === '..' || norm.startsWith('../')) {
    throw new UserError(
      `${what} points outside the repository: "${value}".`,
      'Only files inside the checked-out repository can be used.',
    )
  }
  return norm === '.' ? '' : norm.replace(/\/+$/, '')
}

/**
 * Resolves a repo-relative path inside the workspace, following symlinks, and refuses anything that ends up
 * outside it.
 *
 * @returns the file, or undefined when nothing exists at that path
 * @throws UserError when the path (or a symlink on it) leads outside the workspace
 */
export async function resolveInWorkspace(
  workspace: string,
  value: string,
  what: string,
): Promise<WorkspaceFile | undefined> {
  const rel = normalizeRelPath(value, what)
  const root = await realpath(workspace)
  let abs: string
  try {
    abs = await realpath(path.resolve(root, rel))
  } catch (err) {
    if (isMissing(err)) return undefined
    throw err
  }
  if (!isInside(root, abs)) {
    throw new UserError(
      `${what} resolves outside the repository: "${value}".`,
      'Only files inside the checked-out repository can be used (symlinks out of it are refused).',
    )
  }
  return { abs, rel }
}

/** True when `child` is `root` or below it, comparing the absolute paths as given (realpath them first where links matter). */
export function isInside(root: string, child: string): boolean {
  const r = path.relative(root, child)
  return r === '' || (r !== '..' && !r.startsWith(`..${path.sep}`) && !path.isAbsolute(r))
}

/** True for "no such file" style errors. */
export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
