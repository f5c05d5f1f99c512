/**
 * Git behind a small interface so tests can inject stand-ins. The real one (GitCommandManager) runs git via
 * spawn with an allowlisted environment: no shell, no flags from untrusted text.
 */
import type { GitLayout } from './metadata.js'

export interface GitResult {
  exitCode: number
  stdout: string
  stderr: string
  /**
   * Set when the action stopped git itself: `aborted` (the caller's signal fired) or `timeout` (it ran past
   * `timeoutMs`). Git was killed; `exitCode` is then -1 and `stderr` ends with a line saying which.
   */
  stopped?: 'aborted' | 'timeout'
}

export interface GitExecOptions {
  /** Resolve with a non-zero result instead of throwing GitError. */
  allowFailure?: boolean
  /** Added to the environment for this call only. */
  env?: Record<string, string>
  /** Kills git when it fires (a network command must not outlive a cancelled job). */
  signal?: AbortSignal
  /** Kills git after this long (a stalled origin must not hang the run). */
  timeoutMs?: number
}

export interface Git {
  readonly cwd: string
  /** The repository every command uses, fixed before the model ran (GitCommandManager from createGit). */
  readonly layout?: GitLayout
  /** Runs `git <args>`. Throws GitError on a non-zero exit (or a stop, see GitResult.stopped) unless `allowFailure`. */
  exec(args: string[], opts?: GitExecOptions): Promise<GitResult>
}

export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly result: GitResult,
  ) {
    super(
      `git ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    )
    this.name = 'GitError'
  }
}
