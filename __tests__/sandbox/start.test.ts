/**
 * Long-lived processes (an MCP server): started with pipes by the one process runner, in the sandbox's bubblewrap
 * with its environment, file system policy and network filter, and never outliving the run: stopped when asked
 * (stdin closed, then SIGTERM, then SIGKILL), by the run's signal, by `reap` and by `close`.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { startProcess, type LongProcessSpec } from '../../src/sandbox/process.js'
import { BWRAP_PATH_VARIABLE, createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import { TOOL_RUN_MARKER_NAME } from '../../src/sandbox/strays.js'
import type { LongProcess } from '../../src/sandbox/types.js'
import { makeRepo, makeTempDir, type TempRepo } from '../tools/repo.js'
import { isAlive, pidsWith } from '../support/processes.js'

const linux = process.platform === 'linux'
const base: Omit<LongProcessSpec, 'argv'> = { cwd: os.tmpdir(), env: allowlistedEnv(), maxStderr: 200 }

/** Reads a process's stdout line by line. */
function lineReader(stdout: Readable): () => Promise<string> {
  let seen = ''
  const waiting: Array<() => void> = []
  stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString('utf8')
    for (const wake of waiting.splice(0)) wake()
  })
  return async () => {
    for (;;) {
      const nl = seen.indexOf('\n')
      if (nl >= 0) {
        const line = seen.slice(0, nl)
        seen = seen.slice(nl + 1)
        return line
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    }
  }
}

/** A process to talk to: `ask` writes a line and reads the next. */
function talk(proc: LongProcess): { next: () => Promise<string>; ask: (line: string) => Promise<string> } {
  const next = lineReader(proc.stdout)
  return {
    next,
    ask: (line) => {
      proc.stdin.write(`${line}\n`)
      return next()
    },
  }
}

/** A tag to find a test's processes by their command line. */
const tag = (): string => `start-test-${randomBytes(6).toString('hex')}`

describe.skipIf(!linux)('startProcess', () => {
  it('talks over stdin and stdout, and ends when its stdin closes', async () => {
    const proc = startProcess({
      ...base,
      argv: ['bash', '-c', 'while read -r l; do echo "got $l"; done; exit 4'],
    })
    const { ask } = talk(proc)
    expect(await ask('one')).toBe('got one')
    expect(await ask('two')).toBe('got two')
    expect(await proc.stop()).toEqual({ code: 4, signal: null })
    expect(await proc.exited).toEqual({ code: 4, signal: null })
  })

  it('kills a process that ignores its closed stdin and SIGTERM, with everything it started', async () => {
    const t = tag()
    const proc = startProcess({
      ...base,
      argv: ['bash', '-c', `trap '' TERM; sleep 300 & echo "child $!"; exec -a ${t} sleep 300`],
    })
    const child = Number((await talk(proc).next()).split(' ')[1])
    expect(await isAlive(child)).toBe(true)
    expect(await proc.stop()).toEqual({ code: null, signal: 'SIGKILL' })
    expect(await isAlive(child)).toBe(false)
    expect(pidsWith(t)).toEqual([])
  })

  it('keeps the end of stderr, reports a program that cannot start, and dies with the signal', async () => {
    const noisy = startProcess({
      ...base,
      argv: ['bash', '-c', 'for i in $(seq 1 500); do echo "err $i" >&2; done'],
    })
    expect(await noisy.exited).toEqual({ code: 0, signal: null })
    expect(noisy.stderr()).toContain('err 500\n')
    expect(noisy.stderr()).not.toContain('err 1\n')
    expect(noisy.stderr().length).toBeLessThan(300)

    const missing = startProcess({ ...base, argv: ['/nonexistent/server'], label: 'server' })
    expect((await missing.exited).spawnError).toMatch(/^Could not run server: .*ENOENT/)
    missing.stdin.write('ignored\n') // a write after the end is swallowed, not thrown

    const controller = new AbortController()
    const proc = startProcess({ ...base, argv: ['sleep', '300'], signal: controller.signal })
    controller.abort()
    expect(await proc.exited).toEqual({ code: null, signal: 'SIGKILL' })
  })
})

describe.skipIf(!linux)('createPlainSandbox: start', () => {
  it('gives the process its env, the request env and the marker; reap and close stop what still runs', async () => {
    const sandbox = createPlainSandbox({ env: { ...allowlistedEnv(), FROM_SANDBOX: 's' } })
    const proc = await sandbox.start({
      argv: ['bash', '-c', `echo "$FROM_SANDBOX $EXTRA $${TOOL_RUN_MARKER_NAME}"; exec cat`],
      cwd: os.tmpdir(),
      env: { EXTRA: 'x', [TOOL_RUN_MARKER_NAME]: 'other' },
      maxStderr: 100,
    })
    expect(await talk(proc).next()).toMatch(/^s x [0-9a-f]{32}$/)
    expect(await sandbox.reap()).toBeGreaterThanOrEqual(1)
    expect((await proc.exited).signal).toBe('SIGKILL')

    const t = tag()
    const other = await sandbox.start({
      argv: ['bash', '-c', `exec -a ${t} sleep 300`],
      cwd: os.tmpdir(),
      maxStderr: 100,
    })
    await sandbox.close?.()
    expect((await other.exited).signal).toBe('SIGKILL')
    expect(pidsWith(t)).toEqual([])
  })
})

describe.skipIf(!linux)('createRuntimeSandbox: start', () => {
  let repo: TempRepo | undefined
  let server: http.Server
  let port = 0
  beforeAll(async () => {
    server = http.createServer((_q, res) => res.end('loopback-answer\n'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => server?.close())
  afterEach(() => repo?.cleanup())

  it('runs the process in its bubblewrap: own PID namespace, writes only in the workspace, no network', async () => {
    repo = makeRepo({ 'a.txt': 'hello\n' })
    const outside = path.join(makeTempDir(), 'outside.txt')
    const sandbox = createRuntimeSandbox({ env: allowlistedEnv(), workspace: repo.root, allowedDomains: [] })
    if (!(await sandbox.status()).isolated) return // the sandbox tests say why
    const t = tag()
    const script = [
      `echo "pid=$$ extra=$EXTRA"`,
      `echo x > ${outside} 2>/dev/null && echo outside=written || echo outside=refused`,
      'echo inside > in-workspace.txt && echo inside=written',
      `echo "curl=$(curl -sS -m 5 http://127.0.0.1:${port}/ 2>&1 | tr -d '\\n')"`,
      `exec -a ${t} cat`,
    ].join('; ')
    const proc = await sandbox.start({
      argv: ['bash', '-c', script],
      cwd: repo.root,
      env: { EXTRA: 'from-request' },
      maxStderr: 1000,
      display: 'the test server',
    })
    const { next, ask } = talk(proc)
    const lines = [await next()]
    while (!lines.at(-1)?.startsWith('curl=')) lines.push(await next())
    expect(lines[0]).toMatch(/^pid=[1-9] extra=from-request$/) // a fresh PID namespace
    expect(lines).toContain('outside=refused')
    expect(lines).toContain('inside=written')
    expect(lines.at(-1)).not.toContain('loopback-answer')
    expect(fs.existsSync(outside)).toBe(false)
    expect(repo.read('in-workspace.txt')).toBe('inside\n')
    expect(await ask('echo back')).toBe('echo back') // still talking
    expect(proc.blocked()).toEqual([{ host: '127.0.0.1', port, command: 'the test server' }])

    expect(await sandbox.reap()).toBeGreaterThanOrEqual(1)
    await proc.exited
    expect(pidsWith(t)).toEqual([])
    // Once it ended, what it was refused is in the run's record.
    expect(sandbox.blocked()).toEqual([{ host: '127.0.0.1', port, command: 'the test server' }])
    await sandbox.close?.()
  })

  it('refuses to start anything when the sandbox is not available', async () => {
    repo = makeRepo({ 'a.txt': 'hello\n' })
    const sandbox = createRuntimeSandbox({
      env: allowlistedEnv(),
      workspace: repo.root,
      allowedDomains: [],
      hostEnv: { ...process.env, [BWRAP_PATH_VARIABLE]: '/nonexistent/bwrap' },
      prepareHost: false,
    })
    await expect(sandbox.start({ argv: ['cat'], cwd: repo.root, maxStderr: 100 })).rejects.toThrow(
      /^The sandbox is not available: .*\/nonexistent\/bwrap/,
    )
  })
})
