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

/**
 * Asked when the model ends its turn, before the run counts as completed (a stop hook, such as the repository's
 * verification): a message sends the model back to work with it as the next user turn; undefined lets the run
 * complete. `mayContinue` is false when the turn or cost budget is spent (a message then goes unsent). The signal
 * is the run's deadline.
 */
export type EndOfTurn = (o: { signal: AbortSignal; mayContinue: boolean }) => Promise<string | undefined>
