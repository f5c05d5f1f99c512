import type Anthropic from '@anthropic-ai/sdk'

/** The model behind a small interface: one streamed request in, the final message out. */
export interface ModelClient {
  send(request: Anthropic.MessageCreateParamsNonStreaming, signal?: AbortSignal): Promise<Anthropic.Message>
}

export interface Usage {
  inputTokens: number // uncached input
  outputTokens: number
  cacheCreationInputTokens: number
  cacheReadInputTokens: number
}

export type AgentStatus =
  | 'completed' // model ended its turn
  | 'clarification' // model called ask_for_clarification
  | 'max-turns'
  | 'max-cost'
  | 'timeout'
  | 'error' // model/API failure after retries

export interface TranscriptEntry {
  turn: number
  kind: 'text' | 'tool_use' | 'tool_result'
  name?: string
  text: string // short, already redacted
  isError?: boolean
}

export interface AgentResult {
  status: AgentStatus
  /** The model's last text: its summary of the work and how to test it. */
  summary: string
  questions?: string[]
  error?: string
  usage: Usage
  costUsd: number | null // null when the model's prices are unknown
  turns: number
  durationMs: number
  /** Share of input tokens read from cache (0..1). */
  cacheHitShare: number
  transcript: TranscriptEntry[]
}
