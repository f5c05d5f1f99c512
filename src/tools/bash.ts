import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
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
}

/**
 * The Anthropic bash tool (`bash_20250124`). Each call is a fresh `bash -c` in the workspace with the allowlisted
 * env, its own process group (killed whole on timeout or abort), stdin closed, and output capped.
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
  const result = await exec(input.command, ctx, timeoutMs, opts.maxOutput ?? MAX_BASH_OUTPUT)
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

function exec(command: string, ctx: ToolContext, timeoutMs: number, maxOutput: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const out = new CappedOutput(maxOutput)
    let timedOut = false
    let aborted = false
    let settled = false
    const child = spawn('bash', ['-c', command], {
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
