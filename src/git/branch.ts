import { devNull } from 'node:os'
import { UserError } from '../errors.js'
import { validateBranchName } from './branch-name.js'
import type { Git } from './git.js'

/** The identity every commit (and every commit a rebase rewrites) is made with. */
export const BOT_NAME = 'github-actions[bot]'
export const BOT_EMAIL = '41898282+github-actions[bot]@users.noreply.github.com'

/** Author and committer through the environment: it wins over any author.*, committer.* or user.* config. */
export const BOT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: BOT_NAME,
  GIT_AUTHOR_EMAIL: BOT_EMAIL,
  GIT_COMMITTER_NAME: BOT_NAME,
  GIT_COMMITTER_EMAIL: BOT_EMAIL,
}

/**
 * Repository hooks never run for the git commands this action runs itself (checkout, commit, rebase, push):
 * the model can edit tracked hook directories such as `.husky/`, and these commands run with the token back
 * in the git config. Pointing core.hooksPath at the null device makes every hook lookup miss.
 */
export const NO_HOOKS = ['-c', `core.hooksPath=${devNull}`]

const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/

export function remoteRef(branch: string): string {
  return `refs/remotes/origin/${branch}`
}

export function refspec(branch: string): string {
  return `+refs/heads/${branch}:${remoteRef(branch)}`
}

/**
 * The first lines of git's output for a message, without `hint:` lines, blank `remote:` lines, and with any `user:password@` in a URL
 * masked: a remote URL may carry a token, and these lines end up on the issue.
 */
export function firstLines(text: string, max = 6): string {
  return (
    text
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
      .split('\n')
      .map((l) => l.trimEnd())
      // Neither git's hints nor the blank and rule-only `remote:` lines GitHub pads its explanations with.
      .filter((l) => l && !l.startsWith('hint:') && !/^remote:[\s\-—=_]*$/.test(l))
      .slice(0, max)
      .join('\n')
  )
}

export async function revParse(git: Git, ref: string): Promise<string> {
  const r = await git.exec(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    allowFailure: true,
  })
  const sha = r.stdout.trim()
  if (r.exitCode !== 0 || !sha) throw new UserError(`git cannot find the commit "${ref}".`)
  return sha
}

/** Which of `branches` exist on origin, asked of origin itself (a stale remote-tracking ref does not count). */
async function remoteBranches(git: Git, branches: string[]): Promise<Set<string>> {
  const r = await git.exec(['ls-remote', '--', 'origin', ...branches.map((b) => `refs/heads/${b}`)])
  const found = new Set<string>()
  for (const line of r.stdout.split('\n')) {
    const ref = line.split('\t')[1]?.trim()
    if (ref?.startsWith('refs/heads/')) found.add(ref.slice('refs/heads/'.length))
  }
  return new Set(branches.filter((b) => found.has(b)))
}

/**
 * Puts the work tree on `branch`, idempotently (like peter-evans/create-pull-request):
 * if origin already has `branch`, continues on it (`checkout -B branch origin/branch`) so a rerun adds to the
 * previous work instead of starting a second branch; otherwise creates it from `origin/<base>`.
 * Fetches only `base` and `branch` (`--no-tags`). Throws UserError if `base` does not exist on origin.
 */
export async function prepareBranch(
  git: Git,
  opts: { branch: string; base: string },
): Promise<{ existed: boolean; baseSha: string; headSha: string }> {
  const branch = validateBranchName(opts.branch)
  const base = validateBranchName(opts.base)
  if (branch === base) {
    throw new UserError(
      `The work branch and the base branch are both "${base}".`,
      'Use an issue id that differs from the base branch name.',
    )
  }
  const onOrigin = await remoteBranches(git, [base, branch])
  if (!onOrigin.has(base)) {
    throw new UserError(
      `The base branch "${base}" does not exist on origin.`,
      'Set the `base-branch` input to an existing branch, or leave it empty to use the default branch.',
    )
  }
  const existed = onOrigin.has(branch)
  const refspecs = existed ? [refspec(base), refspec(branch)] : [refspec(base)]
  await git.exec(['fetch', '--no-tags', '--', 'origin', ...refspecs])
  if (!existed) {
    // A leftover tracking ref from an earlier fetch would otherwise look like a branch to continue.
    await git.exec(['update-ref', '-d', remoteRef(branch)], { allowFailure: true })
  }
  const start = existed ? remoteRef(branch) : remoteRef(base)
  const checkout = await git.exec([...NO_HOOKS, 'checkout', '--no-track', '-B', branch, start, '--'], {
    allowFailure: true,
  })
  if (checkout.exitCode !== 0) {
    throw new UserError(
      `Could not switch the workspace to branch "${branch}": ${firstLines(checkout.stderr)}`,
      'The workspace must be a clean checkout; remove steps before this action that modify tracked files.',
    )
  }
  return { existed, baseSha: await revParse(git, remoteRef(base)), headSha: await revParse(git, 'HEAD') }
}

/**
 * Puts the work tree on origin's `base`, detached, before anything is read from it: a review iteration reads the
 * spec and the prompt from the base, never from whatever the workflow checked out (a `pull_request_review` run
 * checks out the PR's merge commit, which holds what the model wrote on the branch).
 */
export async function checkoutBase(git: Git, base: string): Promise<void> {
  validateBranchName(base)
  const fetched = await git.exec(['fetch', '--no-tags', '--', 'origin', refspec(base)], {
    allowFailure: true,
  })
  if (fetched.exitCode !== 0) {
    throw new UserError(
      `Could not fetch the base branch "${base}" from origin: ${firstLines(fetched.stderr)}`,
    )
  }
  const checkout = await git.exec([...NO_HOOKS, 'checkout', '--detach', remoteRef(base), '--'], {
    allowFailure: true,
  })
  if (checkout.exitCode !== 0) {
    throw new UserError(
      `Could not switch the workspace to the base branch "${base}": ${firstLines(checkout.stderr)}`,
      'The workspace must be a clean checkout; remove steps before this action that modify tracked files.',
    )
  }
}

/** `git diff --stat` of the branch against where it left `base` (at most `maxLines` lines, then a count). */
export async function diffStat(git: Git, base: string, maxLines = 60): Promise<string> {
  const r = await git.exec(['diff', '--stat=120', '--no-color', `${remoteRef(base)}...HEAD`, '--'], {
    allowFailure: true,
  })
  if (r.exitCode !== 0) return ''
  const lines = r.stdout.trimEnd().split('\n')
  if (lines.length <= maxLines) return lines.join('\n')
  return [...lines.slice(0, maxLines - 1), `… ${lines.length - maxLines} more lines`, lines.at(-1)].join('\n')
}

/**
 * The rev-list range of the commits of `branch` that origin does not have: not reachable from any
 * remote-tracking ref of origin (the base and the branch as last fetched). A range, not `origin/x..branch`: the
 * base, the branch or both may be what origin already has.
 */
export function unpushedRange(branch: string): string[] {
  return [`refs/heads/${branch}`, '--not', '--remotes=origin']
}

/**
 * The commit this run's work on `branch` starts from: the parent of the oldest commit origin does not have (the
 * base's tip for a new branch, origin's branch as fetched for a rerun). Undefined when there is no such commit
 * or it starts the history.
 */
export async function workStart(git: Git, branch: string): Promise<string | undefined> {
  const ours = await git.exec(['rev-list', '--reverse', ...unpushedRange(branch)], { allowFailure: true })
  const oldest = ours.exitCode === 0 ? ours.stdout.split('\n')[0]?.trim() : undefined
  if (!oldest) return undefined
  const parent = await git.exec(['rev-parse', '--verify', '--quiet', `${oldest}^`], { allowFailure: true })
  return parent.exitCode === 0 ? parent.stdout.trim() : undefined
}

/** The `Co-authored-by` trailer value for a GitHub user, using their noreply address. */
export function coAuthorTrailer(coAuthor: { login: string; id?: number }): string {
  const { login, id } = coAuthor
  if (!GITHUB_LOGIN.test(login)) throw new UserError(`"${login.slice(0, 60)}" is not a GitHub login.`)
  if (id !== undefined && !(Number.isSafeInteger(id) && id > 0)) {
    throw new UserError(`${String(id)} is not a GitHub user id.`)
  }
  const email =
    id === undefined ? `${login}@users.noreply.github.com` : `${id}+${login}@users.noreply.github.com`
  return `Co-authored-by: ${login} <${email}>`
}

function nulList(text: string): string[] {
  return text.split('\0').filter((s) => s !== '')
}

/**
 * Stages everything (`git add -A`) and commits it as github-actions[bot] (author and committer), with a
 * `Co-authored-by` trailer for the person who asked. Returns `committed: false` when nothing changed.
 * `files` are the staged paths (both sides of a rename).
 */
export async function commitAll(
  git: Git,
  opts: { message: string; coAuthor?: { login: string; id?: number } },
): Promise<{ committed: boolean; sha?: string; files: string[] }> {
  const subject = opts.message.trim()
  if (!subject) throw new UserError('The commit message is empty.')
  const message = opts.coAuthor ? `${subject}\n\n${coAuthorTrailer(opts.coAuthor)}\n` : `${subject}\n`

  await git.exec(['add', '-A'])
  const staged = await git.exec(['diff', '--cached', '--name-only', '--no-renames', '-z'])
  const files = nulList(staged.stdout)
  if (files.length === 0) return { committed: false, files: [] }

  const commit = await git.exec(
    [...NO_HOOKS, 'commit', '--no-gpg-sign', '--no-edit', '--cleanup=whitespace', '-m', message],
    {
      env: BOT_ENV,
      allowFailure: true,
    },
  )
  if (commit.exitCode !== 0) {
    throw new UserError(
      `git commit failed: ${firstLines(commit.stderr || commit.stdout)}`,
      'The changes are still in the workspace.',
    )
  }
  return { committed: true, sha: await revParse(git, 'HEAD'), files }
}

/** Paths changed in the work tree relative to HEAD, untracked files included (from `git status --porcelain -z`). */
export async function changedFiles(git: Git): Promise<string[]> {
  // Dirty submodule work trees are not looked into: that runs `git status` inside each submodule, through a
  // gitfile in the work tree. A submodule whose commit moved still shows (its HEAD is read, nothing runs).
  const r = await git.exec([
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
    '--no-renames',
    '--ignore-submodules=dirty',
  ])
  const fields = r.stdout.split('\0')
  const files: string[] = []
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i]
    if (entry.length < 4) continue
    files.push(entry.slice(3))
    // In case renames are reported anyway, the next field is the source path.
    if (entry[0] === 'R' || entry[0] === 'C') i++
  }
  return files
}
