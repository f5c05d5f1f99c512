/**
 * The git metadata the model could rewrite, put back after its run.
 *
 * Everything git decides *what to run* and *which repository to use* from lives in the git directory: config
 * (filter.*, core.fsmonitor, core.sshCommand, core.gitProxy, diff.external, textconv, include.path, includeIf),
 * commondir (which config and refs count at all), hooks/, info/attributes, info/exclude, info/grafts,
 * objects/info/alternates and http-alternates (another repository's objects), worktrees/, modules/ (the
 * submodules' own config), HEAD and refs, packed-refs, shallow, the index, a half-finished rebase or merge. A
 * model without a sandbox can write all of it, and `.git` itself can be replaced by a gitfile (`gitdir:
 * /elsewhere`) or a symlink. Restoring only `.git/config` does not help: with `commondir` set git no longer
 * reads it.
 *
 * So before the run the whole git directory is recorded (contents, modes, symlinks), except object contents
 * (objects are content-addressed: a planted object cannot change what a commit the action makes contains, only
 * break it; and they can be gigabytes), and after the run it is put back exactly: files rewritten, entries that
 * appeared removed, directories that were replaced by a file or a symlink recreated. Restore never follows a
 * symlink: a symlink is removed, not written through (the target is the model's).
 */
import { randomBytes } from 'node:crypto'
import type { Dirent, Stats } from 'node:fs'
import {
  chmod,
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import * as path from 'node:path'
import { isInside } from '../paths.js'

/** Where the action's git looks, fixed before the model runs (see GitCommandManager). */
export interface GitLayout {
  /** The real git directory (`rev-parse --absolute-git-dir`). */
  gitDir: string
  /** Where config, refs and objects live (`rev-parse --git-common-dir`); equal to gitDir in a normal clone. */
  commonDir: string
  /** The top of the work tree. */
  workTree: string
}

type Entry =
  | { kind: 'dir'; mode: number }
  | { kind: 'file'; mode: number; content: Buffer }
  | { kind: 'symlink'; target: string }

/**
 * What the restore did: paths it had to put back (the model changed them), places it could not restore
 * (`failed`: git may read what the model left there), and included files it could not put back that no longer
 * exist (`missing`: git skips a missing include, so nothing of the model's is read, but a later step loses it).
 */
export interface MetadataRestoreReport {
  changed: string[]
  failed: string[]
  missing: string[]
}

export interface MetadataSnapshot {
  readonly layout: GitLayout
  /** Puts every recorded place back; never throws. Calling it again restores again. */
  restore(): Promise<MetadataRestoreReport>
}

/**
 * Object contents are not recorded (see the file comment); only `objects/info` (alternates, http-alternates,
 * packs) and the `objects` directory itself are. `lfs/` holds Git LFS's object cache: content-addressed data,
 * no configuration. An `objects` directory counts as one only inside a git directory (next to a HEAD), so a
 * branch named `objects/...` is still recorded.
 */
function skipped(name: string, inGitDir: boolean): 'all' | 'contents-but-info' | 'no' {
  if (!inGitDir) return 'no'
  if (name === 'lfs') return 'all'
  if (name === 'objects') return 'contents-but-info'
  return 'no'
}

async function isGitDir(dir: string): Promise<boolean> {
  return lstat(path.join(dir, 'HEAD')).then(
    (s) => s.isFile() || s.isSymbolicLink(),
    () => false,
  )
}

async function entryOf(file: string, st: Stats): Promise<Entry | undefined> {
  if (st.isSymbolicLink()) return { kind: 'symlink', target: await readlink(file) }
  if (st.isDirectory()) return { kind: 'dir', mode: st.mode & 0o7777 }
  if (st.isFile()) return { kind: 'file', mode: st.mode & 0o7777, content: await readFile(file) }
  return undefined // FIFOs, sockets: git keeps none in its directory (fsmonitor's socket is recreated on demand)
}

/** Records `root` and everything below it (not following symlinks), keyed by absolute path, parents first. */
async function record(root: string, into: Map<string, Entry>): Promise<void> {
  const st = await lstat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined // nothing there before the run: nothing may be there after
    throw err
  })
  if (!st) return
  const top = await entryOf(root, st)
  if (!top) return
  into.set(root, top)
  if (top.kind === 'dir') await recordChildren(root, into)
}

async function recordChildren(dir: string, into: Map<string, Entry>): Promise<void> {
  const inGitDir = await isGitDir(dir)
  const names = (await readdir(dir)).sort()
  for (const name of names) {
    const full = path.join(dir, name)
    const skip = skipped(name, inGitDir)
    if (skip === 'all') continue
    const st = await lstat(full)
    const e = await entryOf(full, st)
    if (!e) continue
    into.set(full, e)
    if (e.kind !== 'dir') continue
    if (skip === 'contents-but-info') {
      const info = path.join(full, 'info')
      const infoSt = await lstat(info).catch(() => undefined)
      if (infoSt) await record(info, into)
    } else {
      await recordChildren(full, into)
    }
  }
}

/**
 * Records the git metadata of `layout` and the files in `extraFiles` (config files included from the local
 * config that live outside the git directory, such as checkout v6's credentials file: git reads them as config,
 * so they decide what git runs too). Call it before the model runs, after the credential is suspended, so the
 * snapshot holds no credential.
 */
export async function snapshotGitMetadata(
  layout: GitLayout,
  opts: { extraFiles?: string[]; submodules?: string[] } = {},
): Promise<MetadataSnapshot> {
  const roots = rootsOf(layout, opts.submodules ?? [])
  const entries = new Map<string, Entry>()
  for (const root of roots) await record(root, entries)
  const extra = new Map<string, Entry>()
  for (const f of new Set(opts.extraFiles ?? [])) {
    if (roots.some((r) => isInside(r, f))) continue
    const st = await lstat(f).catch(() => undefined)
    const e = st && (await entryOf(f, st))
    if (e && e.kind !== 'dir') extra.set(f, e)
  }
  return {
    layout,
    restore: () => restoreAll(roots, entries, extra),
  }
}

/**
 * The directories to record: the common dir, the git dir when it is not inside it (a linked worktree's git dir
 * is inside `<common>/worktrees/`), and `<work tree>/.git` when that is not the git dir (a gitfile of a linked
 * worktree or a submodule checkout: the model could point it elsewhere for later steps).
 */
function rootsOf(layout: GitLayout, submodules: string[]): string[] {
  const roots = [layout.commonDir]
  if (!isInside(layout.commonDir, layout.gitDir)) roots.push(layout.gitDir)
  const dotGit = path.join(layout.workTree, '.git')
  if (!roots.some((r) => isInside(r, dotGit))) roots.push(dotGit)
  // A submodule's `.git` (a gitfile naming `.git/modules/<name>`) is in the work tree, yet it is git metadata:
  // `git add -A` runs `git status` inside every populated submodule, through that gitfile, so one the model
  // pointed at its own repository would make the action's add run that repository's filters. Only the
  // submodules of the superproject's (pre-run) index: deeper ones are left (see the report in guard.ts).
  for (const sub of submodules) {
    const file = path.join(layout.workTree, sub, '.git')
    if (isInside(layout.workTree, file) && !roots.some((r) => isInside(r, file))) roots.push(file)
  }
  return roots
}

async function restoreAll(
  roots: string[],
  entries: Map<string, Entry>,
  extra: Map<string, Entry>,
): Promise<MetadataRestoreReport> {
  const report: MetadataRestoreReport = { changed: [], failed: [], missing: [] }
  // Each root and each extra file on its own: one that cannot be put back does not stop the others.
  for (const root of roots) {
    try {
      await restoreTree(root, entries, report)
    } catch (err) {
      report.failed.push(`${root}: ${describe(err)}`)
    }
  }
  for (const [file, e] of extra) {
    try {
      await putBack(file, e, report)
    } catch (err) {
      // An include whose file is not there (its directory replaced by a file, say) is skipped by git.
      const there = await lstat(file).then(
        () => true,
        () => false,
      )
      ;(there ? report.failed : report.missing).push(`${file}: ${describe(err)}`)
    }
  }
  // Objects are not recorded: if the model removed them (or `.git` itself), what was put back is not a usable
  // repository. Say so; the action's git then refuses to run rather than commit something else.
  for (const root of roots) {
    const objects = path.join(root, 'objects')
    if (entries.get(objects)?.kind !== 'dir') continue
    const st = await lstat(objects).catch(() => undefined)
    const first = st?.isDirectory() ? await readdir(objects).catch(() => []) : []
    if (!first.some((n) => n === 'pack' || /^[0-9a-f]{2}$/.test(n))) {
      report.failed.push(`${objects}: the repository's objects are gone`)
    }
  }
  return report
}

async function restoreTree(root: string, entries: Map<string, Entry>, report: MetadataRestoreReport) {
  const mine = [...entries].filter(([p]) => isInside(root, p))
  if (mine.length === 0) {
    // Nothing was there before the run (e.g. no gitfile): whatever is there now goes.
    if (await lstat(root).catch(() => undefined)) {
      await rm(root, { recursive: true, force: true })
      report.changed.push(root)
    }
    return
  }
  // Parents before children (the map is in recording order), so every directory exists before its entries.
  for (const [p, e] of mine) await putBack(p, e, report)
  await removeUnrecorded(root, entries, report)
}

/** Makes `p` be `e` again, without following a symlink at `p`. */
async function putBack(p: string, e: Entry, report: MetadataRestoreReport): Promise<void> {
  const st = await lstat(p).catch(() => undefined)
  if (st && (await same(p, st, e))) return
  report.changed.push(p)
  if (e.kind === 'dir') {
    if (st && !st.isDirectory()) await rm(p, { force: true })
    if (!st || !st.isDirectory()) await mkdir(p, { mode: e.mode })
    await chmod(p, e.mode)
    return
  }
  if (st?.isDirectory()) await rm(p, { recursive: true, force: true })
  await mkdir(path.dirname(p), { recursive: true })
  // Written aside and renamed over `p`: rename replaces a symlink itself, never its target.
  const tmp = `${p}.implement-action-${randomBytes(4).toString('hex')}`
  if (e.kind === 'symlink') await symlink(e.target, tmp)
  else await writeFile(tmp, e.content, { mode: e.mode, flag: 'wx' })
  if (e.kind === 'file') await chmod(tmp, e.mode)
  await rename(tmp, p)
}

async function same(p: string, st: Stats, e: Entry): Promise<boolean> {
  if (e.kind === 'dir') return st.isDirectory() && (st.mode & 0o7777) === e.mode
  if (e.kind === 'symlink') return st.isSymbolicLink() && (await readlink(p)) === e.target
  if (!st.isFile() || (st.mode & 0o7777) !== e.mode || st.size !== e.content.length) return false
  // A hard link to a file elsewhere compares equal by content; rewriting breaks the link all the same.
  if (st.nlink > 1) return false
  return (await readFile(p)).equals(e.content)
}

/** Removes whatever is under `dir` now that was not recorded (object contents excepted, as when recording). */
async function removeUnrecorded(dir: string, entries: Map<string, Entry>, report: MetadataRestoreReport) {
  const inGitDir = await isGitDir(dir)
  let children: Dirent[]
  try {
    children = await readdir(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const child of children) {
    const full = path.join(dir, child.name)
    const skip = skipped(child.name, inGitDir)
    if (skip === 'all') continue
    const e = entries.get(full)
    if (!e) {
      await rm(full, { recursive: true, force: true })
      report.changed.push(full)
      continue
    }
    if (e.kind !== 'dir' || !child.isDirectory()) continue
    if (skip === 'contents-but-info') {
      const info = path.join(full, 'info')
      if (entries.has(info)) await removeUnrecorded(info, entries, report)
      else if (await lstat(info).catch(() => undefined)) {
        await rm(info, { recursive: true, force: true })
        report.changed.push(info)
      }
    } else {
      await removeUnrecorded(full, entries, report)
    }
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e?.code ?? (err instanceof Error ? err.message : String(err))
}
