/**
 * Git behind a small interface so tests can inject stand-ins. The real one (GitCommandManager) runs git via
 * execFile with an allowlisted environment: no shell, no flags from untrusted text.
 */
import type { GitLayout } from './metadata.js'

export interface GitResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface Git {
  readonly cwd: string
  /** The repository every command uses, fixed before the model ran (GitCommandManager from createGit). */
  readonly layout?: GitLayout
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
