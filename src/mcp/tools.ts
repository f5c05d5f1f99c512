/**
 * An MCP server's tools as ordinary tools of the run, named as Claude Code names them (`mcp__<server>__<tool>`).
 * Their input schemas pass through once checked; a call's result becomes text (capped, head and tail kept; the
 * dispatch redacts it like every tool's); a call that fails, times out or finds the server gone is an error the
 * model can read. A tool is read-only only when its server says so (`readOnlyHint`).
 */
import type Anthropic from '@anthropic-ai/sdk'
import {
  ErrorCode,
  McpError,
  type CallToolResult,
  type Tool as McpToolInfo,
} from '@modelcontextprotocol/sdk/types.js'
import { CappedOutput } from '../sandbox/output.js'
import { networkNote } from '../tools/bash.js'
import { ToolError } from '../tools/errors.js'
import type { Tool, ToolOutcome } from '../tools/types.js'
import { mcpToolName } from './names.js'
import type { McpConnection } from './server.js'

/** Longest result sent back; head and tail are kept. */
export const MAX_MCP_OUTPUT = 30_000
/** How long one call may take. */
export const MCP_CALL_TIMEOUT_MS = 120_000
/** A tool name the Messages API accepts. */
const API_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/
/** Largest input schema passed on (as JSON). */
const MAX_SCHEMA_CHARS = 64_000
const MAX_DESCRIPTION_CHARS = 4_000

export interface McpToolOptions {
  callTimeoutMs?: number
  maxOutput?: number
  /** A tool left out (its name or schema is unusable): said on the run, never silently dropped. */
  warn: (line: string) => void
}

/** The tools of one connected server; those whose name or schema the API would refuse are left out, with a warning. */
export function mcpTools(conn: McpConnection, opts: McpToolOptions): Tool<Record<string, unknown>>[] {
  const out: Tool<Record<string, unknown>>[] = []
  const names = new Set<string>()
  for (const info of conn.tools) {
    const name = mcpToolName(conn.name, info.name)
    const schema = inputSchema(info)
    const problem = !API_TOOL_NAME.test(name)
      ? `its name ${name} is longer than 64 characters`
      : names.has(name)
        ? `another of its tools is also called ${name}`
        : typeof schema === 'string'
          ? schema
          : undefined
    if (problem !== undefined || typeof schema === 'string') {
      opts.warn(`MCP server ${conn.name}: tool "${info.name}" left out: ${problem}.`)
      continue
    }
    names.add(name)
    out.push(adapt(conn, info, name, schema, opts))
  }
  return out
}

function adapt(
  conn: McpConnection,
  info: McpToolInfo,
  name: string,
  schema: Anthropic.Messages.Tool.InputSchema,
  opts: McpToolOptions,
): Tool<Record<string, unknown>> {
  const timeoutMs = opts.callTimeoutMs ?? MCP_CALL_TIMEOUT_MS
  const description = [info.title, info.description].filter(Boolean).join(': ')
  return {
    name,
    definition: {
      name,
      ...(description ? { description: cut(description, MAX_DESCRIPTION_CHARS) } : {}),
      input_schema: schema,
    },
    parse(input) {
      if (input === undefined || input === null) return {}
      if (typeof input !== 'object' || Array.isArray(input))
        throw new ToolError(`The input of ${name} must be a JSON object.`)
      return input as Record<string, unknown>
    },
    isReadOnly: () => info.annotations?.readOnlyHint === true,
    summarize: (input) => `${conn.name} ${info.name} ${JSON.stringify(input)}`,
    async run(input, ctx): Promise<ToolOutcome> {
      const gone = conn.ended()
      if (gone) return { content: notRunning(conn.name, gone), isError: true }
      const before = conn.blocked().length
      let result: CallToolResult
      try {
        result = await conn.call(info.name, input, { timeoutMs, signal: ctx.signal })
      } catch (err) {
        return { content: callFailure(conn, info.name, err, timeoutMs, ctx.signal), isError: true }
      }
      const notes = conn.blocked().slice(before).map(networkNote)
      const text = [resultText(result, opts.maxOutput ?? MAX_MCP_OUTPUT), ...notes].join('\n')
      return result.isError ? { content: text, isError: true } : { content: text }
    },
    close: () => conn.close(),
  }
}

/**
 * The schema as the Messages API takes it (`type: "object"` at the root, JSON only, not too large), or why not.
 * The SDK has already checked the root's `type`, `properties` and `required`; this checks again, as data.
 */
function inputSchema(info: McpToolInfo): Anthropic.Messages.Tool.InputSchema | string {
  let json: string
  try {
    json = JSON.stringify(info.inputSchema)
  } catch {
    return 'its input schema is not JSON'
  }
  if (json.length > MAX_SCHEMA_CHARS) return `its input schema is over ${MAX_SCHEMA_CHARS} characters`
  const schema = JSON.parse(json) as Record<string, unknown>
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema) || schema.type !== 'object')
    return 'its input schema is not a JSON Schema object with `type: "object"`'
  const { properties, required } = schema
  if (properties !== undefined && !isSchemaMap(properties))
    return 'its input schema has `properties` that are not schemas'
  if (required !== undefined && !(Array.isArray(required) && required.every((r) => typeof r === 'string')))
    return 'its input schema has `required` that is not a list of names'
  return schema as Anthropic.Messages.Tool.InputSchema
}

function isSchemaMap(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    Object.values(v).every(
      (s) => typeof s === 'boolean' || (typeof s === 'object' && s !== null && !Array.isArray(s)),
    )
  )
}

/** A call's result as text: its text content, a placeholder for what is not text, else its structured content. */
export function resultText(result: CallToolResult, max: number): string {
  const parts: string[] = []
  for (const c of result.content ?? []) {
    if (c.type === 'text') parts.push(c.text)
    else if (c.type === 'image' || c.type === 'audio')
      parts.push(`[${c.type} (${c.mimeType}, ${Math.round((c.data.length * 3) / 4)} bytes) not shown]`)
    else if (c.type === 'resource_link')
      parts.push(`[resource link: ${c.uri}${c.name ? ` (${c.name})` : ''}]`)
    else if (c.type === 'resource')
      parts.push(
        'text' in c.resource
          ? `[resource ${c.resource.uri}]\n${c.resource.text}`
          : `[resource ${c.resource.uri}: binary, not shown]`,
      )
  }
  if (parts.length === 0 && result.structuredContent !== undefined)
    parts.push(JSON.stringify(result.structuredContent, null, 2))
  const out = new CappedOutput(max)
  out.push(parts.join('\n'))
  return out.text()
}

/** What the model is told when a call did not come back with a result. */
function callFailure(
  conn: McpConnection,
  tool: string,
  err: unknown,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): string {
  if (signal?.aborted) return `[call stopped: the run is stopping]`
  const gone = conn.ended()
  if (gone || (err instanceof McpError && err.code === ErrorCode.ConnectionClosed))
    return notRunning(conn.name, gone ?? 'the connection closed')
  if (err instanceof McpError && err.code === ErrorCode.RequestTimeout)
    return `The MCP tool ${tool} of server ${conn.name} did not answer within ${Math.round(timeoutMs / 1000)} s; the call was cancelled.`
  return `The MCP tool ${tool} of server ${conn.name} failed: ${err instanceof Error ? err.message : String(err)}`
}

function notRunning(server: string, why: string): string {
  return `The MCP server ${server} is no longer running (${why}); its tools cannot be called for the rest of this run.`
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}
