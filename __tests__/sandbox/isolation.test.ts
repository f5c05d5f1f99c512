/**
 * The sandbox's namespaces, as the bash tool uses them: a command must not read the action's secrets through /proc, must not outlive its
 * call, and must still create files as the real user. Every attack is also run with isolation off, so each
 * assertion is shown to be able to fail.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ts from 'typescript'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createSandbox } from '../../src/sandbox/namespaces.js'
import { createBashTool } from '../../src/tools/bash.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct } from '../tools/direct.js'
import { makeRepo, type TempRepo } from '../tools/repo.js'

const isolatedSandbox = createSandbox({ env: allowlistedEnv() })
const plainSandbox = createSandbox({ env: allowlistedEnv(), isolate: false })
const status = await isolatedSandbox.status()
const linux = process.platform === 'linux'
const bash = direct(createBashTool())
const isolated = {
  run: (input: unknown, ctx: ToolContext) => bash.run(input, { ...ctx, sandbox: isolatedSandbox }),
}
const plain = {
  run: (input: unknown, ctx: ToolContext) => bash.run(input, { ...ctx, sandbox: plainSandbox }),
}

let repo: TempRepo | undefined
afterEach(() => repo?.cleanup())

function setup(): ToolContext {
  repo = makeRepo({ 'a.txt': 'hello\n' })
  return { workspace: repo.root, sandbox: isolatedSandbox }
}

/** Pids of running (not zombie) processes whose command line contains `needle`. */
function pidsWith(needle: string): number[] {
  const found: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ')
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]
      if (cmdline.includes(needle) && state !== 'Z' && state !== 'X') found.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return found
}

/** `pidsWith`, after giving the kernel a moment to deliver SIGKILL and reap. */
async function survivorsOf(needle: string): Promise<number[]> {
  for (let i = 0; i < 40; i++) {
    const pids = pidsWith(needle)
    if (pids.length === 0) return pids
    await new Promise((r) => setTimeout(r, 50))
  }
  return pidsWith(needle)
}

/** A `sleep` argument no other process has, so the test can find exactly this sleep from outside. */
function uniqueSleep(): string {
  return `${60 + Math.floor(Math.random() * 1000)}.${randomBytes(4).readUInt32BE(0)}`
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

/** The command that reads secrets of the processes around the tool. */
const SNOOP = [
  'grep -l canary- /proc/*/environ 2>/dev/null; echo done',
  "cat /proc/$PPID/environ 2>/dev/null | tr '\\0' '\\n' | grep CANARY || true",
].join('\n')

describe.skipIf(!linux)('isolation probe', () => {
  it('agrees with a direct run of the wrapper, and explains itself when off', () => {
    const help = spawnSync('unshare', ['--help'], { encoding: 'utf8' })
    const map = help.stdout?.includes('--map-current-user') ? '--map-current-user' : '--map-root-user'
    const direct = spawnSync(
      'unshare',
      ['--user', map, '--pid', '--fork', '--mount-proc', '--', 'bash', '-c', 'test "$$" = 1'],
      { stdio: 'ignore', timeout: 5_000 },
    )
    expect(status.isolated).toBe(direct.status === 0)
    if (status.isolated) expect(status.reason).toBeUndefined()
    else expect(status.reason).toMatch(/\S/)
  })
})

describe.skipIf(!status.isolated)('bash tool in its own namespaces', () => {
  const holders: ChildProcess[] = []
  afterAll(() => killQuietly(holders.map((h) => h.pid ?? 0).filter((p) => p > 0)))

  it('cannot read the environment of other processes of the same user', async () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`
    // As the brief's attack has it; but setenv never reaches /proc/<pid>/environ (the exec-time block), so a
    // sibling process started WITH the canary stands for the action's node process (see the subprocess test).
    process.env.ISOLATION_CANARY_SECRET = canary
    const holder = spawn('sleep', ['120'], { stdio: 'ignore', env: { ISOLATION_CANARY_SECRET: canary } })
    holders.push(holder)
    try {
      const ctx = setup()
      await new Promise((r) => setTimeout(r, 100)) // holder has exec'd
      const open = await plain.run({ command: SNOOP }, ctx)
      expect(open.content).toContain(`/proc/${holder.pid}/environ`) // the attack works without namespaces

      const out = await isolated.run({ command: SNOOP }, ctx)
      expect(out.content).toContain('done')
      expect(out.content).not.toContain(canary)
      expect(out.content).not.toContain(`/proc/${holder.pid}/`)
      expect(out.content).not.toMatch(/CANARY/)
    } finally {
      delete process.env.ISOLATION_CANARY_SECRET
    }
  })

  it('sees only its own processes, as PID 1 of a private /proc', async () => {
    const ctx = setup()
    const out = await isolated.run({ command: "echo pid=$$; ls /proc | grep -cE '^[0-9]+$'" }, ctx)
    expect(out.content).toMatch(/^pid=1$/m)
    const count = Number(/^(\d+)$/m.exec(out.content)?.[1])
    expect(count).toBeGreaterThan(0)
    expect(count).toBeLessThan(10)
    expect((await plain.run({ command: 'echo pid=$$' }, ctx)).content).not.toMatch(/^pid=1$/m)
  })

  it('creates files owned by the real user, in the workspace', async () => {
    const ctx = setup()
    const out = await isolated.run({ command: 'pwd; touch made.txt; mkdir -p d; echo x > d/f; id -u' }, ctx)
    expect(out.content).toContain(`${ctx.workspace}\n`)
    expect(out.content).toMatch(/\[exit code 0\]$/)
    for (const rel of ['made.txt', 'd', 'd/f']) {
      const st = fs.statSync(path.join(ctx.workspace, rel))
      expect(st.uid, rel).toBe(process.getuid!())
      expect(st.gid, rel).toBe(process.getgid!())
    }
    // The existing repository is usable as before (git checks that the directory is owned by the caller).
    const git = await isolated.run({ command: 'git status --porcelain' }, ctx)
    expect(git.content).toContain('?? made.txt')
    expect(git.content).toMatch(/\[exit code 0\]$/)
  })

  it('takes detached processes down with the command, with no sweep needed', async () => {
    const ctx = setup()
    const a = uniqueSleep()
    const b = uniqueSleep()
    const c = uniqueSleep()
    const out = await isolated.run(
      {
        command: [
          `setsid sleep ${a} >/dev/null 2>&1 </dev/null &`,
          `setsid -f sleep ${b} >/dev/null 2>&1 </dev/null`,
          `(nohup sleep ${c} >/dev/null 2>&1 </dev/null &)`,
          'sleep 0.2; echo started',
        ].join('\n'),
      },
      ctx,
    )
    expect(out.content).toContain('started\n[exit code 0]')
    for (const arg of [a, b, c]) expect(await survivorsOf(arg), arg).toEqual([])
  })

  it('kills the whole namespace on timeout', async () => {
    const ctx = setup()
    const a = uniqueSleep()
    const b = uniqueSleep()
    const short = direct(createBashTool({ timeoutMs: 500 }))
    const out = await short.run({ command: `setsid sleep ${a} >/dev/null 2>&1 </dev/null & sleep ${b}` }, ctx)
    expect(out.isError).toBe(true)
    expect(out.content).toContain('[command timed out after 1 s and was killed]')
    expect(await survivorsOf(a)).toEqual([])
    expect(await survivorsOf(b)).toEqual([]) // nor unshare and its bash, whose command lines hold both
  })

  it('keeps exit codes; the shell is PID 1 and so ignores signals sent from inside', async () => {
    const ctx = setup()
    expect((await isolated.run({ command: 'echo hi; exit 7' }, ctx)).content).toBe('hi\n[exit code 7]')
    expect((await isolated.run({ command: 'sleep 5 & kill -9 $!; wait $!' }, ctx)).content).toMatch(
      /\[exit code 137\]$/,
    )
    // A known difference: PID 1 of a namespace only dies of signals sent from outside it (timeout, abort).
    const self = await isolated.run({ command: 'kill -9 $$; echo survived' }, ctx)
    expect(self.content).toBe('survived\n[exit code 0]')
    expect((await plain.run({ command: 'kill -9 $$; echo survived' }, ctx)).content).toBe(
      '[killed by SIGKILL]',
    )
  })

  it('behaves as before when isolation is off', async () => {
    const ctx = setup()
    const a = uniqueSleep()
    const out = await plain.run({ command: `setsid sleep ${a} >/dev/null 2>&1 </dev/null & sleep 0.2` }, ctx)
    expect(out.content).toBe('[exit code 0]')
    const left = pidsWith(a)
    try {
      expect(left.length).toBe(1) // outlived the command (left the process group)
      expect(await plainSandbox.reap()).toBeGreaterThanOrEqual(1)
      expect(await survivorsOf(a)).toEqual([])
    } finally {
      killQuietly(left)
    }
  })
})

/**
 * The real shape of the attack: a node process that got the secrets in its environment at exec time (as the
 * action's does, from the runner) runs the bash tool; the command reads /proc/$PPID/environ. Runs the tool
 * source transpiled to plain ESM in a child node, as this user and, when we are root, as `nobody`.
 */
describe.skipIf(!linux)('bash tool under a process holding secrets', () => {
  let dir = ''
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true })
  })

  /** Transpiles `entries` (paths under src/) and every module they import, keeping src/'s layout under `dir`. */
  function transpileClosure(entries: string[]): void {
    const src = path.resolve(import.meta.dirname, '../../src')
    const todo = [...entries]
    const done = new Set<string>()
    for (let rel = todo.pop(); rel !== undefined; rel = todo.pop()) {
      if (done.has(rel)) continue
      done.add(rel)
      const code = fs.readFileSync(path.join(src, rel), 'utf8')
      for (const { fileName } of ts.preProcessFile(code).importedFiles) {
        if (fileName.startsWith('.'))
          todo.push(path.join(path.dirname(rel), fileName.replace(/\.js$/, '.ts')))
      }
      const { outputText } = ts.transpileModule(code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      })
      const out = path.join(dir, rel.replace(/\.ts$/, '.js'))
      fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o755 })
      fs.writeFileSync(out, outputText)
    }
  }

  function buildRunner(): string {
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'impl-iso-')))
    fs.chmodSync(dir, 0o755)
    transpileClosure(['tools/bash.ts', 'sandbox/namespaces.ts'])
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}')
    fs.writeFileSync(
      path.join(dir, 'run.js'),
      [
        "import { createBashTool } from './tools/bash.js'",
        "import { createSandbox } from './sandbox/namespaces.js'",
        'const [workspace, isolate, command] = process.argv.slice(2)',
        'const tool = createBashTool()',
        "const sandbox = createSandbox({ env: { PATH: process.env.PATH, HOME: workspace }, isolate: isolate === 'yes' })",
        'const out = await tool.run(tool.parse({ command }), { workspace, sandbox })',
        'console.log(JSON.stringify({ status: await sandbox.status(), content: out.content }))',
      ].join('\n'),
    )
    return path.join(dir, 'run.js')
  }

  function runAs(
    user: 'self' | 'nobody',
    isolate: boolean,
    command: string,
    canary: string,
  ): { status: { isolated: boolean; reason?: string }; content: string; workspace: string } {
    const runner = dir ? path.join(dir, 'run.js') : buildRunner()
    const workspace = fs.mkdtempSync(path.join(dir, 'ws-'))
    fs.chmodSync(workspace, 0o755)
    const node = [process.execPath, runner, workspace, isolate ? 'yes' : 'no', command]
    const argv =
      user === 'self' ? node : ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node]
    if (user === 'nobody') fs.chownSync(workspace, 65534, 65534)
    const out = execFileSync(argv[0], argv.slice(1), {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ISOLATION_CANARY_SECRET: canary,
        'INPUT_GITHUB-TOKEN': canary,
      },
      timeout: 30_000,
    })
    return { ...JSON.parse(out), workspace }
  }

  const users: ('self' | 'nobody')[] = ['self']
  const asRoot = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0
  if (asRoot) users.push('nobody')

  for (const user of users) {
    it(`keeps the parent's secrets from the command (${user === 'self' ? 'this user' : 'as nobody'})`, (t) => {
      const canary = `canary-${randomBytes(8).toString('hex')}`
      const open = runAs(user, false, SNOOP, canary)
      expect(open.content).toContain(canary) // the attack works without namespaces
      const run = runAs(user, true, `${SNOOP}\ntouch owned`, canary)
      if (!run.status.isolated) {
        t.annotate(`not isolated as ${user}: ${run.status.reason}`)
        return
      }
      expect(run.content).toContain('done')
      expect(run.content).not.toContain(canary)
      expect(run.content).not.toMatch(/CANARY|GITHUB-TOKEN/)
      expect(fs.statSync(path.join(run.workspace, 'owned')).uid).toBe(
        user === 'self' ? process.getuid!() : 65534,
      )
    })
  }

  it.skipIf(!status.isolated || process.getuid?.() !== 0)(
    'still hides the secrets from a root command that unmounts the private /proc',
    () => {
      // Root inside the user namespace may unmount /proc and see the machine's; the kernel still refuses
      // /proc/<pid>/environ of processes outside the namespace.
      const canary = `canary-${randomBytes(8).toString('hex')}`
      const run = runAs(
        'self',
        true,
        `umount /proc && echo unmounted; ls /proc | grep -cE '^[0-9]+$'\n${SNOOP}`,
        canary,
      )
      expect(run.status.isolated).toBe(true)
      expect(run.content).toContain('unmounted')
      expect(Number(/^(\d+)$/m.exec(run.content)?.[1])).toBeGreaterThan(3) // the machine's processes
      expect(run.content).not.toContain(canary)
    },
  )
})

/** Isolation only holds if the model's processes cannot start anywhere else: one runner, in the sandbox. */
describe('process boundary', () => {
  it('starts processes only in src/sandbox/process.ts (and the action’s own git)', () => {
    const src = path.resolve(import.meta.dirname, '../../src')
    const spawning: string[] = []
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name)
        if (e.isDirectory()) walk(p)
        else if (p.endsWith('.ts') && /\bchild_process\b/.test(fs.readFileSync(p, 'utf8')))
          spawning.push(path.relative(src, p).split(path.sep).join('/'))
      }
    }
    walk(src)
    expect(spawning.sort()).toEqual(['git/command-manager.ts', 'sandbox/process.ts'])
  })
})
