/**
 * Test helpers for what "the git metadata" is: every entry of a git directory (object contents excepted) as
 * `path type mode sha256`, written independently of src/git/metadata.ts so tests do not check the code with
 * itself; and a scan for files holding a secret.
 */
import { createHash } from 'node:crypto'
import { lstat, readdir, readFile, readlink } from 'node:fs/promises'
import * as path from 'node:path'

/** Every entry under `dir` (not following symlinks; objects/ only its info/), sorted, one line each. */
export async function describeGitDir(dir: string, rel = ''): Promise<string[]> {
  const name = rel || '.'
  const st = await lstat(dir).catch(() => undefined)
  if (!st) return [`${name} missing`]
  if (st.isSymbolicLink()) return [`${name} symlink ${await readlink(dir)}`]
  if (st.isFile()) {
    const sha = createHash('sha256')
      .update(await readFile(dir))
      .digest('hex')
    return [`${name} file ${(st.mode & 0o777).toString(8)} ${sha}`]
  }
  const out = [`${name} dir`]
  for (const child of (await readdir(dir)).sort()) {
    const r = rel ? `${rel}/${child}` : child
    if (r.startsWith('objects/') && !r.startsWith('objects/info')) continue
    out.push(...(await describeGitDir(path.join(dir, child), r)))
  }
  return out
}

/** Paths of files under `dir` whose bytes include any of `needles` (not following symlinks). */
export async function filesContaining(
  dir: string,
  needles: string[],
  skip: (p: string) => boolean = () => false,
): Promise<string[]> {
  const st = await lstat(dir).catch(() => undefined)
  if (!st || skip(dir)) return []
  if (st.isDirectory()) {
    const found: string[] = []
    for (const child of await readdir(dir)) {
      found.push(...(await filesContaining(path.join(dir, child), needles, skip)))
    }
    return found
  }
  if (!st.isFile()) return []
  const text = (await readFile(dir)).toString('latin1')
  return needles.some((n) => text.includes(n)) ? [dir] : []
}
