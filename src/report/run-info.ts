/** Facts about the workflow run, as links and names the reports use. */
export interface RunInfo {
  serverUrl: string
  repository: string
  runId?: string
  runUrl?: string
  /** The attempt of the run (a re-run is attempt 2 and on); undefined for the first or when unknown. */
  runAttempt?: number
  workflowRef?: string
  /** The job's id in the workflow (GITHUB_JOB): the name of its check runs unless the job is given a `name:`. */
  job?: string
}

/** What RunInfo is made of: @actions/github's `context` fields, plus the workflow ref it does not carry. */
export interface RunFacts {
  serverUrl: string
  /** `owner/name`, or empty when unknown. */
  repository: string
  runId?: number
  runAttempt?: number
  workflowRef?: string
  job?: string
}

export function readRunInfo(f: RunFacts): RunInfo {
  const serverUrl = (f.serverUrl || 'https://github.com').replace(/\/+$/, '')
  const { repository } = f
  const runId = f.runId !== undefined && Number.isSafeInteger(f.runId) ? String(f.runId) : undefined
  const attempt = f.runAttempt && f.runAttempt > 1 ? `/attempts/${f.runAttempt}` : ''
  return {
    serverUrl,
    repository,
    runId,
    runUrl: runId && repository ? `${serverUrl}/${repository}/actions/runs/${runId}${attempt}` : undefined,
    runAttempt: attempt ? f.runAttempt : undefined,
    workflowRef: f.workflowRef || undefined,
    job: f.job || undefined,
  }
}

/** `owner/repo/.github/workflows/implement.yml@refs/heads/main` → `implement.yml`. */
export function workflowFileFromRef(ref: string | undefined): string | undefined {
  if (!ref) return undefined
  const m = /\/\.github\/workflows\/([^@/]+)@/.exec(ref)
  return m?.[1]
}
