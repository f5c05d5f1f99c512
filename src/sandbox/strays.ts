/**
 * Finding the processes the sandbox started after the fact, however they detached: every sandboxed process
 * carries a marker in its environment, and the sweep stops and kills whatever carries it (and its descendants).
 */
import { randomBytes } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'

/**
 * Name of the variable every sandboxed process gets, with a value random per process (per module load), so the
 * processes the model started can be found after the run even when they left the tool's process group.
 * Only sandboxed processes carry it (not allowlistedEnv, so the action's own git never does).
 */
export const TOOL_RUN_MARKER_NAME = 'IMPLEMENT_ACTION_TOOL_RUN'
/** The marker's value for this process. */
export const TOOL_RUN_MARKER_VALUE = randomBytes(16).toString('hex')

interface ProcInfo {
  pid: number
  ppid: number
  marked: boolean
}

/** This user's processes (except this one) with their parent and whether they carry `marker`. Linux only. */
async function scanProcesses(marker: string): Promise<ProcInfo[]> {
  const uid = process.getuid?.()
  const names = await readdir('/proc').catch(() => [] as string[])
  const found: ProcInfo[] = []
  await Promise.all(
    names.map(async (name) => {
      if (!/^\d+$/.test(name)) return
      const pid = Number(name)
      if (pid === process.pid) return
      try {
        if (uid !== undefined && (await stat(`/proc/${pid}`)).uid !== uid) return
        const [environ, statLine] = await Promise.all([
          readFile(`/proc/${pid}/environ`, 'latin1'),
          readFile(`/proc/${pid}/stat`, 'latin1'),
        ])
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses, so parse after the last ')'.
        const [state, ppid] = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ')
        if (state === 'Z' || state === 'X') return // already dead, waiting to be reaped
        found.push({ pid, ppid: Number(ppid), marked: environ.split('\0').includes(marker) })
      } catch {
        // gone meanwhile, or not ours to read
      }
    }),
  )
  return found
}

/** Sends `signal` to `pid`; false if the process is gone (or not ours). */
function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/**
 * Kills every process the sandbox started that is still running, however it detached (`setsid`, `nohup`,
 * double fork): the processes of this user whose environment carries this process's IMPLEMENT_ACTION_TOOL_RUN
 * marker, plus their descendants. They are stopped first (SIGSTOP, so none can fork meanwhile) and rescanned
 * until no new one appears, then killed with SIGKILL. Returns how many were killed; 0 on platforms other
 * than Linux. Call it after the agent loop and before the credential comes back.
 * Limit: a process that removed the marker from its own environment (`env -i`, `env -u`) and left the process
 * tree (setsid and its parent exited) is not found.
 * `markerValue`: another process's marker (the post step sweeps for a main step that was killed).
 */
export async function stopStrayProcesses(markerValue = TOOL_RUN_MARKER_VALUE): Promise<number> {
  if (process.platform !== 'linux') return 0
  const marker = `${TOOL_RUN_MARKER_NAME}=${markerValue}`
  const stopped = new Set<number>()
  for (let pass = 0; pass < 50; pass++) {
    const procs = await scanProcesses(marker)
    const targets = new Set(procs.filter((p) => p.marked).map((p) => p.pid))
    for (const pid of stopped) targets.add(pid)
    // Descendants of a tool process are the tool's too, whatever their environment says.
    for (let grew = true; grew;) {
      grew = false
      for (const p of procs) {
        if (!targets.has(p.pid) && targets.has(p.ppid)) {
          targets.add(p.pid)
          grew = true
        }
      }
    }
    let fresh = 0
    for (const pid of targets) {
      if (stopped.has(pid)) continue
      if (signalProcess(pid, 'SIGSTOP')) {
        stopped.add(pid)
        fresh++
      }
    }
    if (fresh === 0) break
  }
  let killed = 0
  for (const pid of stopped) if (signalProcess(pid, 'SIGKILL')) killed++
  return killed
}
