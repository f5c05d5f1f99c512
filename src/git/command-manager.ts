import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import * as path from 'node:path'
import { UserError } from '../errors.js'
import { GitError, type Git, type GitResult } from './git.js'

/** Variables copied from the parent environment. Everything else (tokens, INPUT_*, ACTIONS_*, ANTHROPIC_*) is dropped. */
const ALLOWED_ENV = new Set(['PATH', 'HOME', 'LANG', 'TZ', 'TMPDIR'])
/** Windows needs these to start processes at all; they carry no secrets. */
const ALLOWED_ENV_WINDOWS = new Set([
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
  'USERPROFILE',
  'TEMP',
  'TMP',
])

/** Fixed values that keep git from ever waiting for a human. */
const FIXED_ENV: Record<string, string> = {
  GIT_TERMINAL_PROMPT: '0',
  GCM_INTERACTIVE: 'never',
  GIT_EDITOR: 'true',
  GIT_SEQUENCE_EDITOR: 'true',
  GIT_PAGER: 'cat',
}

const MAX_BUFFER = 256 * 1024 * 1024

/**
 * Builds the environment git runs with: only PATH, HOME, LANG, LC_*, TZ and TMPDIR from `base`, plus fixed
 * values that disable prompts and editors. Tokens and action inputs never reach git or its hooks.
 */
export function gitEnv(base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {}
  const windows = process.platform === 'win32'
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined) continue
    const upper = key.toUpperCase()
    const allowed =
      upper.startsWith('LC_') ||
      // Windows env names are case-insensitive (`Path`); elsewhere they must match exactly.
      (windows ? ALLOWED_ENV.has(upper) || ALLOWED_ENV_WINDOWS.has(upper) : ALLOWED_ENV.has(key))
    if (allowed) env[key] = value
  }
  return { ...env, ...FIXED_ENV }
}

export interface GitCommandManagerOptions {
  /** Parent environment to filter; defaults to process.env. */
  baseEnv?: NodeJS.ProcessEnv
  /** Called with each command line before it runs (arguments only; no values from the environment). */
  log?: (line: string) => void
}

/**
 * Runs git in one working directory via execFile (never a shell) with an allowlisted environment.
 * Modeled on actions/checkout's git command manager.
 */
export class GitCommandManager implements Git {
  readonly cwd: string
  private readonly env: Record<string, string>
  private readonly log?: (line: string) => void

  constructor(cwd: string, opts: GitCommandManagerOptions = {}) {
    this.cwd = path.resolve(cwd)
    this.env = gitEnv(opts.baseEnv)
    this.log = opts.log
  }

  /** Runs `git <args>` in `cwd`. Throws GitError on a non-zero exit unless `allowFailure`. */
  exec(
    args: string[],
    opts: { allowFailure?: boolean; env?: Record<string, string> } = {},
  ): Promise<GitResult> {
    this.log?.(`git ${args.join(' ')}`)
    const env = opts.env ? { ...this.env, ...opts.env } : this.env
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        args,
        { cwd: this.cwd, env, maxBuffer: MAX_BUFFER, encoding: 'utf8', windowsHide: true, shell: false },
        (err, stdout, stderr) => {
          if (err && typeof err.code !== 'number') {
            // Spawn failure (git missing, cwd gone) or maxBuffer exceeded: nothing a caller could allow.
            reject(err)
            return
          }
          const result: GitResult = { exitCode: err ? (err.code as number) : 0, stdout, stderr }
          if (result.exitCode !== 0 && !opts.allowFailure) reject(new GitError(args, result))
          else resolve(result)
        },
      )
    })
  }
}

/**
 * Creates the git runner for `cwd` after checking that git is installed and `cwd` is inside a work tree.
 * Throws UserError otherwise (the usual cause is a workflow without actions/checkout).
 */
export async function createGit(
  cwd: string,
  opts: GitCommandManagerOptions = {},
): Promise<GitCommandManager> {
  const git = new GitCommandManager(cwd, opts)
  try {
    await git.exec(['--version'])
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(err instanceof GitError)) {
      if (!existsSync(git.cwd)) {
        throw new UserError(
          `The workspace ${git.cwd} does not exist.`,
          'Add an `actions/checkout` step before this action.',
        )
      }
      throw new UserError('git is not installed or not on PATH.', 'Run this action on a runner that has git.')
    }
    throw err
  }
  const inside = await git.exec(['rev-parse', '--is-inside-work-tree'], { allowFailure: true })
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') {
    throw new UserError(
      `${git.cwd} is not a git work tree.`,
      'Add an `actions/checkout` step (with the default `persist-credentials: true`) before this action.',
    )
  }
  return git
}
