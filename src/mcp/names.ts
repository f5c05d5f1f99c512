/** What the model calls an MCP server's tools: Claude Code's `mcp__<server>__<tool>`. */

/** The name the model calls a server's tool by: characters the API refuses become `_`. */
export function mcpToolName(server: string, tool: string): string {
  return `mcp__${server}__${tool.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

/** How the model is told of a server's tools before they are listed: `mcp__<server>__*`. */
export function mcpToolPattern(server: string): string {
  return `mcp__${server}__*`
}
