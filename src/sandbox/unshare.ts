/**
 * Whether this machine can run a command inside fresh user + PID + mount namespaces with a private /proc
 * (`unshare --user --map-current-user --pid --fork --mount-proc --kill-child`), and the exact wrapper when it can.
 */
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'
import { runProcess } from './process.js'
import type { SandboxStatus } from './types.js'

/** Seconds-scale bound on the one-off probe; a working unshare answers in milliseconds. */
const PROBE_TIMEOUT_MS = 5_000
/** Characters of probe output kept (`unshare --help` is a few KiB). */
const PROBE_OUTPUT_CHARS = 100_000

export interface Isolation extends SandboxStatus {
  /** `[unshare, ...flags, '--']`, to put before the command's argv; only when isolated. */
  prefix?: string[]
}

let probed: Promise<Isolation> | undefined

/**
 * Whether commands can run in their own user + PID + mount namespaces on this machine (probed once per process,
 * then cached), with the reason when they cannot: not Linux, no `unshare` (util-linux), or the kernel refusing
 * unprivileged user namespaces (sysctl `kernel.unprivileged_userns_clone`, `user.max_user_namespaces`, AppArmor's
 * `kernel.apparmor_restrict_unprivileged_userns` on Ubuntu 23.10+, seccomp in containers).
 */
export function probeIsolation(): Promise<Isolation> {
  probed ??= detectIsolation().catch((err: unknown) => ({
    isolated: false,
    reason: `probe failed: ${err instanceof Error ? err.message : String(err)}`,
  }))
  return probed
}

async function detectIsolation(): Promise<Isolation> {
  if (process.platform !== 'linux')
    return { isolated: false, reason: `namespaces need Linux, not ${process.platform}` }
  const unshare = await findExecutable('unshare')
  if (!unshare) return { isolated: false, reason: 'the `unshare` command (util-linux) is not installed' }
  const help = await runQuietly(unshare, ['--help'])
  const supports = (flag: string): boolean =>
    new RegExp(`(^|[\\s,])${flag}([\\s=[]|$)`, 'm').test(help.output)
  // util-linux >= 2.38 maps the user to itself; before that, to root inside (still the real uid outside).
  const mapUser = ['--map-current-user', '--map-root-user'].find(supports)
  if (!mapUser)
    return { isolated: false, reason: `${unshare} supports neither --map-current-user nor --map-root-user` }
  const missing = ['--user', '--pid', '--fork', '--mount-proc'].filter((f) => !supports(f))
  if (missing.length) return { isolated: false, reason: `${unshare} lacks ${missing.join(', ')}` }
  // --kill-child (util-linux >= 2.32): the namespace dies with unshare even if only unshare is killed.
  const flags = [
    '--user',
    mapUser,
    '--pid',
    '--fork',
    '--mount-proc',
    ...(supports('--kill-child') ? ['--kill-child'] : []),
  ]
  // The exact wrapper; `$$` is 1 only inside a fresh PID namespace.
  const probe = await runQuietly(unshare, [...flags, '--', 'bash', '-c', 'test "$$" = 1'])
  if (probe.code !== 0) {
    const why =
      probe.output.trim().split('\n').pop() || (probe.timedOut ? 'timed out' : `exit code ${probe.code}`)
    const hint = /not permitted|permission denied|no space left/i.test(why)
      ? ' (unprivileged user namespaces are disabled or restricted on this machine)'
      : ''
    return { isolated: false, reason: `\`unshare ${flags.join(' ')}\` failed: ${why}${hint}` }
  }
  return { isolated: true, prefix: [unshare, ...flags, '--'] }
}

/** Absolute path of `name` on this process's PATH (or the usual system dirs), if executable. */
async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (!path.isAbsolute(dir)) continue
    const candidate = path.join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** Runs a probe command with a minimal env (no secrets), in its own process group killed on timeout. */
function runQuietly(
  file: string,
  args: string[],
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return runProcess({
    argv: [file, ...args],
    cwd: '/',
    env: { PATH: process.env.PATH || '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' },
    timeoutMs: PROBE_TIMEOUT_MS,
    maxOutput: PROBE_OUTPUT_CHARS,
    capture: 'head-tail',
  })
}
