import type { Usage } from '../providers/types.js'

export type { Usage }

export interface AgentBudgets {
  maxTurns: number
  maxCostUsd: number
  timeoutMs: number
}

export type AgentStatus =
  | 'completed' // model ended its turn
  | 'clarification' // a tool call asked the user for clarification
  | 'max-turns'
  | 'max-cost'
  | 'timeout'
  | 'cancelled' // the run's outer signal fired (the runner cancelled the job)
  | 'refused' // the model declined to go on (a refusal stop): not a failure of the API
  | 'error' // the model API failed after retries, the context window was exceeded, or the loop itself failed

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
