import { randomBytes } from 'node:crypto'
import type { NetworkBlock, Sandbox } from '../sandbox/types.js'
import { removeSessionArgv, sessionArgv } from './bash-session.js'
import { ToolError } from './errors.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

/** Longest output sent back; head and tail are kept. */
export const MAX_BASH_OUTPUT = 30_000
export const BASH_TIMEOUT_MS = 120_000

export interface BashOptions {
  timeoutMs?: number
  maxOutput?: number
}

/** A bash call: a command to run, or a restart of the session (working directory and exported variables). */
export type BashInput = { restart: true } | { restart?: false; command: string }

/**
 * The Anthropic bash tool (`bash_20250124`), behaving like the session the model knows: the working directory and
 * exported variables last from one call to the next until `restart` (see bash-session.ts for how, and for what is
 * not kept). Each call is still its own bash process run by the sandbox (the allowlisted environment, its own
 * process group killed whole on timeout or abort, stdin closed, output capped keeping head and tail, bubblewrap
 * unless the sandbox is off). A connection the sandbox refused is named in the result, so the model knows why the
 * network failed.
 */
export function createBashTool(opts: BashOptions = {}): Tool<BashInput> {
  // One session per workspace (a run has one; keyed so a tool used in two checkouts never starts in the other's
  // directory): a random id names its state, so two tool instances (two runs) never share one, and a restart
  // simply forgets the id. Every id used is kept, so close can remove their state.
  const sessions = new Map<string, Session>()
  const used: Session[] = []
  const session = (ctx: ToolContext): Session => {
    let s = sessions.get(ctx.workspace)
    if (s === undefined) {
      s = { id: randomBytes(16).toString('hex'), workspace: ctx.workspace, sandbox: ctx.sandbox }
      sessions.set(ctx.workspace, s)
      used.push(s)
    }
    s.signal = ctx.signal
    return s
  }
  return {
    name: 'bash',
    definition: { type: 'bash_20250124', name: 'bash' },
    parse: parseBash,
    isReadOnly: () => false,
    summarize: (input) => (input.restart ? '(restart)' : input.command),
    run: (input, ctx) => {
      if (!input.restart) return runBash(input.command, session(ctx), ctx, opts)
      sessions.delete(ctx.workspace)
      return Promise.resolve({
        content:
          'The bash session was restarted: working directory and environment reset. The next command starts ' +
          "in the repository root with the sandbox's environment.",
      })
    },
    // The state lives in the sandbox's world, so it is removed from there: the runtime sandbox's temp directory
    // goes with it anyway, but with `sandbox: off` it sits in the runner's temp directory.
    close: async () => {
      sessions.clear()
      // A run that is being stopped has seconds left for keeping its work: no process for this (the runtime
      // sandbox's temp directory goes anyway; with `sandbox: off` a few bytes stay in the runner's temp).
      const live = used.splice(0).filter((s) => !s.signal?.aborted)
      await Promise.all(
        live.map((s) =>
          s.sandbox.spawn({
            argv: removeSessionArgv(s.id),
            cwd: s.workspace,
            timeoutMs: 10_000,
            maxOutput: 1000,
            capture: 'head-tail',
          }),
        ),
      )
    },
  }
}

/** A session of the tool: its id, and where its state is (the sandbox's TMPDIR), for removing it. */
interface Session {
  id: string
  workspace: string
  sandbox: Sandbox
  /** The nonce of the session's last call: the next call checks that it saved its state. */
  last?: string
  /** The run's signal, as the last call had it. */
  signal?: AbortSignal
}

function parseBash(raw: unknown): BashInput {
  const input = (raw ?? {}) as { command?: unknown; restart?: unknown }
  if (input.restart === true) return { restart: true }
  if (typeof input.command !== 'string' || input.command.trim() === '') {
    throw new ToolError('Parameter `command` is required (or `restart: true`).')
  }
  return { command: input.command }
}

async function runBash(
  command: string,
  session: Session,
  ctx: ToolContext,
  opts: BashOptions,
): Promise<ToolOutcome> {
  const timeoutMs = opts.timeoutMs ?? BASH_TIMEOUT_MS
  const nonce = randomBytes(8).toString('hex')
  const previous = session.last
  session.last = nonce
  const result = await ctx.sandbox.spawn({
    argv: sessionArgv(command, session.id, nonce, previous),
    display: command,
    cwd: ctx.workspace,
    timeoutMs,
    maxOutput: opts.maxOutput ?? MAX_BASH_OUTPUT,
    capture: 'head-tail',
    signal: ctx.signal,
  })
  const parts = [result.output.replace(/\s+$/, '')]
  for (const b of result.blocked ?? []) parts.push(networkNote(b))
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

/** What a tool result says about a connection the sandbox refused, so the model knows why the network failed. */
export function networkNote(b: NetworkBlock): string {
  const where = b.port ? `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}` : b.host
  return `[network: connection to ${where} blocked; allowed-domains does not list it]`
}
