/**
 * The work a push could not deliver, as files that can leave the runner: a git bundle (the commits themselves,
 * fetchable as a branch) and a readable patch series (`git format-patch`, reviewable and `git am`-able).
 * Made with the action's own git (hooks off, no global config), after the run: nothing of the model's runs.
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import path from 'node:path'
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
  // A rev-list range, not `origin/x..branch`: the base, the branch or both may be what origin already has.
  const range = [`refs/heads/${branch}`, '--not', '--remotes=origin']
  const count = await git.exec(['rev-list', '--count', ...range])
  const commits = Number(count.stdout.trim())
  if (!commits) return undefined

  const dir = await mkdtemp(path.join(tempRoot, `implement-action-${stem}-`))
  const bundle = path.join(dir, `${stem}.bundle`)
  const patch = path.join(dir, `${stem}.patch`)
  await git.exec(['bundle', 'create', bundle, ...range])
  // `--root` so a branch with no commit on origin is written from its first commit, not as an empty range.
  const series = await git.exec([
    'format-patch',
    '--root',
    '--binary',
    '--stdout',
    '--no-signature',
    ...range,
  ])
  await writeFile(patch, series.stdout)
  return { dir, bundle, patch, commits }
}
