/**
 * The push of the work branch, and what a failed push means. The outcomes are told apart, because each needs
 * something different from a human:
 * - `conflict`: origin's branch moved and this run's commits do not rebase onto it (someone has to merge);
 * - `refused`: origin answered and said no (permissions, a protected branch or ruleset, a file too large):
 *   retrying cannot help, the message names the setting or the change to fix;
 * - `secret`: GitHub's push protection found a secret in the commits: the commits must not leave the runner
 *   as they are (see src/pipeline/unpushed-work.ts), the secret has to come out of them;
 * - `unreachable`: origin could not be reached, failed on its side (5xx, a failed ref update), asked to slow
 *   down (429) or stalled: retried with backoff, and then said as such, not as a permissions problem;
 * - `failed`: anything else (a lock file left in the repository, an answer git does not explain): said with
 *   git's own words, no guess at a cause.
 */
import { UserError } from '../errors.js'
import { sleep, type Cancellation } from '../pipeline/cancellation.js'
import { BOT_ENV, firstLines, NO_HOOKS, refspec, remoteRef, revParse, workStart } from './branch.js'
import { validateBranchName } from './branch-name.js'
import type { Git, GitResult } from './git.js'

export type PushFailureKind = 'conflict' | 'refused' | 'secret' | 'unreachable' | 'failed'

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
/**
 * The waits left once the job is being cancelled (the runner's first signal): the SIGKILL is about 10 s away,
 * so at most two more retries, and a wait already running is cut to the first of these.
 */
export const CANCELLED_PUSH_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000]
/**
 * How long one push or fetch may take before it is killed and counted as unreachable. The work of one run is
 * small; what takes longer is a stalled origin (http.lowSpeedTime ends a connection that stalls mid-transfer,
 * this also ends one that never answers at all).
 */
export const DEFAULT_PUSH_ATTEMPT_TIMEOUT_MS = 60_000

/**
 * An attempt that starts after the hurry signal (the runner's SIGKILL is about 2.5 s away) still runs, since
 * the push is what keeps the work, but for no longer than this.
 */
const HURRIED_ATTEMPT_TIMEOUT_MS = 1_500

/**
 * Curl gives up on a connection that moves less than 1000 bytes/s for 20 s: without it a stalled origin holds
 * the push until the attempt timeout, and git's own default waits forever.
 */
const NETWORK_CONFIG = ['-c', 'http.lowSpeedLimit=1000', '-c', 'http.lowSpeedTime=20']

export interface PushOptions {
  /** The waits before each retry of an unreachable origin; `[]` means one attempt. */
  retryDelaysMs?: readonly number[]
  /** Each push or fetch is killed after this long; the attempt then counts as unreachable. */
  attemptTimeoutMs?: number
  /**
   * The runner's signals (src/pipeline/cancellation.ts). Once `signal` fires, the waits left are those of
   * CANCELLED_PUSH_RETRY_DELAYS_MS; once `hurry` fires, no wait starts, a running one ends, and a running push
   * or fetch is killed.
   */
  cancellation?: Pick<Cancellation, 'signal' | 'hurry'>
}

/** Why a push failed, from git's own words (stderr, and the porcelain status line on stdout). */
type PushFailure = 'moved' | 'refused' | 'too-large' | 'secret' | 'unreachable' | 'failed'

/** GitHub's push protection: a secret in the pushed commits (GH013 with the push protection section, or GH009). */
const SECRET = /PUSH PROTECTION|Push cannot contain secrets|GH009|secret-scanning\/unblock-secret/i
/**
 * Origin failed on its side or asked to wait: a 5xx, a 429, a ref update that failed on the server (GitHub says
 * `[remote failure]`, or `[remote rejected]` with a server error as the reason). Asked before REFUSED, which
 * takes every other `[remote rejected]`.
 */
const SERVER_FAILURE =
  /\[remote failure\]|remote failed to report status|\[remote rejected\] \((?:Internal Server Error|failure|[^)]*fatal error in commit_refs[^)]*)\)|fatal error in commit_refs|returned error: (?:5\d\d|429)|HTTP (?:5\d\d|429)/i
/** A file or the whole push over GitHub's limits (GH001, HTTP 413). */
const TOO_LARGE =
  /GH001|Large files detected|exceeds GitHub's file size limit|returned error: 413|HTTP 413|pack exceeds maximum allowed size/i
/** Status codes and messages that mean origin answered and refused: retrying changes nothing. */
const REFUSED =
  /returned error: 4\d\d|HTTP 4\d\d|Permission to .* denied|permission denied|GH006|GH013|protected branch|refusing to allow .* workflow|Authentication failed|could not read Username|terminal prompts disabled|\[remote rejected\]|pre-receive hook declined|\[rejected\]/i
/** Messages that mean origin was not reached, or the connection broke. */
const UNREACHABLE =
  /Could not resolve host|Failed to connect|Couldn't connect|Connection refused|Connection timed out|Operation timed out|Operation too slow|Connection reset|RPC failed; curl|early EOF|remote end hung up unexpectedly|unable to access/i

function classify(r: GitResult): PushFailure {
  // Killed by the attempt timeout (a stalled origin) or by the hurry signal: origin did not answer in time.
  if (r.stopped) return 'unreachable'
  const text = `${pushStatus(r.stdout)?.summary ?? ''}\n${r.stderr}`
  if (/\[rejected\] \((?:fetch first|non-fast-forward)\)/.test(text)) return 'moved'
  if (SECRET.test(text)) return 'secret'
  if (SERVER_FAILURE.test(text)) return 'unreachable'
  if (TOO_LARGE.test(text)) return 'too-large'
  // A 4xx beside a hang-up or "unable to access" is still a refusal, so REFUSED is asked before UNREACHABLE.
  if (REFUSED.test(text)) return 'refused'
  if (UNREACHABLE.test(text)) return 'unreachable'
  // Anything else (a local failure, an unknown answer) is not retried: only a known network failure is.
  return 'failed'
}

/** Parses `git push --porcelain` output for the one ref we pushed: its flag, its line, its summary. */
function pushStatus(stdout: string): { flag: string; line: string; summary: string } | undefined {
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*=!])\t[^\t]*\t(.*)$/.exec(line)
    if (m) return { flag: m[1], line, summary: m[2] }
  }
  return undefined
}

/**
 * What git said about a failed push, for the message: the porcelain status line of a rejected ref (git prints
 * the reason there, on stdout, not on stderr), then the first lines of stderr.
 */
function whatGitSaid(r: GitResult): string {
  const status = pushStatus(r.stdout)
  const rejected = status && status.flag === '!' ? firstLines(status.line.replace(/\t/g, ' '), 1) : ''
  return [rejected, firstLines(r.stderr || (status ? '' : r.stdout))].filter(Boolean).join('\n')
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
    return 'Origin did not accept the credential: check that `github-token` is valid and not expired (the action pushes with it).'
  }
  return 'Check that the workflow grants `contents: write` to the token.'
}

const TOO_LARGE_HINT =
  "The work has a file (or a push) over GitHub's size limits (100 MB a file, 2 GB a push): remove the large file " +
  'from the commits, or track it with Git LFS (https://git-lfs.com), and rerun the command.'

function secretHint(text: string): string {
  const unblock = /https:\/\/\S+\/secret-scanning\/unblock-secret\/\S+/.exec(text)?.[0]
  return (
    'GitHub push protection found a secret in the commits. Remove the secret from the work (from the commit, ' +
    'not only in a later one) and rerun the command' +
    (unblock ? `, or, if it is not a secret or is meant to be there, allow it at ${unblock} and rerun.` : '.')
  )
}

/**
 * The waits between attempts, shared by both pushes of one pushBranch. The one place that decides how a
 * cancellation shortens them: once `cancellation.signal` fires, what is left is CANCELLED_PUSH_RETRY_DELAYS_MS
 * (a wait already running ends after at most the first of these); once `hurry` fires, nothing is waited for.
 */
class RetryWaits {
  private readonly normal: number[]
  private readonly cancelled = [...CANCELLED_PUSH_RETRY_DELAYS_MS]

  constructor(
    delays: readonly number[],
    private readonly cancellation?: Pick<Cancellation, 'signal' | 'hurry'>,
  ) {
    this.normal = [...delays]
  }

  /** Waits before the next retry; false when no retry is left or the hurry signal ended the wait. */
  async next(): Promise<boolean> {
    const { signal: cancel, hurry } = this.cancellation ?? {}
    if (hurry?.aborted) return false
    if (cancel?.aborted) return this.waitCancelled(Infinity)
    const ms = this.normal.shift()
    if (ms === undefined) return false
    if (!cancel) return sleep(ms, hurry)
    const started = Date.now()
    if (await sleep(ms, hurry ? AbortSignal.any([cancel, hurry]) : cancel)) return true
    // The cancellation came during this wait: what is left of it is capped like the waits after it.
    return this.waitCancelled(ms - (Date.now() - started))
  }

  private waitCancelled(atMost: number): Promise<boolean> {
    const ms = this.cancelled.shift()
    if (ms === undefined || this.cancellation?.hurry.aborted) return Promise.resolve(false)
    return sleep(Math.min(ms, atMost), this.cancellation?.hurry)
  }
}

/**
 * What ends one push or fetch early: the attempt timeout, and the hurry signal if it comes while the attempt
 * runs. One that starts after the hurry signal gets a short timeout instead of being skipped.
 */
function attemptLimits(opts: PushOptions): { signal?: AbortSignal; timeoutMs: number } {
  const timeoutMs = opts.attemptTimeoutMs ?? DEFAULT_PUSH_ATTEMPT_TIMEOUT_MS
  const hurry = opts.cancellation?.hurry
  if (hurry?.aborted) return { timeoutMs: Math.min(timeoutMs, HURRIED_ATTEMPT_TIMEOUT_MS) }
  return { signal: hurry, timeoutMs }
}

/** One push, retried while origin is unreachable and waits are left. `attempts` counts every try. */
async function pushWithRetries(
  git: Git,
  args: string[],
  waits: RetryWaits,
  opts: PushOptions,
): Promise<{ result: GitResult; failure?: PushFailure; attempts: number }> {
  for (let attempts = 1; ; attempts++) {
    const result = await git.exec(args, { allowFailure: true, ...attemptLimits(opts) })
    if (result.exitCode === 0) return { result, attempts }
    const failure = classify(result)
    if (failure !== 'unreachable' || result.stopped === 'aborted' || !(await waits.next())) {
      return { result, failure, attempts }
    }
  }
}

/**
 * Pushes the local branch to the same name on origin: `git push origin refs/heads/B:refs/heads/B`, never forced.
 * If origin's branch moved meanwhile, fetches it, rebases onto it once and pushes again. While origin cannot be
 * reached (or fails on its side), retries after each of `retryDelaysMs` (shared by both pushes). Throws a
 * PushError whose kind says which failure it was and whose message says what to do.
 */
export async function pushBranch(
  git: Git,
  branch: string,
  opts: PushOptions = {},
): Promise<{ pushed: boolean; rebased: boolean; sha: string }> {
  validateBranchName(branch)
  const local = `refs/heads/${branch}`
  const args = [...NO_HOOKS, ...NETWORK_CONFIG, 'push', '--porcelain', '--', 'origin', `${local}:${local}`]
  const waits = new RetryWaits(opts.retryDelaysMs ?? DEFAULT_PUSH_RETRY_DELAYS_MS, opts.cancellation)
  let sha = await revParse(git, local)
  let rebased = false
  for (;;) {
    const { result, failure, attempts } = await pushWithRetries(git, args, waits, opts)
    if (!failure) return { pushed: rebased || pushStatus(result.stdout)?.flag !== '=', rebased, sha }
    if (failure === 'moved') {
      if (rebased) throw conflict(branch, sha, 'it moved again while this run rebased onto it')
      sha = await rebaseOntoOrigin(git, branch, sha, opts)
      rebased = true
      continue
    }
    throw failed(branch, sha, failure, attempts, result)
  }
}

/** The PushError for a push that failed for good (anything but a branch that moved). */
function failed(
  branch: string,
  sha: string,
  failure: Exclude<PushFailure, 'moved'>,
  attempts: number,
  result: GitResult,
): PushError {
  const said = whatGitSaid(result)
  const text = `${result.stdout}\n${result.stderr}`
  const kept = `The work is the commit ${sha} on the local branch "${branch}"; it was not pushed.`
  switch (failure) {
    case 'unreachable':
      return unreachable(branch, sha, attempts, said, result.stopped)
    case 'secret':
      return new PushError(
        'secret',
        `GitHub push protection blocked the push of branch "${branch}": ${said}`,
        `${secretHint(text)} ${kept}`,
        sha,
      )
    case 'too-large':
      return new PushError(
        'refused',
        `Origin refused the push of branch "${branch}" as too large: ${said}`,
        `${TOO_LARGE_HINT} ${kept}`,
        sha,
      )
    case 'refused':
      return new PushError(
        'refused',
        `Origin refused the push of branch "${branch}": ${said}`,
        `${refusedHint(text)} ${kept}`,
        sha,
      )
    case 'failed':
      return new PushError('failed', `Could not push branch "${branch}": the push failed: ${said}`, kept, sha)
  }
}

function unreachable(
  branch: string,
  sha: string,
  attempts: number,
  said: string,
  stopped?: GitResult['stopped'],
): PushError {
  const tries = attempts === 1 ? 'once' : `${attempts} times`
  const why =
    stopped === 'aborted'
      ? 'The push was stopped because the job was being cancelled and had no time left. '
      : 'Origin could not be reached, failed on its side or did not answer in time: a network problem or a ' +
        'GitHub outage, not a permissions problem. '
  return new PushError(
    'unreachable',
    `Could not reach origin to push branch "${branch}" (tried ${tries}): ${said}`,
    `${why}The commit ${sha} was not pushed; it exists only on this runner.`,
    sha,
  )
}

function conflict(branch: string, sha: string, why: string): PushError {
  return new PushError(
    'conflict',
    `Could not push branch "${branch}": ${why}. The work is the commit ${sha} on the local branch "${branch}" of this runner.`,
    `Bring "${branch}" on origin into a state that includes or drops the other changes, then rerun the command: ` +
      'a rerun continues on the branch as it is on origin.',
    sha,
  )
}

/**
 * Origin's branch moved: fetch it and rebase this run's commits onto it. Returns the rebased commit; throws a
 * `conflict` PushError (rebase aborted, the work as it was) when the changes conflict.
 */
async function rebaseOntoOrigin(git: Git, branch: string, sha: string, opts: PushOptions): Promise<string> {
  // Before the fetch moves the remote-tracking refs: where this run's own commits start.
  const start = await workStart(git, branch)
  // Never into submodules: an on-demand submodule fetch runs git in the submodule's repository, found through a
  // gitfile in the work tree the model could have pointed elsewhere.
  const fetch = await git.exec(
    [...NETWORK_CONFIG, 'fetch', '--no-tags', '--no-recurse-submodules', '--', 'origin', refspec(branch)],
    { allowFailure: true, ...attemptLimits(opts) },
  )
  if (fetch.exitCode !== 0) {
    const said = firstLines(fetch.stderr)
    if (classify(fetch) === 'unreachable') throw unreachable(branch, sha, 1, said, fetch.stopped)
    throw conflict(
      branch,
      sha,
      `someone else pushed to it meanwhile, and fetching their changes failed: ${said}`,
    )
  }
  // Only this run's commits go onto origin's branch: with origin's branch cut from an older base, a plain
  // rebase would copy the base's newer commits onto it too (in a shallow checkout, its tip as a root commit
  // holding the whole tree).
  const onto = start ? ['--onto', remoteRef(branch), start] : [remoteRef(branch)]
  const rebase = await git.exec([...NO_HOOKS, 'rebase', '--no-autostash', ...onto, branch], {
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
