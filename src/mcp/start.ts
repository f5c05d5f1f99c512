/** Starting a run's MCP servers together and handing over their tools (see index.ts). */
import { sentence, UserError } from '../errors.js'
import type { Sandbox } from '../sandbox/types.js'
import type { Tool } from '../tools/types.js'
import type { McpServerConfig } from './config.js'
import { connectServer, type McpConnection } from './server.js'
import { mcpTools } from './tools.js'

export interface McpStartOptions {
  sandbox: Sandbox
  /** The checkout: each server's working directory. */
  workspace: string
  /** The run's cancellation: the servers are killed at once when it fires. */
  signal?: AbortSignal
  log: (line: string) => void
  /** A tool left out of a server's list (its name or schema is unusable). */
  warn: (line: string) => void
  startTimeoutMs?: number
  callTimeoutMs?: number
}

/** See {@link startMcpTools} in index.ts. */
export async function startServers(servers: McpServerConfig[], o: McpStartOptions): Promise<Tool[]> {
  const started = await Promise.allSettled(servers.map((s) => connectServer(s, o)))
  const connections = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failures = started.flatMap((s, i) =>
    s.status === 'rejected' ? [{ name: `\`${servers[i].name}\``, why: reason(s.reason) }] : [],
  )
  if (failures.length) {
    await Promise.all(connections.map((c) => c.close()))
    const [first] = failures
    throw new UserError(
      sentence(
        failures.length === 1
          ? `The MCP server ${first.name} could not start, so the model was not run: ${first.why}`
          : `The MCP servers ${failures.map((f) => f.name).join(', ')} could not start, so the model was not run: ` +
              failures.map((f) => `${f.name}: ${f.why}`).join('; '),
      ),
      'Each server runs inside the sandbox, in the checkout, with the allowlisted environment plus its own `env` and ' +
        'no network but `allowed-domains`: install its program in a step before the action, check its `command` and ' +
        '`args` in `mcp-config`, or remove it.',
    )
  }
  const tools: Tool[] = []
  for (const conn of connections) tools.push(...(await serverTools(conn, o)))
  return tools
}

/** One server's tools, logged; a server with none is stopped. */
async function serverTools(conn: McpConnection, o: McpStartOptions): Promise<Tool[]> {
  const tools = mcpTools(conn, { callTimeoutMs: o.callTimeoutMs, warn: o.warn })
  if (tools.length === 0) {
    o.log(`MCP server ${conn.name} started, but offers no tools: stopped again.`)
    await conn.close()
    return []
  }
  o.log(`MCP server ${conn.name} started in the sandbox: ${tools.map((t) => t.name).join(', ')}.`)
  return tools
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
