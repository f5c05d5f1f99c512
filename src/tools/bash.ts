import { ToolError } from './errors.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

/** Longest output sent back; head and tail are kept. */
export const MAX_BASH_OUTPUT = 30_000
export const BASH_TIMEOUT_MS = 120_000

export interface BashOptions {
  timeoutMs?: number
  maxOutput?: number
}

/** A bash call: a command to run, or a restart of the (stateless) session. */
export type BashInput = { restart: true } | { restart?: false; command: string }

/**
 * The Anthropic bash tool (`bash_20250124`). Each call is a fresh `bash -c` in the workspace, run by the sandbox
 * (the allowlisted env, its own process group killed whole on timeout or abort, stdin closed, output capped
 * keeping head and tail, bubblewrap unless the sandbox is off). A connection the sandbox refused is named in
 * the result, so the model knows why the network failed.
 */
export function createBashTool(opts: BashOptions = {}): Tool<BashInput> {
  return {
    name: 'bash',
    definition: { type: 'bash_20250124', name: 'bash' },
    parse: parseBash,
    isReadOnly: () => false,
    summarize: (input) => (input.restart ? '(restart)' : input.command),
    run: (input, ctx) => runBash(input, ctx, opts),
  }
}

function parseBash(raw: unknown): BashInput {
  const input = (raw ?? {}) as { command?: unknown; restart?: unknown }
  if (input.restart === true) return { restart: true }
  if (typeof input.command !== 'string' || input.command.trim() === '') {
    throw new ToolError('Parameter `command` is required (or `restart: true`).')
  }
  return { command: input.command }
}

async function runBash(input: BashInput, ctx: ToolContext, opts: BashOptions): Promise<ToolOutcome> {
  if (input.restart) {
    return {
      content:
        'The bash session was restarted. Each command runs in a fresh `bash -c` in the repository root, so ' +
        'working directory and exported variables never carry over between calls.',
    }
  }
  const timeoutMs = opts.timeoutMs ?? BASH_TIMEOUT_MS
  const result = await ctx.sandbox.spawn({
    argv: ['bash', '-c', input.command],
    cwd: ctx.workspace,
    timeoutMs,
    maxOutput: opts.maxOutput ?? MAX_BASH_OUTPUT,
    capture: 'head-tail',
    signal: ctx.signal,
  })
  const parts = [result.output.replace(/\s+$/, '')]
  for (const b of result.blocked ?? []) {
    const where = b.port ? `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}` : b.host
    parts.push(`[network: connection to ${where} blocked; allowed-domains does not list it]`)
  }
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
