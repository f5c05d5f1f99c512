/** Test helper: a tool called with raw model input the way the toolset calls it, errors left to propagate. */
import type { Tool, ToolContext, ToolOutcome } from '../../src/tools/types.js'

export interface DirectTool {
  name: string
  /** `parse`, then `run`; a parse failure rejects like a failing run. */
  run(input: unknown, ctx: ToolContext): Promise<ToolOutcome>
  /** `parse`, then `isReadOnly`; throws when the input does not parse. */
  isReadOnly(input: unknown): boolean
  /** `parse`, then `summarize`. */
  summarize(input: unknown): string
}

export function direct<I>(tool: Tool<I>): DirectTool {
  return {
    name: tool.name,
    run: async (input, ctx) => tool.run(tool.parse(input), ctx),
    isReadOnly: (input) => tool.isReadOnly(tool.parse(input)),
    summarize: (input) => tool.summarize(tool.parse(input)),
  }
}
