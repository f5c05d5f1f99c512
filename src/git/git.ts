/**
 * Git behind a small interface so tests can inject stand-ins. The real one (GitCommandManager) runs git via
 * execFile with an allowlisted environment: no shell, no flags from untrusted text.
 */
export interface GitResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface Git {
  readonly cwd: string
  /** Runs `git <args>`. Throws GitError on a non-zero exit unless `allowFailure`. */
  exec(args: string[], opts?: { allowFailure?: boolean; env?: Record<string, string> }): Promise<GitResult>
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
