import type { Git } from '../git/git.js'
import type { GitHubApi } from '../github/api.js'
import type { ArtifactStore } from '../github/artifacts.js'
import type { Inputs } from '../inputs.js'
import type { ModelProvider } from '../providers/types.js'
import type { Outputs } from '../report/outputs.js'
import type { Redactor } from '../report/redact.js'
import type { RunInfo } from '../report/run-info.js'
import type { Sandbox } from '../sandbox/types.js'
import type { Cancellation } from './cancellation.js'
import type { RecordState } from './post-state.js'

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
  /**
   * Detail shown only with step debug logging: stack traces of unexpected errors, each model request and tool
   * call with its time (the GitHub API's requests are logged by its client).
   */
  debug: (line: string) => void
  /** The runner's signals (absent: nothing cancels the run). */
  cancellation?: Cancellation
  /**
   * Where the checkout's credential is copied while it is out of the repository, for the post step to put back
   * if this step is killed first: a path the model's commands can never read (under RUNNER_TEMP, which the
   * sandbox hides). Absent: no copy (outside a runner).
   */
  credentialCopy?: string
  /** Records what the post step needs to know if this step is killed (absent: nothing is recorded). */
  recordState?: RecordState
  /** Where work that could not be pushed is attached to the run; without it, the work is left in `tempDir`. */
  artifacts?: ArtifactStore
  /** How long the upload of a failed push's work may hold the report (60 s when unset); then the files stay on the runner. */
  artifactUploadTimeoutMs?: number
  /** The runner's temp directory (RUNNER_TEMP), outside the workspace; the OS temp directory when unset. */
  tempDir?: string
  /** The step's environment, for `${NAME}` in the MCP configuration (absent: no variables). */
  env?: NodeJS.ProcessEnv
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
