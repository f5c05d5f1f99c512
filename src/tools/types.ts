import type Anthropic from '@anthropic-ai/sdk'

export interface ToolContext {
  /** Realpath of the repository root; every path a tool touches must resolve inside it. */
  workspace: string
  /** Allowlisted environment for subprocesses (no tokens, no INPUT_*, no ACTIONS_*, no ANTHROPIC_*). */
  env: Record<string, string>
  signal?: AbortSignal
}

export interface ToolOutcome {
  content: string
  isError?: boolean
  /** Set by ask_for_clarification: the loop ends with status 'clarification'. */
  clarification?: string[]
}

export interface Tool {
  /** Name the model calls it by. */
  name: string
  /** The definition sent in `tools` (Anthropic-defined or custom). */
  definition: Anthropic.Messages.ToolUnion
  /** True when this call only reads; read-only calls in one turn run concurrently. */
  isReadOnly(input: unknown): boolean
  run(input: unknown, ctx: ToolContext): Promise<ToolOutcome>
}
