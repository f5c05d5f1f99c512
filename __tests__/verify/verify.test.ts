/** The `verify` command in the real sandbox: one script that stops at its first failing line, the output's end, the verdict. */
import { afterEach, describe, expect, it } from 'vitest'
import { Redactor } from '../../src/report/redact.js'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import type { Sandbox } from '../../src/sandbox/types.js'
import { runVerifyCommand, Verifier, VERIFY_TAIL_CHARS } from '../../src/verify/verify.js'
import { makeRepo, type TempRepo } from '../tools/repo.js'

let repo: TempRepo | undefined
afterEach(() => {
  repo?.cleanup()
  repo = undefined
})

function world(files: Record<string, string> = {}): {
  sandbox: Sandbox
  workspace: string
  redact: (s: string) => string
} {
  repo = makeRepo(files)
  const redactor = new Redactor()
  redactor.add('hunter2-secret-value')
  return {
    sandbox: createRuntimeSandbox({ env: allowlistedEnv(), workspace: repo.root, allowedDomains: [] }),
    workspace: repo.root,
    redact: (s) => redactor.redact(s),
  }
}

const signal = new AbortController().signal

describe('runVerifyCommand', () => {
  it('runs several lines as one script that stops at the first failing line, in the repository root', async () => {
    const w = world({ 'marker.txt': 'here\n' })
    const a = await runVerifyCommand({ ...w, command: 'cat marker.txt\nfalse\necho NEVER' })
    expect(a).toMatchObject({ passed: false, code: 1, timedOut: false })
    expect(a!.tail).toContain('here')
    expect(a!.tail).not.toContain('NEVER')
  })

  it('fails a pipeline whose first command fails (pipefail), and passes a clean one', async () => {
    const w = world()
    expect((await runVerifyCommand({ ...w, command: 'false | cat' }))?.passed).toBe(false)
    expect((await runVerifyCommand({ ...w, command: 'true\necho ok' }))?.passed).toBe(true)
  })

  it('keeps the end of a long output, drops its head, and redacts it', async () => {
    const w = world()
    const a = await runVerifyCommand({
      ...w,
      command:
        'for i in $(seq 1 5000); do echo "line $i"; done; echo "key hunter2-secret-value"; echo VERDICT >&2; exit 3',
    })
    expect(a).toMatchObject({ passed: false, code: 3 })
    expect(a!.tail.length).toBeLessThan(VERIFY_TAIL_CHARS + 200)
    expect(a!.tail).toMatch(/^\[… \d+ earlier characters of output dropped …\]\nline \d+\n/)
    expect(a!.tail).not.toContain('line 1\n')
    expect(a!.tail).toContain('line 5000')
    expect(a!.tail.endsWith('VERDICT')).toBe(true)
    expect(a!.tail).toContain('key ***')
  })

  it('a command that outlives its timeout fails as timed out', async () => {
    const w = world()
    const a = await runVerifyCommand({ ...w, command: 'sleep 30', timeoutMs: 300 })
    expect(a).toMatchObject({ passed: false, timedOut: true })
  })

  it('runs inside the sandbox: the git metadata cannot be written', async () => {
    const w = world()
    const a = await runVerifyCommand({ ...w, command: 'touch .git/hooks/pre-commit' })
    expect(a?.passed).toBe(false)
    expect(repo!.exists('.git/hooks/pre-commit')).toBe(false)
  })

  it('gives no verdict when the run is stopped while it runs', async () => {
    const w = world()
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 200)
    expect(await runVerifyCommand({ ...w, command: 'sleep 30' }, stop.signal)).toBeUndefined()
  })
})

describe('Verifier', () => {
  function verifier(command: string, maxSendBacks: number) {
    const w = world()
    const logs: string[] = []
    return { v: new Verifier({ ...w, command, maxSendBacks, log: (l) => logs.push(l) }), logs }
  }

  it('passes: the run completes and the verdict is passed', async () => {
    const { v, logs } = verifier('echo fine', 2)
    expect(await v.check({ signal, mayContinue: true })).toBeUndefined()
    expect(v.result()).toMatchObject({ status: 'passed', sentBack: 0, command: 'echo fine' })
    expect(logs).toEqual([
      'Verification 1: running `echo fine`',
      expect.stringMatching(/^Verification 1: passed in \d+ s$/),
    ])
  })

  it('sends the model back at most verify-attempts times, then the verdict is failed', async () => {
    const { v } = verifier('echo "expected 2, got 3"; exit 1', 2)
    const first = await v.check({ signal, mayContinue: true })
    expect(first).toContain('it failed (exit code 1)')
    expect(first).toContain('expected 2, got 3')
    expect(first).toContain('1 more retry remains')
    const second = await v.check({ signal, mayContinue: true })
    expect(second).toContain('that is the last attempt')
    expect(await v.check({ signal, mayContinue: true })).toBeUndefined()
    expect(v.result()).toMatchObject({ status: 'failed', sentBack: 2, maxSendBacks: 2 })
    expect(v.result().attempts).toHaveLength(3)
    expect(v.result().note).toBeUndefined()
  })

  it('with no budget left, does not send the model back', async () => {
    const { v } = verifier('exit 1', 2)
    expect(await v.check({ signal, mayContinue: false })).toBeUndefined()
    expect(v.result()).toMatchObject({ status: 'failed', sentBack: 0 })
  })

  it('a failure fixed on the second attempt is passed', async () => {
    const w = world()
    const v = new Verifier({ ...w, command: 'test -f fixed', maxSendBacks: 2, log: () => {} })
    expect(await v.check({ signal, mayContinue: true })).toBeDefined()
    repo!.write('fixed', '')
    expect(await v.check({ signal, mayContinue: true })).toBeUndefined()
    expect(v.result()).toMatchObject({ status: 'passed', sentBack: 1 })
  })

  it('a run that stops while the model fixes a failure is failed, with a note that its last changes were not verified', async () => {
    const { v } = verifier('exit 1', 2)
    await v.check({ signal, mayContinue: true })
    const r = v.result('the run stopped early (max-turns)')
    expect(r.status).toBe('failed')
    expect(r.note).toMatch(/fixing a failed verification when the run stopped early \(max-turns\)/)
  })

  it('never ran: not-run, with why', () => {
    const { v } = verifier('exit 0', 2)
    expect(v.result('the model asked for clarification')).toMatchObject({
      status: 'not-run',
      note: 'the model asked for clarification',
    })
  })

  it('a verification the time budget cut short leaves the work unverified, whatever came before', async () => {
    const w = world()
    const v = new Verifier({
      ...w,
      command: 'test -f fixed || exit 1; sleep 30',
      maxSendBacks: 2,
      log: () => {},
    })
    expect(await v.check({ signal, mayContinue: true })).toBeDefined()
    repo!.write('fixed', '')
    const deadline = new AbortController()
    setTimeout(() => deadline.abort(), 200)
    expect(await v.check({ signal: deadline.signal, mayContinue: true })).toBeUndefined()
    expect(v.result()).toMatchObject({ status: 'not-run', note: 'the time budget ran out while it ran' })
  })
})
