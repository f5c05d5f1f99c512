/**
 * No sandbox (`sandbox: off`): every process the model causes runs as the runner's user with the allowlisted
 * environment, its own process group, stdin closed and output capped, and nothing else. It can read whatever
 * that user can read (the action's own environment through /proc included), write anywhere that user can, and
 * reach any host. Only for runners where the sandbox cannot start and the workflow accepts that risk.
 */
import { LiveProcesses, runProcess, startProcess } from './process.js'
import { stopStrayProcesses, TOOL_RUN_MARKER_NAME, TOOL_RUN_MARKER_VALUE } from './strays.js'
import type { ProcessResult, Sandbox } from './types.js'

export interface PlainSandboxOptions {
  /** The whole environment of the processes (see allowlistedEnv); nothing else is inherited. */
  env: Record<string, string>
}

/** The environment of one process: the sandbox's, the request's, then the run marker (which nothing replaces). */
export function processEnv(
  base: Record<string, string>,
  req: { env?: Record<string, string> },
): Record<string, string> {
  return {
    ...base,
    PAGER: 'cat',
    GIT_PAGER: 'cat',
    ...req.env,
    [TOOL_RUN_MARKER_NAME]: TOOL_RUN_MARKER_VALUE,
  }
}

/** Processes without containment (process group, allowlisted environment and the run marker only). */
export function createPlainSandbox(opts: PlainSandboxOptions): Sandbox {
  const live = new LiveProcesses()
  return {
    status: () => Promise.resolve({ isolated: false, reason: 'the sandbox is turned off (`sandbox: off`)' }),
    spawn: (req): Promise<ProcessResult> =>
      runProcess({ ...req, env: processEnv(opts.env, req), label: req.argv[0] }),
    start(req) {
      const proc = startProcess({ ...req, env: processEnv(opts.env, req), label: req.argv[0] })
      live.add(proc)
      return Promise.resolve(proc)
    },
    // The marker is per process, not per sandbox: this stops what any sandbox of this process started.
    reap: async () => (await live.stopAll()) + (await stopStrayProcesses()),
    close: async () => {
      await live.stopAll()
    },
  }
}
