/**
 * The sandbox of a run: every process the model causes runs with the allowlisted environment, its own process
 * group, stdin closed and output capped, and, where the kernel allows it, inside fresh user + PID + mount
 * namespaces with a private /proc (see unshare.ts), so it sees only its own processes and cannot read the
 * environment (the action's inputs and tokens) of the action's processes through /proc.
 */
import { runProcess } from './process.js'
import { stopStrayProcesses, TOOL_RUN_MARKER_NAME, TOOL_RUN_MARKER_VALUE } from './strays.js'
import type { Sandbox, SandboxStatus } from './types.js'
import { probeIsolation } from './unshare.js'

export interface SandboxOptions {
  /** The whole environment of sandboxed processes (see allowlistedEnv); nothing else is inherited. */
  env: Record<string, string>
  /**
   * Run processes in their own user, PID and mount namespaces. `false` never does; the default (and `true`) does
   * whenever this machine allows it and falls back to a plain spawn otherwise.
   */
  isolate?: boolean
}

/** A sandbox built on Linux namespaces where available, plain process groups otherwise. */
export function createSandbox(opts: SandboxOptions): Sandbox {
  return {
    async status(): Promise<SandboxStatus> {
      if (opts.isolate === false)
        return { isolated: false, reason: 'isolation is turned off for this sandbox' }
      const { isolated, reason } = await probeIsolation()
      return isolated ? { isolated } : { isolated, reason }
    },

    async spawn(req) {
      const isolation = opts.isolate === false ? undefined : await probeIsolation()
      const argv = isolation?.prefix ? [...isolation.prefix, ...req.argv] : req.argv
      return runProcess({
        ...req,
        argv,
        // The marker comes last: neither the sandbox's env nor the request's can replace it.
        env: {
          ...opts.env,
          PAGER: 'cat',
          GIT_PAGER: 'cat',
          ...req.env,
          [TOOL_RUN_MARKER_NAME]: TOOL_RUN_MARKER_VALUE,
        },
        label: req.argv[0],
      })
    },

    // The marker is per process, not per sandbox: this stops what any sandbox of this process started.
    reap: () => stopStrayProcesses(),
  }
}
