import fs from 'node:fs'
import path from 'node:path'
import { isInside } from '../paths.js'
import { ToolError } from './errors.js'

export interface ResolveOptions {
  /** Refuse paths inside any `.git` directory (the model never touches git's own state). */
  forWrite: boolean
}

/**
 * Resolves a path the model gave (relative to the repository root, or absolute inside it) to a real absolute
 * path that is guaranteed to stay inside `workspace` (which must itself be a realpath).
 *
 * Why not paths.ts's resolveInWorkspace: that one is for paths a user configured (spec, template), which are
 * repo-relative only, may not exist yet without being an error, and fail the run with a UserError. A path the
 * model gives may be absolute, is checked synchronously on every tool call, must refuse writes under `.git`, and
 * fails only the call with a ToolError the model can act on. Both decide containment with the same `isInside`.
 *
 * The realpath of the nearest existing ancestor must stay inside, so `..` escapes, absolute paths elsewhere and
 * symlinks that point out are refused; dangling symlinks are refused too (writing through one could create a file
 * anywhere). With `forWrite`, anything under a `.git` directory is refused. Throws ToolError with a message for
 * the model.
 */
export function resolveToolPath(workspace: string, p: string, { forWrite }: ResolveOptions): string {
  if (typeof p !== 'string' || p.trim() === '') throw new ToolError('A `path` is required.')
  if (p.includes('\0')) throw new ToolError(`The path ${JSON.stringify(p)} contains a NUL byte.`)
  const root = path.resolve(workspace)
  const lexical = path.resolve(root, p)
  if (!isInside(root, lexical)) throw outside(p, root)

  // Walk up to the nearest entry that exists (lstat: a dangling symlink exists too).
  let existing = lexical
  const rest: string[] = []
  for (;;) {
    let st: fs.Stats | undefined
    try {
      st = fs.lstatSync(existing)
    } catch {
      st = undefined
    }
    if (st) break
    const parent = path.dirname(existing)
    if (parent === existing) break
    rest.unshift(path.basename(existing))
    existing = parent
  }
  let real: string
  try {
    real = fs.realpathSync(existing)
  } catch {
    throw new ToolError(
      `The path ${p} goes through a symlink whose target does not exist; refusing to follow it.`,
    )
  }
  const resolved = path.join(real, ...rest)
  if (!isInside(root, resolved)) {
    throw new ToolError(
      `The path ${p} resolves (through a symlink) to ${resolved}, outside the repository (${root}). ` +
        'Only files inside the repository can be used.',
    )
  }
  if (forWrite) {
    const segments = path.relative(root, resolved).split(path.sep)
    if (segments.some((s) => s.toLowerCase() === '.git')) {
      throw new ToolError(
        `Writing to ${p} is not allowed: it is inside .git. Do not change git's state; edit the working tree only ` +
          '(the action commits your changes itself).',
      )
    }
  }
  checkKind(resolved, p)
  return resolved
}

/**
 * Only regular files and directories, and only files with one name. realpath sees symlinks, not hard links:
 * a file in the checkout with a second name elsewhere (`ln ~/.ssh/id_rsa notes.txt`, or a runner file) is the
 * outside file itself, so the editor would read and write it. Creating such a link needs no permission on the
 * target beyond owning it, so any file the job's user owns could be linked in; refusing every file with
 * st_nlink > 1 is the only check that does not depend on knowing where the other name is. FIFOs, sockets and
 * devices are refused too: opening a FIFO blocks until someone writes, a device reads the machine. What exists
 * now is checked here; the editor checks again on the descriptor it opened (see editor.ts openChecked).
 */
function checkKind(resolved: string, p: string): void {
  let st: fs.Stats
  try {
    st = fs.lstatSync(resolved)
  } catch {
    return // does not exist yet (a file to create)
  }
  refuseUnsafeKind(st, p)
}

/** Throws the ToolError for anything but a directory or a regular file with a single link. */
export function refuseUnsafeKind(st: fs.Stats, p: string): void {
  if (st.isDirectory()) return
  if (!st.isFile()) {
    throw new ToolError(
      `The path ${p} is ${kindOf(st)}, not a regular file or directory; only regular files and directories ` +
        'can be used.',
    )
  }
  if (st.nlink > 1) {
    throw new ToolError(
      `The file ${p} has ${st.nlink} hard links: it may be the same file as one outside the repository, so it ` +
        'is not read or written. If you need its content in the repository, ask for it to be copied.',
    )
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)'
  if (st.isSocket()) return 'a socket'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  if (st.isSymbolicLink()) return 'a symlink'
  return 'a special file'
}

/** The path relative to the workspace root for display ("." for the root itself). */
export function displayPath(workspace: string, abs: string): string {
  const rel = path.relative(path.resolve(workspace), abs)
  return rel === '' ? '.' : rel.split(path.sep).join('/')
}

function outside(p: string, root: string): ToolError {
  return new ToolError(
    `The path ${p} is outside the repository (${root}). Use a path relative to the repository root, or an ` +
      'absolute path inside it.',
  )
}
