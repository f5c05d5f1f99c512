import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { prepareHost, userNamespacesRestricted } from '../../src/sandbox/host-setup.js'
import { makeTempDir } from '../tools/repo.js'

const savedPath = process.env.PATH
let dir = ''
afterEach(() => {
  process.env.PATH = savedPath
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

/** A `sudo` on PATH that records its arguments and answers with `code` (the first `failures` calls fail). */
function fakeSudo(failures = 0): string {
  dir = makeTempDir('impl-sudo-')
  const calls = path.join(dir, 'calls')
  fs.writeFileSync(
    path.join(dir, 'sudo'),
    `#!/bin/sh\necho "$*" >> ${calls}\nn=$(wc -l < ${calls})\n[ "$n" -gt ${failures} ] || { echo "E: Unable to locate package" >&2; exit 100; }\n`,
    { mode: 0o755 },
  )
  process.env.PATH = `${dir}:${savedPath}`
  return calls
}

describe('preparing a GitHub-hosted runner', () => {
  it('installs the missing packages through sudo -n, and says so', async () => {
    const calls = fakeSudo()
    const log: string[] = []
    await prepareHost(['bwrap', 'rg'], (l) => log.push(l))
    const lines = fs.readFileSync(calls, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('-n apt-get install -y --no-install-recommends bubblewrap ripgrep')
    expect(log[0]).toBe('sandbox: installing bubblewrap, ripgrep (sudo -n apt-get install) for the sandbox')
    expect(log).toContain('sandbox: packages installed')
    if (await userNamespacesRestricted())
      expect(lines).toContain('-n sysctl -w kernel.apparmor_restrict_unprivileged_userns=0')
  })

  it('updates the package lists once when the first install fails, and logs a failure', async () => {
    const calls = fakeSudo(3)
    const log: string[] = []
    await prepareHost(['socat'], (l) => log.push(l))
    const lines = fs.readFileSync(calls, 'utf8').trim().split('\n')
    expect(lines.slice(0, 3)).toEqual([
      '-n apt-get install -y --no-install-recommends socat',
      '-n apt-get update -q',
      '-n apt-get install -y --no-install-recommends socat',
    ])
    expect(log).toContain('sandbox: apt-get install failed: E: Unable to locate package')
  })
})
