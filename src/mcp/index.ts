/**
 * MCP servers for a run: each server of the `mcp-config` input started inside the sandbox and connected before the
 * model is asked anything, its tools handed over as ordinary tools (closing a tool stops its server). The loop
 * and the toolset know nothing of MCP. The SDK is loaded only when a server is configured.
 */
import type { Tool } from '../tools/types.js'
import type { McpServerConfig } from './config.js'
import type { McpStartOptions } from './start.js'

export { loadMcpServers, parseMcpConfigInput, type McpConfigInput, type McpServerConfig } from './config.js'
export { mcpToolName, mcpToolPattern } from './names.js'
export type { McpStartOptions } from './start.js'

/**
 * Starts every server (together) and returns their tools. A server without tools is stopped again.
 *
 * @throws UserError naming each server that could not start and why, once every server started is stopped again
 */
export async function startMcpTools(servers: McpServerConfig[], o: McpStartOptions): Promise<Tool[]> {
  if (servers.length === 0) return []
  const { startServers } = await import('./start.js')
  return startServers(servers, o)
}
