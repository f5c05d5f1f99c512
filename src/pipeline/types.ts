import type { Git } from '../git/git.js'
import type { GitHubApi } from '../github/api.js'
import type { Inputs } from '../inputs.js'
import type { ModelProvider } from '../providers/types.js'
import type { Outputs } from '../report/outputs.js'
import type { Redactor } from '../report/redact.js'
import type { RunInfo } from '../report/run-info.js'
import type { Sandbox } from '../sandbox/types.js'

/** Everything the pipeline needs from the outside world; main.ts wires the real ones, tests inject stand-ins. */
export interface PipelineDeps {
  inputs: Inputs
  eventName: string
  payload: Record<string, unknown>
  /** Repository root (GITHUB_WORKSPACE), as a real path. */
  workspace: string
  run: RunInfo
  api: GitHubApi
  git: Git
  /** Created lazily: a skipped event never needs the model (nor its credential). */
  provider: () => ModelProvider
  /** Where everything the model causes to run is started (with the allowlisted environment). */
  sandbox: Sandbox
  redactor: Redactor
  log: (line: string) => void
  /** A warning annotation (`::warning::`) on the run; the log when absent. */
  warn?: (line: string) => void
  /** Detail shown only with step debug logging (stack traces of unexpected errors). */
  debug: (line: string) => void
}

/** The budgets of one agent run, as the inputs give them. */
export interface Budgets {
  maxTurns: number
  maxCostUsd: number
  timeoutMinutes: number
}

export interface PipelineResult extends Outputs {
  /** One-line result for the log and the job summary. */
  message: string
  /** Markdown for the job summary (transcript, accounting). */
  summary?: string
  /** True when the job should be marked failed. */
  failed: boolean
}
