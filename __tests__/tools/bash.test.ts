import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import { TOOL_RUN_MARKER_NAME } from '../../src/sandbox/strays.js'
import { createBashTool } from '../../src/tools/bash.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct } from './direct.js'
import { makeRepo, type TempRepo } from './repo.js'
import { isAlive } from '../support/processes.js'

let repo: TempRepo
afterEach(() => repo?.cleanup())

function setup(env: Record<string, string> = allowlistedEnv()): ToolContext {
  repo = makeRepo({ 'a.txt': 'hello\n' })
  return {
    workspace: repo.root,
    sandbox: createRuntimeSandbox({ env, workspace: repo.root, allowedDomains: [] }),
  }
}

const bash = direct(createBashTool())
/**
 * Without namespaces: the pids a command prints are this machine's, and detached processes can outlive it. The
 * namespaced behaviour is covered in __tests__/sandbox/isolation.test.ts.
 */
const plainSandbox = createPlainSandbox({ env: allowlistedEnv() })
const plain = {
  run: (input: unknown, ctx: ToolContext) => bash.run(input, { ...ctx, sandbox: plainSandbox }),
}

describe('bash tool', () => {
  it('runs in the repository root and reports stdout, stderr and the exit code', async () => {
    const ctx = setup()
    const out = await bash.run({ command: 'pwd; cat a.txt; echo oops >&2; exit 3' }, ctx)
    expect(out.content).toContain(repo.root)
    expect(out.content).toContain('hello')
    expect(out.content).toContain('oops')
    expect(out.content).toMatch(/\[exit code 3\]$/)
    expect(out.isError).toBeFalsy()
    const ok = await bash.run({ command: 'true' }, ctx)
    expect(ok.content).toBe('[exit code 0]')
  })

  it('never leaks credentials into the environment of commands', async () => {
    const planted = {
      ...process.env,
      GITHUB_TOKEN: 'ghs_plantedGithubToken1234567890',
      INPUT_X: 'planted-input-value',
      'INPUT_ANTHROPIC-API-KEY': 'sk-ant-planted-input-key-123456',
      ANTHROPIC_API_KEY: 'sk-ant-planted-api-key-1234567890',
      ACTIONS_RUNTIME_TOKEN: 'planted-actions-runtime-token',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://planted.example/token',
      NPM_TOKEN: 'planted-npm-token',
      MY_SECRET: 'planted-my-secret',
      AWS_SECRET_ACCESS_KEY: 'planted-aws-secret',
      GITHUB_WORKSPACE: '/planted/workspace',
      LC_ALL: 'C.UTF-8',
    }
    const saved = process.env.GITHUB_TOKEN
    process.env.GITHUB_TOKEN = planted.GITHUB_TOKEN // the parent process has it too
    try {
      const ctx = setup(allowlistedEnv(planted))
      const out = (await bash.run({ command: 'env' }, ctx)).content
      for (const value of [
        planted.GITHUB_TOKEN,
        planted.INPUT_X,
        planted['INPUT_ANTHROPIC-API-KEY'],
        planted.ANTHROPIC_API_KEY,
        planted.ACTIONS_RUNTIME_TOKEN,
        planted.ACTIONS_ID_TOKEN_REQUEST_URL,
        planted.NPM_TOKEN,
        planted.MY_SECRET,
        planted.AWS_SECRET_ACCESS_KEY,
        planted.GITHUB_WORKSPACE,
      ]) {
        expect(out).not.toContain(value)
      }
      expect(out).not.toMatch(/^(GITHUB_|INPUT_|ACTIONS_|ANTHROPIC_)/m)
      expect(out).toMatch(/^PATH=/m)
      expect(out).toContain('LC_ALL=C.UTF-8')
      expect(out).toContain('GIT_TERMINAL_PROMPT=0')
    } finally {
      if (saved === undefined) delete process.env.GITHUB_TOKEN
      else process.env.GITHUB_TOKEN = saved
    }
  })

  it('caps long output, keeping head and tail with a note', async () => {
    const ctx = setup()
    const out = (
      await bash.run(
        { command: 'echo START; for i in $(seq 1 20000); do echo "line $i"; done; echo END' },
        ctx,
      )
    ).content
    expect(out.length).toBeLessThan(30_200)
    expect(out.startsWith('START')).toBe(true)
    expect(out).toContain('END\n[exit code 0]')
    expect(out).toMatch(/\[… \d+ characters of output truncated …\]/)
  })

  it('kills the whole process group on timeout', async () => {
    const ctx = setup()
    const short = direct(createBashTool({ timeoutMs: 500 }))
    const out = await short.run(
      { command: 'sleep 30 & echo "child $!"; sleep 30' },
      { ...ctx, sandbox: plainSandbox },
    )
    expect(out.isError).toBe(true)
    expect(out.content).toContain('[command timed out after 1 s and was killed]')
    const pid = Number(/child (\d+)/.exec(out.content)?.[1])
    expect(pid).toBeGreaterThan(0)
    expect(await isAlive(pid)).toBe(false)
  })

  it('does not wait for background children after the command exits, and kills them', async () => {
    const ctx = setup()
    const out = await plain.run({ command: 'sleep 30 & echo "child $!"' }, ctx)
    expect(out.content).toContain('[exit code 0]')
    const pid = Number(/child (\d+)/.exec(out.content)?.[1])
    expect(await isAlive(pid)).toBe(false)
  })

  it('stops when the run is aborted', async () => {
    const controller = new AbortController()
    const ctx = { ...setup(), signal: controller.signal }
    const running = bash.run({ command: 'sleep 30' }, ctx)
    setTimeout(() => controller.abort(), 100)
    const out = await running
    expect(out.isError).toBe(true)
    expect(out.content).toContain('[command killed: the run is stopping]')
  })

  it('answers restart and refuses a missing command', async () => {
    const ctx = setup()
    expect((await bash.run({ restart: true }, ctx)).content).toContain('restarted')
    await expect(bash.run({}, ctx)).rejects.toThrow(/command/)
    expect(bash.isReadOnly({ command: 'ls' })).toBe(false)
  })

  it('summarizes calls for the transcript', () => {
    expect(bash.summarize({ command: 'npm test' })).toBe('npm test')
    expect(bash.summarize({ restart: true, command: 'ignored' })).toBe('(restart)')
  })
})

/** Still running right now (no waiting): for processes that are expected to survive. */
function runningNow(pid: number): boolean {
  try {
    const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return state !== undefined && state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

function killQuietly(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
}

describe.skipIf(process.platform !== 'linux')('sandbox.reap (stray tool processes)', () => {
  it('marks every command with a per-process value that allowlistedEnv never carries', async () => {
    const ctx = setup()
    const first = (await bash.run({ command: `echo "$${TOOL_RUN_MARKER_NAME}"` }, ctx)).content
    const second = (await bash.run({ command: `echo "$${TOOL_RUN_MARKER_NAME}"` }, ctx)).content
    const value = first.split('\n')[0]
    expect(value).toMatch(/^[0-9a-f]{32}$/)
    expect(second.split('\n')[0]).toBe(value)
    expect(allowlistedEnv()).not.toHaveProperty(TOOL_RUN_MARKER_NAME)
    // The command's env cannot replace it.
    const overridden = await bash.run(
      { command: `echo "$${TOOL_RUN_MARKER_NAME}"` },
      {
        ...ctx,
        sandbox: createRuntimeSandbox({
          env: { ...allowlistedEnv(), [TOOL_RUN_MARKER_NAME]: 'other' },
          workspace: ctx.workspace,
          allowedDomains: [],
        }),
      },
    )
    // (Another sandbox, another temp directory: the session's saved state is not there, and the output says so.)
    expect(overridden.content.split('\n').find((l) => /^[0-9a-f]{32}$/.test(l))).toBe(value)
  })

  it('kills what the model detached from the tool (setsid, nohup, stripped env), and nothing else', async () => {
    const ctx = setup()
    const outsider = spawn('sleep', ['30'], { stdio: 'ignore', detached: true })
    const pids: number[] = []
    try {
      const out = await plain.run(
        {
          command: [
            `setsid sh -c 'sleep 30; echo late' >/dev/null 2>&1 </dev/null & echo "p1 $!"`,
            `setsid nohup sleep 30 >/dev/null 2>&1 </dev/null & echo "p2 $!"`,
            `nohup sleep 30 >/dev/null 2>&1 </dev/null & echo "p3 $!"`,
            // The child drops the marker, but its parent keeps it while waiting.
            `setsid sh -c 'env -u ${TOOL_RUN_MARKER_NAME} sleep 30 & echo $! > child.pid; wait' >/dev/null 2>&1 </dev/null &`,
            'sleep 0.3; echo "p4 $(cat child.pid)"',
          ].join('\n'),
        },
        ctx,
      )
      expect(out.content).toContain('[exit code 0]')
      for (const name of ['p1', 'p2', 'p3', 'p4']) {
        const pid = Number(new RegExp(`${name} (\\d+)`).exec(out.content)?.[1])
        expect(pid, name).toBeGreaterThan(0)
        pids.push(pid)
      }
      const [p1, p2, p3, p4] = pids
      // The group kill at the end of the command got the plain nohup, but not what left the session.
      expect(await isAlive(p3)).toBe(false)
      expect(runningNow(p1)).toBe(true)
      expect(runningNow(p2)).toBe(true)
      expect(runningNow(p4)).toBe(true)
      expect(fs.readFileSync(`/proc/${p4}/environ`, 'latin1')).not.toContain(TOOL_RUN_MARKER_NAME)

      const stopped = await plainSandbox.reap()
      // p1, p2, the sh around p4 and p4 itself
      expect(stopped).toBeGreaterThanOrEqual(4)
      for (const pid of [p1, p2, p4]) expect(await isAlive(pid), String(pid)).toBe(false)
      expect(outsider.pid).toBeDefined()
      expect(runningNow(outsider.pid!)).toBe(true)
      expect(await plainSandbox.reap()).toBe(0)
    } finally {
      killQuietly([...pids, outsider.pid ?? 0].filter((p) => p > 0))
    }
  })
})
