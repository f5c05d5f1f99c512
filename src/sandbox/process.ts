/**
 * The one process runner of the sandbox: every process the model causes (a bash command, the git behind glob and
 * grep, the isolation probe) is started here, so there is one place that decides how a process is contained in
 * time and output. Plain `spawn`, never a shell (unless argv names one).
 */
import { spawn } from 'node:child_process'
import { CappedOutput, HeadOutput, RecordStream, TailOutput } from './output.js'
import type { ProcessResult, SpawnRequest } from './types.js'

/** After the process exits, how long to wait for background children still holding the pipes before killing them. */
export const EXIT_GRACE_MS = 500

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
