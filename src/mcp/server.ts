/**
 * One MCP server of a run: started inside the sandbox, connected with the SDK's Client over the process's pipes,
 * its tools listed once; then calls until it is closed. A server that cannot start, exits, or does not answer the
 * handshake in time is stopped and its failure described in words a maintainer can act on.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type Tool as McpToolInfo,
} from '@modelcontextprotocol/sdk/types.js'
import { inlineCode } from '../report/format.js'
import type { LongProcess, NetworkBlock, ProcessExit, Sandbox } from '../sandbox/types.js'
import type { McpServerConfig } from './config.js'
import { SandboxedStdioTransport } from './transport.js'

/** How long a server has to start and answer the handshake (and each page of its tool list). */
export const MCP_START_TIMEOUT_MS = 30_000
/** Characters of a server's stderr kept, for saying why it stopped. */
const STDERR_CHARS = 4_000
/** Pages of `tools/list` read at most (a server that pages forever is cut there). */
const MAX_PAGES = 50
const CLIENT_INFO = { name: 'implement-action', version: '1.0.0' }

/** Why a server could not start, in a few words (the server's name is the caller's to add). */
export class McpStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'McpStartError'
  }
}

export interface McpConnection {
  /** The server's name in the configuration. */
  name: string
  /** Its tools, as it listed them at the start. */
  tools: McpToolInfo[]
  /** Calls one tool; rejects with the SDK's McpError (a timeout, a closed connection) or the server's error. */
  call(
    tool: string,
    args: Record<string, unknown>,
    o: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<CallToolResult>
  /** Why it is no longer running (its exit and the end of its stderr); undefined while it runs. */
  ended(): string | undefined
  /** Connections the sandbox refused from it so far. */
  blocked(): NetworkBlock[]
  /** Stops it; safe to call more than once. */
  close(): Promise<void>
}

export interface ConnectOptions {
  sandbox: Sandbox
  /** The checkout: the server's working directory. */
  workspace: string
  /** The run's cancellation: the server is killed at once when it fires. */
  signal?: AbortSignal
  startTimeoutMs?: number
  /** Lines about the server (protocol noise it wrote), for the log. */
  log?: (line: string) => void
}

/**
 * Starts `server` inside the sandbox and connects to it.
 *
 * @throws McpStartError when the sandbox cannot start it, it exits, or the handshake or tool list fails or times out
 */
export async function connectServer(server: McpServerConfig, o: ConnectOptions): Promise<McpConnection> {
  const timeout = o.startTimeoutMs ?? MCP_START_TIMEOUT_MS
  let proc: LongProcess
  try {
    proc = await o.sandbox.start({
      argv: [server.command, ...server.args],
      cwd: o.workspace,
      env: server.env,
      maxStderr: STDERR_CHARS,
      signal: o.signal,
      display: `MCP server ${server.name}: ${[server.command, ...server.args].join(' ')}`,
    })
  } catch (err) {
    throw new McpStartError(message(err), { cause: err })
  }
  let exit: ProcessExit | undefined
  void proc.exited.then((e) => (exit = e))
  const transport = new SandboxedStdioTransport(proc)
  const client = new Client(CLIENT_INFO, { capabilities: {} })
  let noise = 0
  client.onerror = (err) => {
    // A server that writes logs on stdout: said a few times, not once per line.
    if (noise++ < 5) o.log?.(`MCP server ${server.name}: ${message(err)}`)
  }
  let tools: McpToolInfo[]
  try {
    await client.connect(transport, { timeout, signal: o.signal })
    tools = await listTools(client, { timeout, signal: o.signal })
  } catch (err) {
    // How it ended, if it did on its own (stopping it below would end it too).
    const ended = exit ?? (exitedEarly(err) ? await proc.exited : undefined)
    await client.close().catch(() => undefined)
    await proc.stop(true)
    throw new McpStartError(whyNotStarted(err, ended, proc, timeout), { cause: err })
  }
  let closing: Promise<void> | undefined
  return {
    name: server.name,
    tools,
    async call(tool, args, c) {
      const r = await client.callTool({ name: tool, arguments: args }, undefined, {
        timeout: c.timeoutMs,
        signal: c.signal,
      })
      // A server of the 2024-10-07 protocol answers with `toolResult`.
      if (Array.isArray(r.content)) return r as CallToolResult
      return { content: [{ type: 'text', text: JSON.stringify(r.toolResult ?? r, null, 2) }] }
    },
    ended: () => (exit ? exitText(exit, proc) : undefined),
    blocked: () => proc.blocked(),
    close: () =>
      (closing ??= client.close().then(
        () => undefined,
        () => proc.stop(true).then(() => undefined),
      )),
  }
}

async function listTools(
  client: Client,
  opts: { timeout: number; signal?: AbortSignal },
): Promise<McpToolInfo[]> {
  if (!client.getServerCapabilities()?.tools) return []
  const tools: McpToolInfo[] = []
  let cursor: string | undefined
  for (let page = 0; page < MAX_PAGES; page++) {
    const r = await client.listTools(cursor === undefined ? undefined : { cursor }, opts)
    tools.push(...r.tools)
    cursor = r.nextCursor
    if (!cursor) break
  }
  return tools
}

/** True when the request failed because the connection closed (the process ended). */
function exitedEarly(err: unknown): boolean {
  return err instanceof McpError && err.code === ErrorCode.ConnectionClosed
}

function whyNotStarted(
  err: unknown,
  exit: ProcessExit | undefined,
  proc: LongProcess,
  timeoutMs: number,
): string {
  if (exit) return exitText(exit, proc, ' before it answered the MCP handshake')
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
    return `it did not answer the MCP handshake within ${Math.round(timeoutMs / 1000)} s${stderrTail(proc)}`
  return `the MCP handshake failed: ${message(err)}${stderrTail(proc)}`
}

/** How the process ended (`when`, such as " before …"), with the end of its stderr. */
function exitText(exit: ProcessExit, proc: LongProcess, when = ''): string {
  if (exit.spawnError) return `it could not be started (${exit.spawnError.trim()})`
  const how = exit.signal ? `it was killed by ${exit.signal}` : `it exited with code ${exit.code}`
  // In the sandbox, bash runs the command: 127 is its "command not found".
  const notFound = exit.code === 127 ? ' (command not found)' : ''
  return `${how}${notFound}${when}${stderrTail(proc)}`
}

/** The last lines of the server's stderr, on one line, as inline code: `; its stderr ends: …`. */
function stderrTail(proc: LongProcess): string {
  const lines = proc
    .stderr()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const tail = lines.slice(-3).join(' ⏎ ')
  if (!tail) return ''
  return `; its stderr ends: ${inlineCode(tail.length > 500 ? `…${tail.slice(-499)}` : tail)}`
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
