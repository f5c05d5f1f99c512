/**
 * The one process runner of the sandbox: every process the model causes (a bash command, the git behind glob and
 * grep, the isolation probe, an MCP server) is started here, so there is one place that decides how a process is
 * contained in time and output. Plain `spawn`, never a shell (unless argv names one).
 */
import { spawn } from 'node:child_process'
import { CappedOutput, HeadOutput, RecordStream, TailOutput } from './output.js'
import type {
  LongProcess,
  NetworkBlock,
  ProcessExit,
  ProcessResult,
  SpawnRequest,
  StartRequest,
} from './types.js'

/** After the process exits, how long to wait for background children still holding the pipes before killing them. */
export const EXIT_GRACE_MS = 500
/** How long a long-lived process being stopped gets after its stdin closes, and again after SIGTERM. */
export const STOP_GRACE_MS = 1_000

/** A {@link SpawnRequest} with the whole environment of the process (nothing is inherited). */
export interface ProcessSpec extends Omit<SpawnRequest, 'env'> {
  env: Record<string, string>
  /** What the message says could not be run when the spawn itself fails (default: argv[0]). */
  label?: string
}

/**
 * Runs one process in its own process group (killed whole on timeout, on abort, when `stdout` capture reaches
 * its cap or its record sink takes no more, and once the process has exited and its pipes are closed or the exit
 * grace is over), with stdin closed and output capped as `capture` says.
 * Never rejects: a process that cannot be started resolves with `spawnError` and the reason in `output`.
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const [file, ...args] = spec.argv
    const out =
      spec.capture === 'head-tail'
        ? new CappedOutput(spec.maxOutput)
        : spec.capture === 'tail'
          ? new TailOutput(spec.maxOutput)
          : new HeadOutput(spec.maxOutput)
    const err = spec.capture === 'stdout' ? new HeadOutput(spec.maxOutput) : undefined
    const records =
      spec.capture === 'stdout' && spec.records ? new RecordStream(spec.maxOutput, spec.records) : undefined
    let timedOut = false
    let aborted = false
    let settled = false
    // Isolated, `file` is unshare: it and the bash it forks (PID 1 of the new namespace) share this process group,
    // so the group kill below takes PID 1 down, and with it every process of the namespace, however detached.
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: spec.env,
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
    }, spec.timeoutMs)
    const onAbort = (): void => {
      aborted = true
      killGroup()
    }
    if (spec.signal?.aborted) onAbort()
    else spec.signal?.addEventListener('abort', onAbort, { once: true })

    let exitCode: number | null = null
    let exitSignal: NodeJS.Signals | null = null
    let graceTimer: NodeJS.Timeout | undefined
    const finish = (spawnError = false): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(graceTimer)
      spec.signal?.removeEventListener('abort', onAbort)
      // Nothing the command started outlives it (servers left in the background would hang the job).
      killGroup()
      if (exitCode !== null) records?.end()
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve({
        output: out.text(),
        stderr: err?.text() ?? '',
        code: exitCode,
        signal: exitSignal,
        timedOut,
        aborted,
        truncated: out.truncated || (records?.truncated ?? false),
        spawnError,
      })
    }
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      // Handed over as it comes (a search): once the sink has enough, the rest is not worth waiting for.
      if (records) {
        if (!records.push(c)) killGroup()
        return
      }
      out.push(c)
      // Kept from its start (a search): once the cap is reached, the rest is not worth waiting for.
      if (spec.capture === 'stdout' && out.truncated) killGroup()
    })
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (err ?? out).push(c))
    child.on('error', (e) => {
      out.push(`Could not run ${spec.label ?? file}: ${e.message}\n`)
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

/** A {@link StartRequest} with the whole environment of the process (nothing is inherited). */
export interface LongProcessSpec extends Omit<StartRequest, 'env'> {
  env: Record<string, string>
  /** What the message says could not be run when the spawn itself fails (default: argv[0]). */
  label?: string
  /** The sandbox's record of the connections it refused from this process (default: none). */
  blocked?: () => NetworkBlock[]
}

/**
 * Starts one long-lived process in its own process group, with stdin and stdout as pipes and the end of stderr
 * kept. The group is killed whole when the run's signal fires, when the process is stopped, and once it has
 * exited (nothing it started outlives it). Never throws: a spawn that fails settles `exited` with `spawnError`.
 */
export function startProcess(spec: LongProcessSpec): LongProcess {
  const [file, ...args] = spec.argv
  const err = new TailOutput(spec.maxStderr)
  const child = spawn(file, args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true, // its own process group, so the whole tree can be killed
  })
  const killGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return
    try {
      process.kill(-child.pid, signal)
    } catch {
      // already gone
    }
  }
  const onAbort = (): void => killGroup('SIGKILL')
  let settle: (exit: ProcessExit) => void = () => undefined
  const exited = new Promise<ProcessExit>((resolve) => (settle = resolve))
  let settled = false
  let exit: ProcessExit = { code: null, signal: null }
  let graceTimer: NodeJS.Timeout | undefined
  const finish = (spawnError?: string): void => {
    if (settled) return
    settled = true
    clearTimeout(graceTimer)
    spec.signal?.removeEventListener('abort', onAbort)
    killGroup('SIGKILL')
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy()
    settle(spawnError === undefined ? exit : { ...exit, spawnError })
  }
  // A write after the process ended fails with EPIPE: the end is reported through `exited`, not thrown.
  child.stdin?.on('error', () => undefined)
  child.stderr?.setEncoding('utf8').on('data', (c: string) => err.push(c))
  child.on('error', (e) => finish(`Could not run ${spec.label ?? file}: ${e.message}`))
  child.on('exit', (code, signal) => {
    exit = { code, signal }
    graceTimer = setTimeout(() => finish(), EXIT_GRACE_MS)
  })
  child.on('close', () => finish())
  if (spec.signal?.aborted) onAbort()
  else spec.signal?.addEventListener('abort', onAbort, { once: true })

  let stopping: Promise<ProcessExit> | undefined
  return {
    // stdio is ['pipe', 'pipe', 'pipe']: these streams exist.
    stdin: child.stdin!,
    stdout: child.stdout!,
    stderr: () => err.text(),
    exited,
    blocked: spec.blocked ?? (() => []),
    stop(now = false) {
      if (now || spec.signal?.aborted) killGroup('SIGKILL')
      stopping ??= (async (): Promise<ProcessExit> => {
        child.stdin?.end()
        if (await endsWithin(exited, STOP_GRACE_MS)) return exited
        killGroup('SIGTERM')
        if (await endsWithin(exited, STOP_GRACE_MS)) return exited
        killGroup('SIGKILL')
        return exited
      })()
      return stopping
    },
  }
}

/** True when `p` settles within `ms`. */
async function endsWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([p.then(() => true as const), late])
  } finally {
    clearTimeout(timer)
  }
}

/** The long-lived processes a sandbox started that are still running, for stopping them all at the end. */
export class LiveProcesses {
  private readonly live = new Map<LongProcess, Promise<void>>()

  /** Tracks `proc` until it ends; `onEnd` then runs (before a {@link stopAll} waiting for it resolves). */
  add(proc: LongProcess, onEnd: () => void = () => undefined): void {
    this.live.set(
      proc,
      proc.exited.then(() => {
        this.live.delete(proc)
        onEnd()
      }),
    )
  }

  /** Kills every one still running and waits until each has ended. Returns how many there were. */
  async stopAll(): Promise<number> {
    const entries = [...this.live]
    await Promise.all(entries.map(([proc, ended]) => proc.stop(true).then(() => ended)))
    return entries.length
  }
}
