/**
 * The push of the work branch, and what a failed push means. Three outcomes are told apart, because each
 * needs something different from a human:
 * - `conflict`: origin's branch moved and this run's commits do not rebase onto it (someone has to merge);
 * - `refused`: origin answered and said no (permissions, a protected branch or ruleset, a hook): retrying cannot
 *   help, the message names the setting to fix;
 * - `unreachable`: origin could not be reached, or failed on its side (5xx): retried with backoff, and then said
 *   as such, not as a permissions problem.
 */
import { UserError } from '../errors.js'
import { BOT_ENV, firstLines, NO_HOOKS, refspec, remoteRef, revParse } from './branch.js'
import { validateBranchName } from './branch-name.js'
import type { Git, GitResult } from './git.js'

export type PushFailureKind = 'conflict' | 'refused' | 'unreachable'

/** A push that did not land. `sha` is the local commit that holds the work (on this runner only). */
export class PushError extends UserError {
  constructor(
    readonly kind: PushFailureKind,
    message: string,
    hint: string,
    readonly sha: string,
  ) {
    super(message, hint)
    this.name = 'PushError'
  }
}

/** Waits between attempts when origin cannot be reached: three retries, about 14 s in all. */
export const DEFAULT_PUSH_RETRY_DELAYS_MS: readonly number[] = [2_000, 4_000, 8_000]

export interface PushOptions {
  /** The waits before each retry of an unreachable origin; `[]` means one attempt. */
  retryDelaysMs?: readonly number[]
  /** Once aborted, no further retry wait starts and a running one ends at once (a cancelled job is short of time). */
  signal?: AbortSignal
}

/** Why a push failed, from git's own words (stderr, or the porcelain status line). */
type PushFailure = 'moved' | 'refused' | 'unreachable'

/** Status codes and messages that mean origin answered and refused: retrying changes nothing. */
const REFUSED =
  /returned error: 4\d\d|HTTP 4\d\d|Permission to .* denied|permission denied|GH006|GH013|protected branch|refusing to allow .* workflow|Authentication failed|could not read Username|terminal prompts disabled|\[remote rejected\]|pre-receive hook declined|\[rejected\]/i
/** Messages that mean origin was not reached, or failed on its side. */
const UNREACHABLE =
  /Could not resolve host|Failed to connect|Couldn't connect|Connection refused|Connection timed out|Operation timed out|Connection reset|returned error: 5\d\d|RPC failed; HTTP 5\d\d|RPC failed; curl|early EOF|remote end hung up unexpectedly|unable to access/i

function classify(r: GitResult): PushFailure {
  const status = pushStatus(r.stdout)
  const text = `${status?.summary ?? ''}\n${r.stderr}`
  if (/\[rejected\] \((?:fetch first|non-fast-forward)\)/.test(text)) return 'moved'
  // A 4xx beside a hang-up or "unable to access" is still a refusal, so REFUSED is asked first.
  if (REFUSED.test(text)) return 'refused'
  if (UNREACHABLE.test(text)) return 'unreachable'
  // Anything else (a local failure, an unknown answer) is not retried: only a known network failure is.
  return 'refused'
}

/** Parses `git push --porcelain` output for the one ref we pushed. */
function pushStatus(stdout: string): { flag: string; summary: string } | undefined {
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*=!])\t[^\t]*\t(.*)$/.exec(line)
    if (m) return { flag: m[1], summary: m[2] }
  }
  return undefined
}

function refusedHint(text: string): string {
  if (/refusing to allow .* workflow/i.test(text)) {
    return 'The change touches .github/workflows; the token needs the `workflows` permission (a GitHub App or PAT).'
  }
  if (/protected branch|GH006|GH013/i.test(text)) {
    return 'A branch protection or ruleset rule blocks this branch; allow the bot to push to it.'
  }
  if (
    /returned error: 401|HTTP 401|Authentication failed|could not read Username|terminal prompts disabled/i.test(
      text,
    )
  ) {
    return 'The push had no valid credential: keep `persist-credentials: true` (the default) on actions/checkout, and check that `github-token` is valid.'
  }
  return 'Check that the workflow grants `contents: write` and that checkout used `persist-credentials: true`.'
}

/** Resolves true after `ms`, or false at once when `signal` aborts (before or during the wait). */
function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** One push, retried while origin is unreachable and waits are left. `attempts` counts every try. */
async function pushWithRetries(
  git: Git,
  args: string[],
  waits: number[],
  signal: AbortSignal | undefined,
): Promise<{ result: GitResult; failure?: PushFailure; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const result = await git.exec(args, { allowFailure: true })
    if (result.exitCode === 0) return { result, attempts }
    const failure = classify(result)
    const delay = waits.shift()
    if (failure !== 'unreachable' || delay === undefined || !(await wait(delay, signal))) {
      return { result, failure, attempts }
    }
  }
}

/**
 * Pushes the local branch to the same name on origin: `git push origin refs/heads/B:refs/heads/B`, never forced.
 * If origin's branch moved meanwhile, fetches it, rebases onto it once and pushes again. While origin cannot be
 * reached (or answers 5xx), retries after each of `retryDelaysMs` (shared by both pushes). Throws a PushError
 * whose kind says which failure it was and whose message says what to do and where the work is.
 */
export async function pushBranch(
  git: Git,
  branch: string,
  opts: PushOptions = {},
): Promise<{ pushed: boolean; rebased: boolean; sha: string }> {
  validateBranchName(branch)
  const local = `refs/heads/${branch}`
  const args = [...NO_HOOKS, 'push', '--porcelain', '--', 'origin', `${local}:${local}`]
  const waits = [...(opts.retryDelaysMs ?? DEFAULT_PUSH_RETRY_DELAYS_MS)]
  let sha = await revParse(git, local)
  let rebased = false
  for (;;) {
    const { result, failure, attempts } = await pushWithRetries(git, args, waits, opts.signal)
    if (!failure) return { pushed: rebased || pushStatus(result.stdout)?.flag !== '=', rebased, sha }
    const said = firstLines(result.stderr || result.stdout)
    if (failure === 'unreachable') throw unreachable(branch, sha, attempts, said)
    if (failure === 'refused') {
      throw new PushError(
        'refused',
        `Origin refused the push of branch "${branch}": ${said}`,
        `${refusedHint(`${result.stdout}\n${result.stderr}`)} The work is kept on the local branch "${branch}" at commit ${sha} on this runner only (it is lost when the job ends).`,
        sha,
      )
    }
    if (rebased) throw conflict(branch, sha, 'it moved again while this run rebased onto it')
    sha = await rebaseOntoOrigin(git, branch, sha)
    rebased = true
  }
}

function unreachable(branch: string, sha: string, attempts: number, said: string): PushError {
  const tries = attempts === 1 ? 'once' : `${attempts} times`
  return new PushError(
    'unreachable',
    `Could not reach origin to push branch "${branch}" (tried ${tries}): ${said}`,
    'Origin could not be reached or failed on its side: a network problem or a GitHub outage, not a permissions ' +
      `problem. The commit ${sha} exists only on this runner and is lost when the job ends.`,
    sha,
  )
}

function conflict(branch: string, sha: string, why: string): PushError {
  return new PushError(
    'conflict',
    `Could not push branch "${branch}": ${why}. The work is kept on the local branch "${branch}" at commit ${sha} ` +
      'on this runner (it is lost when the job ends).',
    `Bring "${branch}" on origin into a state that includes or drops the other changes, then rerun the command: ` +
      'a rerun continues on the branch as it is on origin.',
    sha,
  )
}

/**
 * Origin's branch moved: fetch it and rebase this run's commits onto it. Returns the rebased commit; throws a
 * `conflict` PushError (rebase aborted, the work as it was) when the changes conflict.
 */
async function rebaseOntoOrigin(git: Git, branch: string, sha: string): Promise<string> {
  // Never into submodules: an on-demand submodule fetch runs git in the submodule's repository, found through a
  // gitfile in the work tree the model could have pointed elsewhere.
  const fetch = await git.exec(
    ['fetch', '--no-tags', '--no-recurse-submodules', '--', 'origin', refspec(branch)],
    {
      allowFailure: true,
    },
  )
  if (fetch.exitCode !== 0) {
    const said = firstLines(fetch.stderr)
    if (classify(fetch) === 'unreachable') throw unreachable(branch, sha, 1, said)
    throw conflict(
      branch,
      sha,
      `someone else pushed to it meanwhile, and fetching their changes failed: ${said}`,
    )
  }
  const rebase = await git.exec([...NO_HOOKS, 'rebase', '--no-autostash', '--', remoteRef(branch), branch], {
    env: BOT_ENV,
    allowFailure: true,
  })
  if (rebase.exitCode !== 0) {
    await git.exec([...NO_HOOKS, 'rebase', '--abort'], { allowFailure: true })
    throw conflict(
      branch,
      sha,
      'someone else pushed to it meanwhile and their changes conflict with this run',
    )
  }
  return revParse(git, `refs/heads/${branch}`)
}
