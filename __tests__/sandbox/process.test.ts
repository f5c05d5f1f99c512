import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { runProcess, type ProcessSpec } from '../../src/sandbox/process.js'
import { TOOL_RUN_MARKER_NAME } from '../../src/sandbox/strays.js'
import { isAlive } from '../support/processes.js'

const base: Omit<ProcessSpec, 'argv'> = {
  cwd: os.tmpdir(),
  env: allowlistedEnv(),
  timeoutMs: 20_000,
  maxOutput: 1_000,
  capture: 'head-tail',
}

describe('runProcess', () => {
  it('head-tail: stdout and stderr interleaved in one capped output', async () => {
    const r = await runProcess({ ...base, argv: ['bash', '-c', 'echo out; echo err >&2; exit 4'] })
    expect(r.output).toContain('out\n')
    expect(r.output).toContain('err\n')
    expect(r).toMatchObject({ stderr: '', code: 4, signal: null, timedOut: false, truncated: false })
    const long = await runProcess({ ...base, argv: ['bash', '-c', 'seq 1 10000'] })
    expect(long.truncated).toBe(true)
    expect(long.output).toMatch(/^1\n2\n[\s\S]*\[… \d+ characters of output truncated …\][\s\S]*\n10000\n$/)
  })

  it('stdout: keeps stdout alone from its start, stderr apart', async () => {
    const r = await runProcess({ ...base, capture: 'stdout', argv: ['bash', '-c', 'echo out; echo err >&2'] })
    expect(r).toMatchObject({ output: 'out\n', stderr: 'err\n', code: 0, truncated: false })
  })

  it.skipIf(process.platform !== 'linux')(
    'stdout: stops the process group once the cap is reached',
    async () => {
      const started = Date.now()
      const r = await runProcess({
        ...base,
        capture: 'stdout',
        argv: ['bash', '-c', 'sleep 30 & echo "child $!" >&2; yes line; echo never >&2'],
      })
      expect(r.truncated).toBe(true)
      expect(r.timedOut).toBe(false)
      expect(r.output).toHaveLength(1_000)
      expect(r.output.startsWith('line\nline\n')).toBe(true)
      expect(r.code).toBeNull()
      expect(r.signal).toBe('SIGKILL')
      expect(r.stderr).not.toContain('never')
      expect(Date.now() - started).toBeLessThan(10_000)
      const child = Number(/child (\d+)/.exec(r.stderr)?.[1])
      expect(child).toBeGreaterThan(0)
      expect(await isAlive(child)).toBe(false)
    },
  )

  it('records: hands stdout over record by record, the last one without its separator too', async () => {
    const got: string[] = []
    const r = await runProcess({
      ...base,
      capture: 'stdout',
      argv: ['bash', '-c', 'printf "a\\0b b\\0\\0c"; echo err >&2'],
      records: { separator: '\0', take: (rec) => got.push(rec) > 0 },
    })
    expect(got).toEqual(['a', 'b b', '', 'c'])
    expect(r).toMatchObject({ output: '', stderr: 'err\n', code: 0, truncated: false })
  })

  it.skipIf(process.platform !== 'linux')(
    'records: stops the process group once the sink takes no more',
    async () => {
      const got: string[] = []
      const r = await runProcess({
        ...base,
        capture: 'stdout',
        argv: ['bash', '-c', 'sleep 30 & echo "child $!" >&2; seq 1 100000000; echo never >&2'],
        records: { separator: '\n', take: (rec) => got.push(rec) < 5 },
      })
      // The fifth record was refused: nothing after it was offered, and the process was killed, not run out.
      expect(got).toEqual(['1', '2', '3', '4', '5'])
      expect(r).toMatchObject({ output: '', truncated: true, timedOut: false, code: null, signal: 'SIGKILL' })
      expect(r.stderr).not.toContain('never')
      const child = Number(/child (\d+)/.exec(r.stderr)?.[1])
      expect(child).toBeGreaterThan(0)
      expect(await isAlive(child)).toBe(false)
    },
  )

  it('records: a record longer than the cap comes cut, and the next one whole', async () => {
    const got: string[] = []
    const r = await runProcess({
      ...base,
      maxOutput: 10,
      capture: 'stdout',
      argv: ['bash', '-c', 'printf "%05000d\\nshort\\n" 7'],
      records: { separator: '\n', take: (rec) => got.push(rec) > 0 },
    })
    expect(got).toEqual(['0000000000', 'short'])
    expect(r.truncated).toBe(false)
  })

  it('reports a program that cannot start, a timeout and an abort', async () => {
    const missing = await runProcess({ ...base, argv: ['/nonexistent/prog'], label: 'prog' })
    expect(missing.spawnError).toBe(true)
    expect(missing.output).toMatch(/^Could not run prog: .*ENOENT/)
    const slow = await runProcess({ ...base, timeoutMs: 200, argv: ['sleep', '30'] })
    expect(slow).toMatchObject({ timedOut: true, aborted: false, signal: 'SIGKILL' })
    const controller = new AbortController()
    controller.abort()
    const stopped = await runProcess({ ...base, signal: controller.signal, argv: ['sleep', '30'] })
    expect(stopped).toMatchObject({ timedOut: false, aborted: true })
  })
})

describe('createPlainSandbox', () => {
  it('gives processes its env, pagers off and the marker, which neither env can replace', async () => {
    const sandbox = createPlainSandbox({ env: { ...allowlistedEnv(), FROM_SANDBOX: 's' } })
    const r = await sandbox.spawn({
      argv: ['bash', '-c', `echo "$FROM_SANDBOX $EXTRA $PAGER $GIT_PAGER $${TOOL_RUN_MARKER_NAME}"`],
      cwd: os.tmpdir(),
      env: { EXTRA: 'x', [TOOL_RUN_MARKER_NAME]: 'other' },
      timeoutMs: 10_000,
      maxOutput: 1_000,
      capture: 'stdout',
    })
    expect(r.output).toMatch(/^s x cat cat [0-9a-f]{32}\n$/)
  })

  it('says that it does not isolate', async () => {
    expect(await createPlainSandbox({ env: {} }).status()).toEqual({
      isolated: false,
      reason: 'the sandbox is turned off (`sandbox: off`)',
    })
  })
})
