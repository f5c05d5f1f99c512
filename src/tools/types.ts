import type Anthropic from '@anthropic-ai/sdk'
import type { Sandbox } from '../sandbox/types.js'

export interface ToolContext {
  /** Realpath of the repository root; every path a tool touches must resolve inside it. */
  workspace: string
  /** The only way a tool starts a process. */
  sandbox: Sandbox
  signal?: AbortSignal
}

export interface ToolOutcome {
  content: string
  isError?: boolean
  /** Set by ask_for_clarification: the loop ends with status 'clarification'. */
  clarification?: string[]
}

/**
 * One tool the model can call (after the Anthropic SDK's tool runner and opencode's Tool.define): a definition,
 * `parse` that turns the model's raw input into typed input (throwing ToolError with a message the model can act
 * on), and `run`. Everything a tool knows stays with it: the loop and the toolset never switch on a tool's name.
 */
export interface Tool<I = unknown> {
  /** Name the model calls it by. */
  name: string
  /** The definition sent in `tools` (Anthropic-defined or custom). */
  definition: Anthropic.Messages.ToolUnion
  /** Validates the model's input. Throws ToolError when it is unusable. */
  parse(input: unknown): I
  /** True when this call only reads; read-only calls in one turn run concurrently. */
  isReadOnly(input: I): boolean
  /** A short one-line description of the call for the transcript (`src/app.ts [1, 20]`). */
  summarize(input: I): string
  run(input: I, ctx: ToolContext): Promise<ToolOutcome>
  /** Releases what the tool holds (a shell session, a server); called once at the end of the run. */
  close?(): Promise<void>
}

/** A tool call as the loop hands it over. */
export interface ToolCall {
  name: string
  input: unknown
}

/** What one call produced, ready for the transcript. */
export interface ToolCallResult {
  outcome: ToolOutcome
  /** {@link Tool.summarize} of the call, or the raw input as JSON when it could not be parsed. */
  summary: string
}

/** The tools of one run, behind the few operations the loop needs. */
export interface Toolset {
  /** The `tools` of every request. */
  readonly definitions: Anthropic.Messages.ToolUnion[]
  readonly names: string[]
  /** True when the call may run alongside other read-only calls (false for unknown tools and bad input). */
  isReadOnly(call: ToolCall): boolean
  /** {@link Tool.summarize} of a call that is not run, or its raw input as JSON when it does not parse. */
  summarize(call: ToolCall): string
  /** Parses and runs one call; every failure (unknown tool, bad input, a thrown error) becomes an is_error outcome. */
  call(call: ToolCall, ctx: ToolContext): Promise<ToolCallResult>
  /** Closes every tool; failures are logged, never thrown. */
  close(): Promise<void>
}
