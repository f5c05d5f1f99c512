import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { access, readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { ToolError } from './errors.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

/** Longest output sent back; head and tail are kept. */
export const MAX_BASH_OUTPUT = 30_000
export const BASH_TIMEOUT_MS = 120_000
/** After bash exits, how long to wait for background children still holding the pipes before killing them. */
const EXIT_GRACE_MS = 500

/**
 * Name of the variable every bash tool command gets, with a value random per process (per module load), so the
 * processes the model started can be found after the run even when they left the tool's process group.
 * Only bash tool commands carry it (not allowlistedEnv, so the action's own git never does).
 */
export const TOOL_RUN_MARKER_NAME = 'IMPLEMENT_ACTION_TOOL_RUN'
const TOOL_RUN_MARKER_VALUE = randomBytes(16).toString('hex')
const TOOL_RUN_MARKER = `${TOOL_RUN_MARKER_NAME}=${TOOL_RUN_MARKER_VALUE}`

export interface BashOptions {
  timeoutMs?: number
  maxOutput?: number
  /**
   * Run commands in their own user, PID and mount namespaces (see {@link isolationStatus}). `false` never does;
   * the default (and `true`) does whenever this machine allows it and falls back to a plain spawn otherwise.
   */
  isolate?: boolean
}

/** Whether bash tool commands run in their own namespaces on this machine, and if not, why not. */
export interface IsolationStatus {
  isolated: boolean
  /** Why commands are not isolated (only when `isolated` is false). */
  reason?: string
}

/**
 * The Anthropic bash tool (`bash_20250124`). Each call is a fresh `bash -c` in the workspace with the allowlisted
 * env, its own process group (killed whole on timeout or abort), stdin closed, and output capped.
 * Where the kernel allows it, the command runs inside fresh user + PID + mount namespaces with a private /proc
 * (`unshare --user --map-current-user --pid --fork --mount-proc --kill-child`), so it sees only its own processes
 * and cannot read the environment (the action's inputs and tokens) of the action's processes through /proc.
 */
export function createBashTool(opts: BashOptions = {}): Tool {
  return {
    name: 'bash',
    definition: { type: 'bash_20250124', name: 'bash' },
    isReadOnly: () => false,
    run: (input, ctx) => runBash((input ?? {}) as { command?: unknown; restart?: unknown }, ctx, opts),
  }
}

async function runBash(
  input: { command?: unknown; restart?: unknown },
  ctx: ToolContext,
  opts: BashOptions,
): Promise<ToolOutcome> {
  if (input.restart === true) {
    return {
      content:
        'The bash session was restarted. Each command runs in a fresh `bash -c` in the repository root, so ' +
        'working directory and exported variables never carry over between calls.',
    }
  }
  if (typeof input.command !== 'string' || input.command.trim() === '') {
    throw new ToolError('Parameter `command` is required (or `restart: true`).')
  }
  const timeoutMs = opts.timeoutMs ?? BASH_TIMEOUT_MS
  const isolation = opts.isolate === false ? undefined : await probeIsolation()
  const argv = ['bash', '-c', input.command]
  const [file, ...args] = isolation?.prefix ? [...isolation.prefix, ...argv] : argv
  const result = await exec(file, args, ctx, timeoutMs, opts.maxOutput ?? MAX_BASH_OUTPUT)
  const parts = [result.output.replace(/\s+$/, '')]
  if (result.timedOut) {
    parts.push(`[command timed out after ${Math.round(timeoutMs / 1000)} s and was killed]`)
  } else if (result.aborted) {
    parts.push('[command killed: the run is stopping]')
  } else {
    parts.push(result.signal ? `[killed by ${result.signal}]` : `[exit code ${result.code}]`)
  }
  return {
    content: parts.filter((p) => p !== '').join('\n'),
    isError: result.timedOut || result.aborted || result.spawnError,
  }
}

interface ExecResult {
  output: string
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  aborted: boolean
  spawnError: boolean
}

function exec(
  file: string,
  args: string[],
  ctx: ToolContext,
  timeoutMs: number,
  maxOutput: number,
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const out = new CappedOutput(maxOutput)
    let timedOut = false
    let aborted = false
    let settled = false
    // Isolated, `file` is unshare: it and the bash it forks (PID 1 of the new namespace) share this process group,
    // so the group kill below takes PID 1 down, and with it every process of the namespace, however detached.
    const child = spawn(file, args, {
      cwd: ctx.workspace,
      env: { ...ctx.env, PAGER: 'cat', GIT_PAGER: 'cat', [TOOL_RUN_MARKER_NAME]: TOOL_RUN_MARKER_VALUE },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so the whole tree can be killed
    })
    const killGroup = (): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, timeoutMs)
    const onAbort = (): void => {
      aborted = true
      killGroup()
    }
    if (ctx.signal?.aborted) onAbort()
    else ctx.signal?.addEventListener('abort', onAbort, { once: true })

    let exitCode: number | null = null
    let exitSignal: NodeJS.Signals | null = null
    let graceTimer: NodeJS.Timeout | undefined
    const finish = (spawnError = false): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(graceTimer)
      ctx.signal?.removeEventListener('abort', onAbort)
      // Nothing the command started outlives it (servers left in the background would hang the job).
      killGroup()
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve({ output: out.text(), code: exitCode, signal: exitSignal, timedOut, aborted, spawnError })
    }
    child.stdout?.setEncoding('utf8').on('data', (c: string) => out.push(c))
    child.stderr?.setEncoding('utf8').on('data', (c: string) => out.push(c))
    child.on('error', (err) => {
      out.push(`Could not run bash: ${err.message}\n`)
      finish(true)
    })
    child.on('exit', (code, signal) => {
      exitCode = code
      exitSignal = signal
      graceTimer = setTimeout(() => finish(), EXIT_GRACE_MS)
    })
    child.on('close', () => finish())
  })
}

/** Seconds-scale bound on the one-off probe; a working unshare answers in milliseconds. */
const PROBE_TIMEOUT_MS = 5_000

interface Isolation extends IsolationStatus {
  /** `[unshare, ...flags, '--']`, to put before `bash -c <command>`; only when isolated. */
  prefix?: string[]
}

let probed: Promise<Isolation> | undefined

/**
 * Whether bash tool commands run in their own user + PID + mount namespaces on this machine (probed once per
 * process, then cached), with the reason when they do not: not Linux, no `unshare` (util-linux), or the kernel
 * refusing unprivileged user namespaces (sysctl `kernel.unprivileged_userns_clone`, `user.max_user_namespaces`,
 * AppArmor's `kernel.apparmor_restrict_unprivileged_userns` on Ubuntu 23.10+, seccomp in containers).
 */
export async function isolationStatus(): Promise<IsolationStatus> {
  const { isolated, reason } = await probeIsolation()
  return isolated ? { isolated } : { isolated, reason }
}

function probeIsolation(): Promise<Isolation> {
  probed ??= detectIsolation().catch((err: unknown) => ({
    isolated: false,
    reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
  }))
  return probed
}

async function detectIsolation(): Promise<Isolation> {
  if (process.platform !== 'linux')
    return { isolated: false, reason: `namespaces need Linux, not ${process.platform}` }
  const unshare = await findExecutable('unshare')
  if (!unshare) return { isolated: false, reason: 'the `unshare` command (util-linux) is not installed' }
  const help = await runQuietly(unshare, ['--help'])
  const supports = (flag: string): boolean =>
    new RegExp(`(^|[\\s,])${flag}([\\s=[]|$)`, 'm').test(help.output)
  // util-linux >= 2.38 maps the user to itself; before that, to root inside (still the real uid outside).
  const mapUser = ['--map-current-user', '--map-root-user'].find(supports)
  if (!mapUser)
    return { isolated: false, reason: `${unshare} supports neither --map-current-user nor --map-root-user` }
  const missing = ['--user', '--pid', '--fork', '--mount-proc'].filter((f) => !supports(f))
  if (missing.length) return { isolated: false, reason: `${unshare} lacks ${missing.join(', ')}` }
  // --kill-child (util-linux >= 2.32): the namespace dies with unshare even if only unshare is killed.
  const flags = [
    '--user',
    mapUser,
    '--pid',
    '--fork',
    '--mount-proc',
    ...(supports('--kill-child') ? ['--kill-child'] : []),
  ]
  // The exact wrapper; `$$` is 1 only inside a fresh PID namespace.
  const probe = await runQuietly(unshare, [...flags, '--', 'bash', '-c', 'test "$$" = 1'])
  if (probe.code !== 0) {
    const why =
      probe.output.trim().split('\n').pop() || (probe.timedOut ? 'timed out' : `exit code ${probe.code}`)
    const hint = /not permitted|permission denied|no space left/i.test(why)
      ? ' (unprivileged user namespaces are disabled or restricted on this machine)'
      : ''
    return { isolated: false, reason: `\`unshare ${flags.join(' ')}\` failed: ${why}${hint}` }
  }
  return { isolated: true, prefix: [unshare, ...flags, '--'] }
}

/** Absolute path of `name` on this process's PATH (or the usual system dirs), if executable. */
async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (!path.isAbsolute(dir)) continue
    const candidate = path.join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** Runs a probe command with a minimal env (no secrets), in its own process group killed on timeout. */
function runQuietly(
  file: string,
  args: string[],
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    let output = ''
    let timedOut = false
    const child = spawn(file, args, {
      cwd: '/',
      env: { PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const timer = setTimeout(() => {
      timedOut = true
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }, PROBE_TIMEOUT_MS)
    const collect = (c: string): void => {
      if (output.length < 100_000) output += c
    }
    child.stdout?.setEncoding('utf8').on('data', collect)
    child.stderr?.setEncoding('utf8').on('data', collect)
    child.on('error', (err) => {
      clearTimeout(timer)
      resolve({ code: null, output: `${output}${err.message}`, timedOut })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output, timedOut })
    })
  })
}

interface ProcInfo {
  pid: number
  ppid: number
  marked: boolean
}

/** This user's processes (except this one) with their parent and whether they carry the marker. Linux only. */
async function scanProcesses(): Promise<ProcInfo[]> {
  const uid = process.getuid?.()
  const names = await readdir('/proc').catch(() => [] as string[])
  const found: ProcInfo[] = []
  await Promise.all(
    names.map(async (name) => {
      if (!/^\d+$/.test(name)) return
      const pid = Number(name)
      if (pid === process.pid) return
      try {
        if (uid !== undefined && (await stat(`/proc/${pid}`)).uid !== uid) return
        const [environ, statLine] = await Promise.all([
          readFile(`/proc/${pid}/environ`, 'latin1'),
          readFile(`/proc/${pid}/stat`, 'latin1'),
        ])
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so parse after the last ')'.
        const [state, ppid] = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')
        if (state === 'Z' || state === 'X') return // already dead, waiting to be reaped
        found.push({ pid, ppid: Number(ppid), marked: environ.split('\0').includes(TOOL_RUN_MARKER) })
      } catch {
        // gone meanwhile, or not ours to read
      }
    }),
  )
  return found
}

/** Sends `signal` to `pid`; false if the process is gone (or not ours). */
function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/**
 * Kills every process the bash tool started that is still running, however it detached (`setsid`, `nohup`,
 * double fork): the processes of this user whose environment carries this process's IMPLEMENT_ACTION_TOOL_RUN
 * marker, plus their descendants. They are stopped first (SIGSTOP, so none can fork meanwhile) and rescanned
 * until no new one appears, then killed with SIGKILL. Returns how many were killed; 0 on platforms other
 * than Linux. Call it after the agent loop and before the credential comes back.
 * Limit: a process that removed the marker from its own environment (`env -i`, `env -u`) and left the process
 * tree (setsid and its parent exited) is not found.
 */
export async function stopStrayToolProcesses(): Promise<number> {
  if (process.platform !== 'linux') return 0
  const stopped = new Set<number>()
  for (let pass = 0; pass < 50; pass++) {
    const procs = await scanProcesses()
    const targets = new Set(procs.filter((p) => p.marked).map((p) => p.pid))
    for (const pid of stopped) targets.add(pid)
    // Descendants of a tool process are the tool's too, whatever their environment says.
    for (let grew = true; grew;) {
      grew = false
      for (const p of procs) {
        if (!targets.has(p.pid) && targets.has(p.ppid)) {
          targets.add(p.pid)
          grew = true
        }
      }
    }
    let fresh = 0
    for (const pid of targets) {
      if (stopped.has(pid)) continue
      if (signalProcess(pid, 'SIGSTOP')) {
        stopped.add(pid)
        fresh++
      }
    }
    if (fresh === 0) break
  }
  let killed = 0
  for (const pid of stopped) if (signalProcess(pid, 'SIGKILL')) killed++
  return killed
}

/** Keeps the first and last halves of a long output without holding all of it in memory. */
class CappedOutput {
  private head = ''
  private tail = ''
  private dropped = 0

  constructor(private readonly max: number) {}

  push(s: string): void {
    const half = Math.floor(this.max / 2)
    if (this.head.length < half) {
      const take = s.slice(0, half - this.head.length)
      this.head += take
      s = s.slice(take.length)
    }
    if (!s) return
    this.tail += s
    if (this.tail.length > this.max - half) {
      const cut = this.tail.length - (this.max - half)
      this.dropped += cut
      this.tail = this.tail.slice(cut)
    }
  }

  text(): string {
    if (this.dropped === 0) return this.head + this.tail
    return `${this.head}\n\n[… ${this.dropped} characters of output truncated …]\n\n${this.tail}`
  }
}
