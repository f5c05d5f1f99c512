/**
 * Workflow-run artifacts, behind a small interface: the pipeline asks whether the runner offers the artifact
 * service and uploads files; tests use the real client against a loopback stand-in of the service.
 */
export interface ArtifactStore {
  /** Why no artifact can be uploaded on this runner, or undefined when one can. */
  unavailable(): string | undefined
  /** Uploads `files` (paths under `rootDirectory`) as one zipped artifact of the run; resolves with its id. */
  upload(name: string, files: string[], rootDirectory: string): Promise<{ id?: number }>
}

/**
 * The Actions artifact service through `@actions/artifact`. The runner gives a job the service through
 * ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL; a laptop or a container without them has none. The client
 * reads those variables from `process.env` itself, so `env` here is only asked whether they are there.
 */
export function createActionsArtifactStore(env: NodeJS.ProcessEnv = process.env): ArtifactStore {
  return {
    unavailable() {
      const missing = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'].filter((k) => !env[k])
      return missing.length
        ? `this runner gives no artifact service: ${missing.join(' and ')} unset`
        : undefined
    },
    async upload(name, files, rootDirectory) {
      // Loaded on first use: the client and its Azure storage SDK are most of the bundle, and only a run whose
      // push failed needs them, so every other run starts without parsing them.
      const { DefaultArtifactClient } = await import('@actions/artifact')
      const { id } = await new DefaultArtifactClient().uploadArtifact(name, files, rootDirectory)
      return { id }
    },
  }
}
