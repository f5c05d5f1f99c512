import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants, existsSync, lstatSync, realpathSync, statSync } from 'node:fs'
import { constants as osConstants, devNull } from 'node:os'
import * as path from 'node:path'
import { UserError } from '../errors.js'
import { GitError, type Git, type GitExecOptions, type GitResult } from './git.js'
import type { GitLayout } from './metadata.js'

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

/**
 * Only the repository's own config counts: no global (`~/.gitconfig`, `$XDG_CONFIG_HOME/git/config`) and no
 * system config. The model's shell runs as the same OS user and can write the global config, e.g.
 * `core.fsmonitor`, a `filter.*.clean` driver or `core.sshCommand`, which this action's git would otherwise run
 * while the credential is back in the local config. (The local config itself is restored byte for byte after
 * the run.) `/dev/null` is special-cased by Git for Windows too. GIT_CONFIG_GLOBAL needs git 2.32; see createGit.
 */
const CONFIG_ISOLATION_ENV: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
}

/**
 * Attributes from outside the repository never count: the default global attributes file
 * (`$XDG_CONFIG_HOME/git/attributes`, `~/.config/git/attributes`) is in the home directory the model's shell
 * can write, and the system one is not the repository's. Attributes alone run nothing (a `filter=x`, `diff=x`
 * or `merge=x` needs a driver defined in config, and the only config read is the local one, restored before
 * the action's git runs again); they can still rewrite content (`text`, `eol`, `ident`,
 * `working-tree-encoding`). The repository's own tracked `.gitattributes` keeps working (Git LFS, eol rules):
 * a line the model adds there can only name a driver the pre-run config defines, which is the repository
 * owner's own. Not part of gitEnv: these apply to the action's git only.
 */
const ATTRIBUTE_ISOLATION_ENV: Record<string, string> = { GIT_ATTR_NOSYSTEM: '1' }

/** The first git release that honours GIT_CONFIG_GLOBAL. */
const MIN_CONFIG_GLOBAL_VERSION: readonly [number, number] = [2, 32]

const MAX_BUFFER = 256 * 1024 * 1024

/**
 * Builds the environment git runs with: only PATH, HOME, LANG, LC_*, TZ and TMPDIR from `base`, plus fixed
 * values that disable prompts and editors and keep git from reading global and system config.
 * Tokens and action inputs never reach git or its hooks.
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
  return { ...env, ...FIXED_ENV, ...CONFIG_ISOLATION_ENV }
}

/**
 * The directories passed as `safe.directory`: the workspace as given and as its real path, and the top of the
 * work tree containing it (git compares the real path of the work tree's top, byte for byte). With global
 * config ignored, the entry actions/checkout writes there for container jobs no longer counts, so the
 * workspace is declared safe on the command line instead (git honours command-line safe.directory).
 */
function safeDirectories(cwd: string): string[] {
  const dirs = [cwd]
  let real: string | undefined
  try {
    real = realpathSync.native(cwd)
  } catch {
    // The workspace does not exist (createGit reports that); the given path is all there is.
  }
  if (real !== undefined) {
    dirs.push(real)
    for (let dir = real; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, '.git'))) {
        dirs.push(dir)
        break
      }
      if (path.dirname(dir) === dir) break
    }
  }
  const forGit = dirs.map((d) => (process.platform === 'win32' ? d.replace(/\\/g, '/') : d))
  return [...new Set(forGit)]
}

/**
 * `-c` options put before every command. Command-line config wins over the repository's config:
 * no fsmonitor hook or daemon, no hooks (the model can edit tracked hook directories), and the workspace is
 * a safe directory.
 */
function configArgs(cwd: string): string[] {
  const args = [
    '-c',
    'core.fsmonitor=false',
    '-c',
    `core.hooksPath=${devNull}`,
    '-c',
    `core.attributesFile=${devNull}`,
    // `git add -A` and `status` otherwise run `git status` inside every populated submodule, and from there in
    // nested ones, through `.git` gitfiles that sit in the work tree (writable by the model, not restored): a
    // planted gitfile would name a repository whose config runs a filter, outside the sandbox, with the
    // credential back. `dirty` keeps git out of submodule work trees (their recorded commits still count).
    '-c',
    'diff.ignoreSubmodules=dirty',
  ]
  for (const dir of safeDirectories(cwd)) args.push('-c', `safe.directory=${dir}`)
  return args
}

/**
 * The absolute path of the `git` that PATH names now, or plain `git` if none is found (or on Windows, where
 * PATHEXT lookups are left to the system). Resolved once, when the manager is created before the model runs:
 * PATH usually starts with user-writable directories (`~/.local/bin`, `~/.cargo/bin` on hosted runners), and
 * a `git` the model put there must not be what runs later with the credential back. Relative PATH entries are
 * skipped: they would resolve inside the workspace.
 */
function resolveGit(pathVar: string | undefined): string {
  if (process.platform === 'win32' || !pathVar) return 'git'
  for (const dir of pathVar.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue
    const candidate = path.join(dir, 'git')
    try {
      accessSync(candidate, constants.X_OK)
      if (statSync(candidate).isFile()) return candidate
    } catch {
      // not here
    }
  }
  return 'git'
}

/** `[major, minor]` from `git --version` output (`git version 2.39.5`, `2.45.1.windows.1`, `2.39.3 (Apple Git-145)`). */
export function parseGitVersion(output: string): [number, number] | undefined {
  const m = /(\d+)\.(\d+)/.exec(output)
  return m ? [Number(m[1]), Number(m[2])] : undefined
}

export interface GitCommandManagerOptions {
  /** Parent environment to filter; defaults to process.env. */
  baseEnv?: NodeJS.ProcessEnv
  /** Called with each command line before it runs (arguments only; no values from the environment). */
  log?: (line: string) => void
  /**
   * The repository to use, fixed (createGit resolves it before the model runs). Without it git discovers the
   * repository from `cwd` on every call, following whatever `.git` is there at the time.
   */
  layout?: GitLayout
}

/**
 * GIT_DIR, GIT_COMMON_DIR and GIT_WORK_TREE for a fixed layout. GIT_DIR alone is not enough: git still reads
 * `$GIT_DIR/commondir` and then takes config, refs and objects from wherever it points; GIT_COMMON_DIR wins
 * over that file. A `.git` gitfile in the work tree is never read with GIT_DIR set, except when GIT_DIR itself
 * is one, which assertLayout refuses.
 */
function layoutEnv(layout: GitLayout | undefined): Record<string, string> {
  if (!layout) return {}
  return { GIT_DIR: layout.gitDir, GIT_COMMON_DIR: layout.commonDir, GIT_WORK_TREE: layout.workTree }
}

/**
 * Git follows a GIT_DIR that is a gitfile (`gitdir: /elsewhere`) and a symlink, so the fixed git directory
 * must still be a real directory when a command runs: the model may have replaced `.git`, and if the restore
 * could not undo that, the action's git must not run at all rather than run in someone else's repository.
 */
function assertLayout(layout: GitLayout | undefined): void {
  if (!layout) return
  for (const dir of new Set([layout.gitDir, layout.commonDir])) {
    let ok: boolean
    try {
      ok = lstatSync(dir).isDirectory()
    } catch {
      ok = false
    }
    if (!ok) throw new Error(`The git directory ${dir} is no longer a directory; refusing to run git.`)
  }
}

/**
 * Runs git in one working directory via spawn (never a shell) with an allowlisted environment, the `git`
 * found on PATH when it was created (see resolveGit), without global or system config, and with
 * `-c core.fsmonitor=false -c core.hooksPath=<null device> -c safe.directory=<workspace>` before every command.
 * Modeled on actions/checkout's git command manager.
 */
export class GitCommandManager implements Git {
  readonly cwd: string
  /** The repository every command uses, when fixed (see GitCommandManagerOptions.layout). */
  readonly layout?: GitLayout
  private readonly env: Record<string, string>
  /** The parent environment this manager was made from (createGit makes the fixed manager from the same one). */
  readonly baseEnv?: NodeJS.ProcessEnv
  private readonly configArgs: string[]
  private readonly gitPath: string
  private readonly log?: (line: string) => void

  constructor(cwd: string, opts: GitCommandManagerOptions = {}) {
    this.cwd = path.resolve(cwd)
    this.layout = opts.layout
    this.baseEnv = opts.baseEnv
    this.env = { ...gitEnv(opts.baseEnv), ...ATTRIBUTE_ISOLATION_ENV, ...layoutEnv(opts.layout) }
    this.configArgs = configArgs(this.cwd)
    this.gitPath = resolveGit(this.env.PATH)
    this.log = opts.log
  }

  /**
   * Runs `git <args>` in `cwd`. Throws GitError on a non-zero exit unless `allowFailure`. `env` is added for
   * this call only; it cannot turn global or system config back on. With `signal` or `timeoutMs`, git is
   * killed when either comes first (see stopProcess) and the result says so (GitResult.stopped).
   */
  exec(args: string[], opts: GitExecOptions = {}): Promise<GitResult> {
    this.log?.(`git ${args.join(' ')}`)
    const env = opts.env
      ? {
          ...this.env,
          ...opts.env,
          ...CONFIG_ISOLATION_ENV,
          ...ATTRIBUTE_ISOLATION_ENV,
          ...layoutEnv(this.layout),
        }
      : this.env
    try {
      assertLayout(this.layout)
    } catch (err) {
      return Promise.reject(err as Error)
    }
    const run = runProcess(this.gitPath, [...this.configArgs, ...args], this.cwd, env, opts)
    return run.then((result) => {
      if (result.exitCode !== 0 && !opts.allowFailure) throw new GitError(args, result)
      return result
    })
  }
}

/**
 * Runs one git process (never a shell) and collects its output as text. Rejects only when git could not run
 * (missing, cwd gone) or wrote more than MAX_BUFFER: nothing a caller could allow. With `signal` or
 * `timeoutMs` it resolves as soon as either comes first, with `stopped` set, and the process is ended.
 */
function runProcess(
  file: string,
  argv: string[],
  cwd: string,
  env: Record<string, string>,
  opts: GitExecOptions,
): Promise<GitResult> {
  const stoppable = opts.signal !== undefined || opts.timeoutMs !== undefined
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd,
      env,
      windowsHide: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a stop reaches the helpers it starts too (git-remote-https, pack-objects).
      detached: stoppable && process.platform !== 'win32',
    })
    let stdout = ''
    let stderr = ''
    let settled = false
    const onAbort = (): void => stop('aborted')
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), opts.timeoutMs) : undefined
    const settle = (done: () => void): void => {
      if (settled) return
      settled = true
      if (timer) clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      done()
    }
    const stop = (why: 'aborted' | 'timeout'): void => {
      if (settled) return
      stopProcess(child)
      const said =
        why === 'timeout'
          ? `git was stopped after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s without finishing (timed out)`
          : 'git was stopped because the run was cancelled (aborted)'
      const sep = stderr && !stderr.endsWith('\n') ? '\n' : ''
      settle(() => resolve({ exitCode: -1, stdout, stderr: `${stderr}${sep}${said}\n`, stopped: why }))
    }
    const collect = (which: 'stdout' | 'stderr') => (chunk: string) => {
      if (which === 'stdout') stdout += chunk
      else stderr += chunk
      if (stdout.length + stderr.length > MAX_BUFFER) {
        stopProcess(child)
        settle(() => reject(new Error(`git wrote more than ${MAX_BUFFER} bytes of output`)))
      }
    }
    child.stdout.setEncoding('utf8').on('data', collect('stdout'))
    child.stderr.setEncoding('utf8').on('data', collect('stderr'))
    child.on('error', (err) => settle(() => reject(err)))
    child.on('close', (code, signal) => {
      // Killed by someone else (code null): a failure with the signal's conventional exit status.
      const exitCode = code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)
      settle(() => resolve({ exitCode, stdout, stderr }))
    })
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    if (opts.signal?.aborted) stop('aborted')
  })
}

/** How long a stopped git gets to clean up (its lock files, temporary packs) before it is killed outright. */
const STOP_GRACE_MS = 2_000

/**
 * Ends a git that was stopped, with its helpers: SIGTERM to its process group (git removes its lock files on
 * it), then SIGKILL if anything is left after STOP_GRACE_MS. The caller does not wait for either.
 */
function stopProcess(child: ChildProcess): void {
  child.stdout?.destroy()
  child.stderr?.destroy()
  const pid = child.pid
  const kill = (sig: NodeJS.Signals): void => {
    try {
      if (pid !== undefined && process.platform !== 'win32') process.kill(-pid, sig)
      else child.kill(sig)
    } catch {
      // Already gone.
    }
  }
  kill('SIGTERM')
  setTimeout(() => kill('SIGKILL'), STOP_GRACE_MS).unref()
}

/**
 * Creates the git runner for `cwd` after checking that git is installed and `cwd` is inside a work tree.
 * Throws UserError otherwise (the usual cause is a workflow without actions/checkout).
 * Git older than 2.32 ignores GIT_CONFIG_GLOBAL; for it HOME points at the null device instead, so neither
 * `~/.gitconfig` nor `~/.config/git/config` can be found.
 */
export async function createGit(
  cwd: string,
  opts: GitCommandManagerOptions = {},
): Promise<GitCommandManager> {
  let git = new GitCommandManager(cwd, opts)
  try {
    const version = parseGitVersion((await git.exec(['--version'])).stdout)
    const [major, minor] = MIN_CONFIG_GLOBAL_VERSION
    if (version && (version[0] < major || (version[0] === major && version[1] < minor))) {
      git = new GitCommandManager(cwd, {
        ...opts,
        baseEnv: { ...(opts.baseEnv ?? process.env), HOME: devNull },
      })
    }
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
  return new GitCommandManager(cwd, { ...opts, baseEnv: git.baseEnv, layout: await resolveLayout(git) })
}

/**
 * The repository as it is now, before the model runs, as real paths. From here on every command uses it (see
 * layoutEnv): a `.git` gitfile or a `commondir` written later cannot move the action's git elsewhere.
 */
async function resolveLayout(git: GitCommandManager): Promise<GitLayout> {
  const r = await git.exec(['rev-parse', '--absolute-git-dir', '--git-common-dir', '--show-toplevel'])
  const [gitDir, commonDir, workTree] = r.stdout.split('\n').map((l) => l.trim())
  if (!gitDir || !commonDir || !workTree)
    throw new Error(`git rev-parse gave no repository layout: ${r.stdout}`)
  return {
    gitDir: realpathSync.native(gitDir),
    commonDir: realpathSync.native(path.resolve(git.cwd, commonDir)),
    workTree: realpathSync.native(workTree),
  }
}
