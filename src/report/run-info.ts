/** Facts about the workflow run, read from the runner's environment. */
export interface RunInfo {
  serverUrl: string
  repository: string
  runId?: string
  runUrl?: string
  workflowRef?: string
}

export function readRunInfo(env: NodeJS.ProcessEnv = process.env): RunInfo {
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const repository = env.GITHUB_REPOSITORY ?? ''
  const runId = env.GITHUB_RUN_ID || undefined
  const attempt =
    env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''
  return {
    serverUrl,
    repository,
    runId,
    runUrl: runId && repository ? `${serverUrl}/${repository}/actions/runs/${runId}${attempt}` : undefined,
    workflowRef: env.GITHUB_WORKFLOW_REF || undefined,
  }
}

/** `owner/repo/.github/workflows/implement.yml@refs/heads/main` → `implement.yml`. */
export function workflowFileFromRef(ref: string | undefined): string | undefined {
  if (!ref) return undefined
  const m = /\/\.github\/workflows\/([^@/]+)@/.exec(ref)
  return m?.[1]
}
