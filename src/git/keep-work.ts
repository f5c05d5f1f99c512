/**
 * The work a push could not deliver, as files that can leave the runner: a git bundle (the commits themselves,
 * fetchable as a branch) and a readable patch series (`git format-patch`, reviewable and `git am`-able).
 * Made with the action's own git (hooks off, no global config), after the run: nothing of the model's runs.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { unpushedRange, workStart } from './branch.js'
import { validateBranchName } from './branch-name.js'
import type { Git } from './git.js'

export interface WorkFiles {
  /** The directory holding both files (made for them, under the given temp root). */
  dir: string
  /** `<dir>/<branch>.bundle`: `git fetch <file> <branch>:<branch>` recreates the branch. */
  bundle: string
  /** `<dir>/<branch>.patch`: the same commits as a patch series with binary diffs. */
  patch: string
  /** How many commits are in them. */
  commits: number
  /** The commit the first of them was made on (what `git am` applies on); undefined when they start the history. */
  base?: string
}

/** A branch name as one file name component (`feature/x` → `feature-x`). */
export function fileStem(branch: string): string {
  return validateBranchName(branch).replace(/\//g, '-')
}

/**
 * Writes the commits of `branch` that origin does not have into a bundle and a patch under a new directory in
 * `tempRoot`. "Origin has it" means reachable from a remote-tracking ref of origin (the base and the branch as
 * last fetched); with none, the whole branch is written. Returns undefined when there is no such commit.
 */
export async function writeWorkFiles(
  git: Git,
  branch: string,
  tempRoot: string,
): Promise<WorkFiles | undefined> {
  const stem = fileStem(branch)
  const range = unpushedRange(branch)
  const count = await git.exec(['rev-list', '--count', ...range])
  const commits = Number(count.stdout.trim())
  if (!commits) return undefined

  const dir = await mkdtemp(path.join(tempRoot, `implement-action-${stem}-`))
  const bundle = path.join(dir, `${stem}.bundle`)
  const patch = path.join(dir, `${stem}.patch`)
  await git.exec(['bundle', 'create', bundle, ...range])
  await writePatchSeries(git, range, dir, patch)
  return { dir, bundle, patch, commits, base: await workStart(git, branch) }
}

/**
 * `git format-patch` of `range` into the single mbox file `patch`. Git writes the patch files itself and they
 * are joined as bytes (what `--stdout` prints): a diff carries the files' own bytes, which need not be UTF-8,
 * and reading git's output as text would replace what is not.
 */
async function writePatchSeries(git: Git, range: string[], dir: string, patch: string): Promise<void> {
  const parts = await mkdtemp(path.join(dir, 'patches-'))
  // `--root` so a branch with no commit on origin is written from its first commit, not as an empty range.
  await git.exec(['format-patch', '--root', '--binary', '--no-signature', '-o', parts, ...range])
  // Numbered 0001-…, so name order is commit order.
  const names = (await readdir(parts)).filter((n) => n.endsWith('.patch')).sort()
  await writeFile(patch, Buffer.concat(await Promise.all(names.map((n) => readFile(path.join(parts, n))))))
  await rm(parts, { recursive: true, force: true })
}
