/**
 * What the sandbox needs from the machine (Linux, bubblewrap, socat, ripgrep, unprivileged user namespaces), and
 * on GitHub-hosted Ubuntu runners the two repairs `sandbox: auto` makes: installing missing packages and lifting
 * AppArmor's user-namespace restriction, both through the runner's passwordless `sudo -n`. Each step is logged.
 * These are the action's own commands, run before the model and outside any sandbox, with a minimal environment.
 */
import { constants } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import { runProcess } from './process.js'

/** Debian package of each program the sandbox runs. */
export const SANDBOX_PACKAGES: Record<string, string> = { bwrap: 'bubblewrap', socat: 'socat', rg: 'ripgrep' }

/** AppArmor's switch (Ubuntu 23.10+): 1 refuses unprivileged user namespaces to unconfined programs. */
const APPARMOR_USERNS = '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'
const SETUP_TIMEOUT_MS = 300_000
const SETUP_OUTPUT_CHARS = 20_000

/** True on a GitHub-hosted runner, where the job owns the machine and `sudo -n` works. */
export function isGitHubHosted(env: NodeJS.ProcessEnv): boolean {
  return env.RUNNER_ENVIRONMENT === 'github-hosted'
}

/** Absolute path of `name` on `pathVar` (or the usual system dirs), if executable. */
export async function findExecutable(
  name: string,
  pathVar = process.env.PATH ?? '',
): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? name : undefined
  const dirs = [...pathVar.split(path.delimiter), '/usr/bin', '/bin', '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (!path.isAbsolute(dir)) continue
    const candidate = path.join(dir, name)
    if (await isExecutable(candidate)) return candidate
  }
  return undefined
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Whether AppArmor refuses unprivileged user namespaces here (false where the switch does not exist). */
export async function userNamespacesRestricted(): Promise<boolean> {
  return (await readFile(APPARMOR_USERNS, 'utf8').catch(() => '0')).trim() === '1'
}

/**
 * Makes a GitHub-hosted runner able to start the sandbox: installs the missing `programs` (names as in
 * {@link SANDBOX_PACKAGES}) and lifts the AppArmor restriction. Never throws; what failed is logged, and the
 * sandbox's own start-up check decides afterwards.
 */
export async function prepareHost(missing: string[], log: (line: string) => void): Promise<void> {
  const packages = missing.map((p) => SANDBOX_PACKAGES[p] ?? p)
  if (packages.length) {
    log(`sandbox: installing ${packages.join(', ')} (sudo -n apt-get install) for the sandbox`)
    let r = await sudo(['apt-get', 'install', '-y', '--no-install-recommends', ...packages])
    if (r.code !== 0) {
      await sudo(['apt-get', 'update', '-q'])
      r = await sudo(['apt-get', 'install', '-y', '--no-install-recommends', ...packages])
    }
    log(
      r.code === 0 ? 'sandbox: packages installed' : `sandbox: apt-get install failed: ${lastLine(r.output)}`,
    )
  }
  if (await userNamespacesRestricted()) {
    log(
      'sandbox: lifting the AppArmor user-namespace restriction (sudo -n sysctl -w kernel.apparmor_restrict_unprivileged_userns=0)',
    )
    const r = await sudo(['sysctl', '-w', 'kernel.apparmor_restrict_unprivileged_userns=0'])
    if (r.code !== 0) log(`sandbox: sysctl failed: ${lastLine(r.output)}`)
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? ''
}

function sudo(args: string[]): Promise<{ code: number | null; output: string }> {
  return runProcess({
    argv: ['sudo', '-n', ...args],
    cwd: '/',
    env: {
      PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      DEBIAN_FRONTEND: 'noninteractive',
      LC_ALL: 'C',
    },
    timeoutMs: SETUP_TIMEOUT_MS,
    maxOutput: SETUP_OUTPUT_CHARS,
    capture: 'head-tail',
  })
}
