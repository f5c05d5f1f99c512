import type Anthropic from '@anthropic-ai/sdk'
import type { Tool, ToolCall, ToolCallResult, ToolContext, ToolOutcome, Toolset } from './types.js'

/**
 * The tools of one run. The one place that maps what a call throws to a tool result: a ToolError (the model's
 * mistake, which it can fix) becomes its message; anything else is logged as unexpected and sent back too.
 */
export function createToolset(tools: Tool[], log: (line: string) => void = () => {}): Toolset {
  const byName = new Map<string, Tool>(tools.map((t) => [t.name, t]))
  const names = tools.map((t) => t.name)
  const definitions: Anthropic.Messages.ToolUnion[] = tools.map((t) => t.definition)
  let closed = false

  const parsed = (tool: Tool, input: unknown): { ok: true; value: unknown } | { ok: false; err: unknown } => {
    try {
      return { ok: true, value: tool.parse(input) }
    } catch (err) {
      return { ok: false, err }
    }
  }

  return {
    definitions,
    names,

    isReadOnly(call) {
      const tool = byName.get(call.name)
      if (!tool) return false
      const p = parsed(tool, call.input)
      if (!p.ok) return false
      try {
        return tool.isReadOnly(p.value)
      } catch {
        return false
      }
    },

    summarize(call) {
      const tool = byName.get(call.name)
      const p = tool ? parsed(tool, call.input) : undefined
      if (tool && p?.ok) {
        try {
          return tool.summarize(p.value)
        } catch {
          // fall through to the raw input
        }
      }
      return JSON.stringify(call.input ?? {})
    },

    async call(call: ToolCall, ctx: ToolContext): Promise<ToolCallResult> {
      const tool = byName.get(call.name)
      const raw = JSON.stringify(call.input ?? {})
      if (!tool) {
        return {
          summary: raw,
          outcome: {
            content: `Unknown tool "${call.name}". Available tools: ${names.join(', ')}.`,
            isError: true,
          },
        }
      }
      const p = parsed(tool, call.input)
      if (!p.ok) return { summary: raw, outcome: failure(tool, p.err, log) }
      let summary: string
      try {
        summary = tool.summarize(p.value)
      } catch {
        summary = raw
      }
      try {
        return { summary, outcome: await tool.run(p.value, ctx) }
      } catch (err) {
        return { summary, outcome: failure(tool, err, log) }
      }
    },

    async close() {
      // Each tool is closed once, however often the run's cleanup paths call this.
      if (closed) return
      closed = true
      for (const tool of tools) {
        try {
          await tool.close?.()
        } catch (err) {
          log(`Tool ${tool.name} did not close cleanly: ${err instanceof Error ? err.message : String(err)}`)
        }
      }
    },
  }
}

function failure(tool: Tool, err: unknown, log: (line: string) => void): ToolOutcome {
  const message = err instanceof Error ? err.message : String(err)
  if (!(err instanceof Error && err.name === 'ToolError'))
    log(`Tool ${tool.name} failed unexpectedly: ${message}`)
  return { content: message, isError: true }
}
