import * as core from '@actions/core'
import type { Redactor } from './redact.js'

export type Status = 'pr-opened' | 'clarification-requested' | 'skipped' | 'failed' | 'cancelled'

export interface Outputs {
  status: Status
  branch?: string
  prNumber?: number
  prUrl?: string
  costUsd?: number | null
  inputTokens?: number
  outputTokens?: number
  turns?: number
  /** The verdict of the `verify` command: passed, failed, or not-run. */
  verified?: 'passed' | 'failed' | 'not-run'
}

/** Sets every output, in every path (missing ones as empty strings), redacted. */
export function setOutputs(o: Outputs, redactor: Redactor): void {
  const values: Record<string, string> = {
    status: o.status,
    branch: o.branch ?? '',
    'pr-number': o.prNumber === undefined ? '' : String(o.prNumber),
    'pr-url': o.prUrl ?? '',
    'cost-usd': o.costUsd === undefined || o.costUsd === null ? '' : o.costUsd.toFixed(4),
    'input-tokens': o.inputTokens === undefined ? '' : String(o.inputTokens),
    'output-tokens': o.outputTokens === undefined ? '' : String(o.outputTokens),
    turns: o.turns === undefined ? '' : String(o.turns),
    verified: o.verified ?? 'not-run',
  }
  for (const [k, v] of Object.entries(values)) core.setOutput(k, redactor.redact(v))
}
