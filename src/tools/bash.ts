import { spawn } from 'node:child_process'
import { ToolError } from './errors.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

/** Longest output sent back; head and tail are kept. */
export const MAX_BASH_OUTPUT = 30_000
export const BASH_TIMEOUT_MS = 120_000
/** After bash exits, how long to wait for background children still holding the pipes before killing them. */
const EXIT_GRACE_MS = 500

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
      env: { ...ctx.env, PAGER: 'cat', GIT_PAGER: 'cat' },
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
