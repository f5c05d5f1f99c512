/**
 * What the main step leaves for the post step (`core.saveState`, read back as `STATE_*`), written as the run
 * goes, so that a main step killed at any point (SIGKILL after the runner's grace, an OOM) is still finished
 * by the post step: the model's processes stopped, the credential put back, the tracking comment completed.
 */
export const POST_STATE = {
  /** Set first: the post step runs only after a main step that started. */
  main: 'main',
  /** The marker in the environment of every process the sandbox started (src/sandbox/strays.ts). */
  marker: 'marker',
  /** The file holding a copy of the checkout's credential while it is out of the repository. */
  credentials: 'credentials',
  /** The cloud credentials files moved out of the workspace, as JSON `[{from, to}]` (empty once put back). */
  cloudFiles: 'cloud-files',
  /** The config key of a push credential the action added for its push (empty once removed again). */
  pushAuth: 'push-auth',
  /** `<issue number>:<comment id>` of the tracking comment. */
  tracking: 'tracking',
  branch: 'branch',
  /** The commit last pushed to the branch. */
  pushed: 'pushed',
  /** The pull request opened or updated. */
  pr: 'pr',
  /** The main step wrote its final report: nothing is left for the post step to say. */
  finished: 'finished',
} as const

export type PostStateKey = keyof typeof POST_STATE
export type RecordState = (key: PostStateKey, value: string) => void
