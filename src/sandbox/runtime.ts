/**
 * The sandbox of a run, built on @anthropic-ai/sandbox-runtime (bubblewrap, socat and a filtering proxy on
 * Linux). Each process the model causes runs in its own bubblewrap: its own user, PID and mount namespaces with
 * a private /proc (no other process of the machine is visible, so no /proc/<pid>/environ of the action), the
 * root file system read-only except the workspace and the run's private temp directory, the workspace's git
 * metadata read-only, the runner's secret places hidden, no network namespace of its own (only the proxy, which
 * lets through the hosts `allowed-domains` lists and records the rest), and seccomp refusing new Unix sockets.
 * When the command ends, its PID namespace ends and every process it started dies with it.
 */
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { lstat, mkdtemp, realpath, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { SandboxManager as Manager, SandboxRuntimeConfig } from '@anthropic-ai/sandbox-runtime'
import { findExecutable, isGitHubHosted, prepareHost, SANDBOX_PACKAGES } from './host-setup.js'
import { processEnv } from './plain.js'
import { gitMetadataPaths, gitSecretReadPaths, secretReadPaths } from './policy.js'
import { LiveProcesses, runProcess, startProcess } from './process.js'
import { stopStrayProcesses } from './strays.js'
import type {
  LongProcess,
  NetworkBlock,
  ProcessResult,
  Sandbox,
  SandboxStatus,
  SpawnRequest,
  StartRequest,
} from './types.js'

/** Environment variable naming the bubblewrap binary to use (tests point it at a missing one). */
export const BWRAP_PATH_VARIABLE = 'IMPLEMENT_ACTION_BWRAP'
/** Characters of a command kept in a {@link NetworkBlock}. */
const COMMAND_CHARS = 200
const PROBE_TIMEOUT_MS = 30_000
/**
 * Set in every sandboxed process: the home directory's git config is hidden (unreadable), and git stops at an
 * unreadable global config, so git reads none.
 */
const SANDBOX_ENV = { GIT_CONFIG_GLOBAL: '/dev/null' }

export interface RuntimeSandboxOptions {
  /** The whole environment of sandboxed processes (see allowlistedEnv); nothing else is inherited. */
  env: Record<string, string>
  /** The checkout (a real path): the only place commands may write, its git metadata excepted. */
  workspace: string
  /** Hosts the proxy lets through (`allowed-domains`); `['*']` lets every host through. Empty: no network. */
  allowedDomains: string[]
  /** The runner's environment: HOME, RUNNER_TEMP, RUNNER_WORKSPACE, RUNNER_ENVIRONMENT, PATH, the bwrap knob. */
  hostEnv?: NodeJS.ProcessEnv
  /** Install missing packages and lift the AppArmor restriction if needed (default: on GitHub-hosted runners). */
  prepareHost?: boolean
  /** The run's cancellation: once it fired, a sandbox that is not ready is not prepared (no `sudo apt-get`). */
  signal?: AbortSignal
  log?: (line: string) => void
}

export interface RuntimeSandbox extends Sandbox {
  blocked(): NetworkBlock[]
}

// sandbox-runtime keeps one session per process (its proxies); every sandbox of this process shares it and
// passes its own file system policy and allow list with each command.
let session: Promise<void> | undefined
/**
 * sandbox-runtime, imported with the session's start: with node-forge and zod it is 2 MB of the bundle, which a
 * run that ends before any command (no permission, a bad id, a question) never loads.
 */
let manager: typeof Manager | undefined
let inFlight = 0
/** Commands running for a sandbox with `allowed-domains: *`; the session's ask callback lets them through. */
let unrestrictedInFlight = 0

function startSession(bwrapPath: string): Promise<void> {
  const config: SandboxRuntimeConfig = {
    network: { allowedDomains: [], deniedDomains: [] },
    filesystem: { denyRead: [], allowWrite: [], denyWrite: [] },
    bwrapPath,
    // sandbox-runtime also protects shell rc files, editor settings and nested repositories' hooks below the
    // workspace, found by a ripgrep walk on every command. The workspace's own git metadata is denied here
    // anyway, and the model may edit any other file of the checkout through its editor, so the walk stays at
    // the top level (it costs ~25 ms a command on a 5,000-file checkout at its default depth of 3).
    mandatoryDenySearchDepth: 1,
  }
  // One sandbox per run in the action; in tests, an unrestricted sandbox's commands widen only while they run.
  session ??= import('@anthropic-ai/sandbox-runtime')
    .then(({ SandboxManager }) => {
      manager = SandboxManager
      return SandboxManager.initialize(config, () => Promise.resolve(unrestrictedInFlight > 0))
    })
    .then(keepSignalsFatal, (err: unknown) => {
      session = undefined
      throw err
    })
  return session
}

let signalsKept = false
/**
 * sandbox-runtime cleans up on SIGINT and SIGTERM with listeners of its own, and a listener keeps Node from
 * ending on the signal: a process that does not handle the signal itself would go on running. After its
 * clean-up, the signal ends the process as it did before, unless the process listens for it itself (the
 * action does: src/pipeline/cancellation.ts keeps the work, then exits).
 */
function keepSignalsFatal(): void {
  if (signalsKept) return
  signalsKept = true
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () =>
      setImmediate(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
      }),
    )
}

/** How one sandbox runs a command: its environment, its network allow list, its file system policy. */
interface Runner {
  env: Record<string, string>
  allowedDomains: string[]
  bwrapPath: string
  policy: Policy
  /** Where each refused connection is recorded for the run. */
  blocks: NetworkBlock[]
}

/** One command wrapped for the sandbox: what to spawn, and what to undo once it has ended. */
interface Wrapped {
  argv: string[]
  env: Record<string, string>
  /** The connections the proxy refused from it so far, one per destination. */
  blocked(): NetworkBlock[]
  /** Its network list unregistered and the shared mount points removed once no command needs them; once. */
  release(): void
}

/** Wraps one command with bubblewrap (its own network list registered while it runs). Throws when it cannot. */
async function wrapCommand(
  req: Pick<SpawnRequest, 'argv' | 'cwd' | 'env' | 'signal' | 'display'>,
  r: Runner,
): Promise<Wrapped> {
  const commandId = randomBytes(16).toString('base64url')
  const display = displayCommand(req)
  const unrestricted = r.allowedDomains.includes('*')
  inFlight++
  if (unrestricted) unrestrictedInFlight++
  let released = false
  const release = (): void => {
    if (released) return
    released = true
    manager?.unregisterCommandNetworkLists(commandId)
    if (unrestricted) unrestrictedInFlight--
    inFlight--
    // Once per wrap, as sandbox-runtime counts them: the mount points of wraps are shared, and it removes them
    // once no wrapped command of this process still runs (a long-lived MCP server holds them until it ends).
    manager?.cleanupAfterCommand()
  }
  try {
    await startSession(r.bwrapPath)
    if (!unrestricted && r.allowedDomains.length)
      manager!.registerCommandNetworkLists(commandId, { allowedDomains: r.allowedDomains })
    const { argv } = await manager!.wrapWithSandboxArgv(
      innerCommand(req.argv, r.policy.tmpdir),
      'bash',
      { filesystem: r.policy.filesystem },
      req.signal,
      req.cwd,
      { commandId, commandText: display },
    )
    return {
      argv,
      env: { ...processEnv(r.env, req), ...SANDBOX_ENV },
      blocked: () => networkBlocks(commandId, display),
      release,
    }
  } catch (err) {
    release()
    throw err
  }
}

/** Wraps one command with bubblewrap and runs it through the one process runner. Never throws. */
async function runSandboxed(req: SpawnRequest, r: Runner): Promise<ProcessResult> {
  let wrapped: Wrapped
  try {
    wrapped = await wrapCommand(req, r)
  } catch (err) {
    if (req.signal?.aborted) return { ...failed(''), output: '', spawnError: false, aborted: true }
    return failed(`The sandbox could not run ${req.argv[0]}: ${errorText(err)}`)
  }
  try {
    const result = await runProcess({ ...req, argv: wrapped.argv, env: wrapped.env, label: req.argv[0] })
    const found = wrapped.blocked()
    r.blocks.push(...found)
    return found.length ? { ...result, blocked: found } : result
  } finally {
    wrapped.release()
  }
}

/**
 * Starts a long-lived process in its own bubblewrap. Its wrap (network list, mount points) lasts until it ends;
 * then what the proxy refused from it joins the run's record.
 */
async function startSandboxed(req: StartRequest, r: Runner, live: LiveProcesses): Promise<LongProcess> {
  let wrapped: Wrapped
  try {
    wrapped = await wrapCommand(req, r)
  } catch (err) {
    throw new Error(`The sandbox could not start ${req.argv[0]}: ${errorText(err)}`, { cause: err })
  }
  const proc = startProcess({
    ...req,
    argv: wrapped.argv,
    env: wrapped.env,
    label: req.argv[0],
    blocked: wrapped.blocked,
  })
  live.add(proc, () => {
    r.blocks.push(...wrapped.blocked())
    wrapped.release()
  })
  return proc
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** The programs the sandbox runs, found on the runner's PATH; `missing` names what is not there. */
async function findPrograms(hostEnv: NodeJS.ProcessEnv): Promise<{ bwrap?: string; missing?: string }> {
  const names = [hostEnv[BWRAP_PATH_VARIABLE] || 'bwrap', 'socat', 'rg']
  const found = await Promise.all(names.map((name) => findExecutable(name, hostEnv.PATH)))
  const missing = names
    .filter((_, i) => !found[i])
    .map((m) => `${m} (package ${SANDBOX_PACKAGES[path.basename(m)] ?? path.basename(m)})`)
  return missing.length ? { missing: `missing on this runner: ${missing.join(', ')}` } : { bwrap: found[0] }
}

/**
 * Why the sandbox cannot run commands here, or undefined when it can: the platform, the programs, the
 * runtime's own checks (the seccomp helper included), then one real command in it.
 */
async function whyNotReady(
  opts: RuntimeSandboxOptions,
  hostEnv: NodeJS.ProcessEnv,
  runner: (bwrapPath: string) => Promise<Runner>,
): Promise<string | undefined> {
  if (process.platform !== 'linux')
    return `the sandbox needs Linux with bubblewrap; this runner is ${process.platform}`
  const programs = await findPrograms(hostEnv)
  if (!programs.bwrap) return programs.missing
  try {
    await startSession(programs.bwrap)
  } catch (err) {
    return `the sandbox runtime did not start: ${errorText(err)}`
  }
  const deps = manager!.checkDependencies()
  const problems = [...deps.errors, ...deps.warnings.filter((w) => /seccomp/i.test(w))]
  if (problems.length) return problems.join('; ')
  const probe = await runSandboxed(
    {
      argv: ['bash', '-c', 'echo sandbox-ok'],
      cwd: opts.workspace,
      timeoutMs: PROBE_TIMEOUT_MS,
      maxOutput: 4000,
      capture: 'head-tail',
    },
    await runner(programs.bwrap),
  )
  if (probe.code === 0 && probe.output.includes('sandbox-ok')) return undefined
  const why =
    probe.output.trim().split('\n').pop() || (probe.timedOut ? 'timed out' : `exit code ${probe.code}`)
  const userns = /permission|not permitted|uid map|namespace/i.test(why)
    ? ' (unprivileged user namespaces are disabled or restricted on this machine)'
    : ''
  return `bubblewrap could not start a sandbox: ${why}${userns}`
}

/** A sandbox built on @anthropic-ai/sandbox-runtime. Fails closed: when it cannot start, nothing runs. */
export function createRuntimeSandbox(opts: RuntimeSandboxOptions): RuntimeSandbox {
  const hostEnv = opts.hostEnv ?? process.env
  const log = opts.log ?? ((): void => undefined)
  const blocks: NetworkBlock[] = []
  const live = new LiveProcesses()
  let policy: Promise<Policy> | undefined
  let ready: Runner | undefined
  const runner = async (bwrapPath: string): Promise<Runner> => {
    policy ??= buildPolicy(opts.workspace, hostEnv)
    ready = { env: opts.env, allowedDomains: opts.allowedDomains, bwrapPath, policy: await policy, blocks }
    return ready
  }
  let probed: Promise<SandboxStatus> | undefined
  const status = (): Promise<SandboxStatus> => {
    probed ??= (async (): Promise<SandboxStatus> => {
      let why = await whyNotReady(opts, hostEnv, runner)
      if (why && !opts.signal?.aborted && (opts.prepareHost ?? isGitHubHosted(hostEnv))) {
        log(`sandbox: not ready (${why}); preparing this GitHub-hosted runner`)
        const programs = Object.keys(SANDBOX_PACKAGES)
        const found = await Promise.all(programs.map((p) => findExecutable(p, hostEnv.PATH)))
        await prepareHost(
          programs.filter((_, i) => !found[i]),
          log,
        )
        why = await whyNotReady(opts, hostEnv, runner)
      }
      return why ? { isolated: false, reason: why } : { isolated: true }
    })()
    return probed
  }

  return {
    status,
    async spawn(req) {
      const s = await status()
      // Fail closed: never run a process of the model outside the sandbox.
      if (!s.isolated || !ready)
        return failed(`The sandbox is not available: ${s.reason ?? 'unknown reason'}`)
      return runSandboxed(req, ready)
    },
    async start(req) {
      const s = await status()
      if (!s.isolated || !ready)
        throw new Error(`The sandbox is not available: ${s.reason ?? 'unknown reason'}`)
      return startSandboxed(req, ready, live)
    },
    // Every process of a command dies with its PID namespace; the marker sweep is the second line of defence.
    reap: async () => (await live.stopAll()) + (await stopStrayProcesses()),
    blocked: () => [...blocks],
    async close() {
      await live.stopAll()
      const dir = await policy?.then((p) => p.tmpdir).catch(() => undefined)
      if (dir) {
        await rm(dir, { recursive: true, force: true }).catch(() => undefined)
        tmpdirs.delete(dir)
      }
      // The session is this process's: stopped once no command of any sandbox still runs.
      if (inFlight > 0 || !session) return
      const stopping = session
      session = undefined
      await stopping.then(() => manager?.reset()).catch(() => undefined)
    },
  }
}

interface Policy {
  tmpdir: string
  filesystem: SandboxRuntimeConfig['filesystem']
}

/** Writes: the workspace and a private temp directory; never the git metadata; no reads of secret places. */
async function buildPolicy(workspace: string, hostEnv: NodeJS.ProcessEnv): Promise<Policy> {
  const tmpdir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'implement-action-sandbox-')))
  removeAtExit(tmpdir)
  const metadata = await gitMetadataPaths(workspace)
  const named = [...secretReadPaths(hostEnv), ...(await gitSecretReadPaths(metadata))]
  // Through a symlink too: the real place is what a command would read.
  const real = await Promise.all(named.map((p) => realpath(p).catch(() => p)))
  const secrets = [...new Set([...named, ...real])]
  return {
    tmpdir,
    filesystem: {
      allowWrite: [workspace, tmpdir],
      denyWrite: metadata,
      // Those that exist when the run starts (the model cannot create any: it writes only in the workspace);
      // each listed path costs every command's wrap a look-up.
      denyRead: (await existing(secrets)).map((p) => ({ path: p, literal: true as const })),
    },
  }
}

const tmpdirs = new Set<string>()
/** The private temp directories go when the process ends, closed or not (one exit listener for all). */
function removeAtExit(dir: string): void {
  if (tmpdirs.size === 0)
    process.once('exit', () => {
      for (const d of tmpdirs) rmSync(d, { recursive: true, force: true })
    })
  tmpdirs.add(dir)
}

async function existing(paths: string[]): Promise<string[]> {
  const found = await Promise.all(
    paths.map((p) =>
      lstat(p).then(
        () => true,
        () => false,
      ),
    ),
  )
  return paths.filter((_, i) => found[i])
}

/** The command bubblewrap runs: argv quoted for bash, the private TMPDIR, every connection through the proxy. */
function innerCommand(argv: string[], tmpdir: string): string {
  // NO_PROXY would send loopback and private addresses past the proxy (and so past allowed-domains and the
  // record of what was blocked); without it, every proxy-aware client asks the proxy.
  // HOME is read-only inside: each usual cache (npm, pip, Go, XDG) that is unset or not writable goes to the
  // private temp directory.
  const inTmp = (name: string): string => tmpdir.replace(/["$`\\]/g, '\\$&') + '/' + name
  const caches = Object.entries({
    XDG_CACHE_HOME: 'cache',
    npm_config_cache: 'npm',
    GOCACHE: 'go-build',
    PIP_CACHE_DIR: 'pip',
  })
    .map(
      ([name, dir]) =>
        `{ [ -n "\${${name}:-}" ] && mkdir -p "$${name}" && [ -w "$${name}" ]; } 2>/dev/null || export ${name}="${inTmp(dir)}"; `,
    )
    .join('')
  return `export TMPDIR=${quote(tmpdir)}; ${caches}unset NO_PROXY no_proxy; exec ${argv.map(quote).join(' ')}`
}

function quote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/** What a command is called in reports: what the request says, the bash command as written, else the argv. */
function displayCommand({ argv, display }: Pick<SpawnRequest, 'argv' | 'display'>): string {
  const plainBash = argv[0] === 'bash' && argv[1] === '-c' && argv.length === 3
  const text = display ?? (plainBash ? argv[2] : argv.join(' '))
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > COMMAND_CHARS ? `${line.slice(0, COMMAND_CHARS - 1)}…` : line
}

/** The proxy's refusals for one command (`deny network-outbound host:port (reason)`), one per destination. */
function networkBlocks(commandId: string, command: string): NetworkBlock[] {
  const seen = new Set<string>()
  const out: NetworkBlock[] = []
  for (const v of manager?.getSandboxViolationStore().getViolationsForCommand(commandId) ?? []) {
    const target = /^deny network-outbound (\S+)/.exec(v.line)?.[1]
    if (!target || seen.has(target)) continue
    seen.add(target)
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(target)
    const host = (m?.[1] ?? target).replace(/^\[|\]$/g, '')
    out.push({ host, ...(m?.[2] ? { port: Number(m[2]) } : {}), command })
  }
  return out
}

function failed(message: string): ProcessResult {
  return {
    output: `${message}\n`,
    stderr: '',
    code: null,
    signal: null,
    timedOut: false,
    aborted: false,
    truncated: false,
    spawnError: true,
  }
}
