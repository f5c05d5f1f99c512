/**
 * The sandbox (sandbox-runtime: bubblewrap, socat, the filtering proxy), as the bash tool uses it: a command must
 * not read the action's secrets through /proc or the runner's secret files, must not write outside the
 * workspace or under its git metadata, must not reach a host `allowed-domains` does not list, must not outlive
 * its call, and must still create files as the real user. Every attack is also run unsandboxed, so each
 * assertion is shown to be able to fail.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import ts from 'typescript'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { BWRAP_PATH_VARIABLE, createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import { createBashTool } from '../../src/tools/bash.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct } from '../tools/direct.js'
import { makeRepo, makeTempDir, type TempRepo } from '../tools/repo.js'
import { pidsWith } from '../support/processes.js'

const linux = process.platform === 'linux'
const REPO_ROOT = path.resolve(import.meta.dirname, '../..')
const plainSandbox = createPlainSandbox({ env: allowlistedEnv() })
const bash = direct(createBashTool())
const probe = makeRepo({ 'a.txt': 'probe\n' })
const status = await createRuntimeSandbox({
  env: allowlistedEnv(),
  workspace: probe.root,
  allowedDomains: [],
}).status()
probe.cleanup()

const plain = {
  run: (input: unknown, ctx: ToolContext) => bash.run(input, { ...ctx, sandbox: plainSandbox }),
}

let repo: TempRepo | undefined
afterEach(() => repo?.cleanup())

/** A repository and a sandbox for it (the runner's environment as `hostEnv`, network as `allowedDomains`). */
function setup(o: { hostEnv?: NodeJS.ProcessEnv; allowedDomains?: string[] } = {}): ToolContext & {
  sandbox: ReturnType<typeof createRuntimeSandbox>
} {
  repo = makeRepo({ 'a.txt': 'hello\n' })
  const sandbox = createRuntimeSandbox({
    env: allowlistedEnv(),
    workspace: repo.root,
    allowedDomains: o.allowedDomains ?? [],
    hostEnv: o.hostEnv ?? process.env,
  })
  return { workspace: repo.root, sandbox }
}

const isolated = {
  run: (input: unknown, ctx: ToolContext) => bash.run(input, ctx),
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

describe.skipIf(!linux)('sandbox start-up', () => {
  it('starts here (CI installs bubblewrap, socat and ripgrep), or says why not', () => {
    if (status.isolated) expect(status.reason).toBeUndefined()
    else expect(status.reason).toMatch(/\S/)
    expect(status.isolated).toBe(spawnSync('bwrap', ['--version']).status === 0)
  })

  it('fails closed when bubblewrap is missing: nothing runs, and the reason names it', async () => {
    repo = makeRepo({ 'a.txt': 'hello\n' })
    const marker = path.join(repo.root, 'ran')
    const sandbox = createRuntimeSandbox({
      env: allowlistedEnv(),
      workspace: repo.root,
      allowedDomains: [],
      hostEnv: { ...process.env, [BWRAP_PATH_VARIABLE]: '/nonexistent/bwrap' },
      prepareHost: false,
    })
    const s = await sandbox.status()
    expect(s.isolated).toBe(false)
    expect(s.reason).toContain('/nonexistent/bwrap (package bubblewrap)')
    const out = await bash.run({ command: `touch ${marker}` }, { workspace: repo.root, sandbox })
    expect(out.isError).toBe(true)
    expect(out.content).toContain('The sandbox is not available')
    expect(fs.existsSync(marker)).toBe(false)
  })
})

describe.skipIf(!status.isolated)('bash tool in the sandbox', () => {
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

  it('sees only its own processes, in a private /proc', async () => {
    const ctx = setup()
    const out = await isolated.run({ command: "echo pid=$$; ls /proc | grep -cE '^[0-9]+$'" }, ctx)
    const pid = Number(/^pid=(\d+)$/m.exec(out.content)?.[1])
    expect(pid).toBeGreaterThan(0)
    expect(pid).toBeLessThan(5)
    const count = Number(/^(\d+)$/m.exec(out.content)?.[1])
    expect(count).toBeGreaterThan(0)
    expect(count).toBeLessThan(20) // its own, bubblewrap's and the proxy bridges
    expect((await plain.run({ command: 'echo pid=$$' }, ctx)).content).not.toMatch(/^pid=[1-4]$/m)
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
    expect(await survivorsOf(b)).toEqual([]) // nor bwrap and its shells, whose command lines hold both
  })

  it('keeps exit codes and signals', async () => {
    const ctx = setup()
    expect((await isolated.run({ command: 'echo hi; exit 7' }, ctx)).content).toBe('hi\n[exit code 7]')
    expect((await isolated.run({ command: 'sleep 5 & kill -9 $!; wait $!' }, ctx)).content).toMatch(
      /\[exit code 137\]$/,
    )
  })

  it('behaves as before when the sandbox is off', async () => {
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

describe.skipIf(!status.isolated)('the sandbox file system and network', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })))

  /** A home directory and a RUNNER_TEMP with credentials in them, as a runner has. */
  function plantedRunner(): NodeJS.ProcessEnv {
    const home = makeTempDir('impl-home-')
    const temp = makeTempDir('impl-runner-temp-')
    dirs.push(home, temp)
    fs.mkdirSync(path.join(home, '.ssh'))
    fs.writeFileSync(path.join(home, '.ssh', 'id_rsa'), 'PLANTED-SSH-KEY\n')
    fs.writeFileSync(path.join(home, '.git-credentials'), 'https://x:PLANTED-GIT-CRED@example.com\n')
    fs.writeFileSync(path.join(home, '.gitconfig'), '[credential]\n\thelper = store # PLANTED-GITCONFIG\n')
    fs.mkdirSync(path.join(home, '.config', 'gh'), { recursive: true })
    fs.writeFileSync(path.join(home, '.config', 'gh', 'hosts.yml'), 'oauth_token: PLANTED-GH\n')
    fs.writeFileSync(path.join(home, 'notes.txt'), 'ordinary file\n')
    fs.writeFileSync(path.join(temp, 'git-credentials-1234.config'), 'PLANTED-RUNNER-TEMP\n')
    return { ...process.env, HOME: home, RUNNER_TEMP: temp }
  }

  it("cannot read the home directory's credentials or RUNNER_TEMP, but can read the rest", async () => {
    const hostEnv = plantedRunner()
    const ctx = setup({ hostEnv })
    const command = [
      `cat ${hostEnv.HOME}/.ssh/id_rsa ${hostEnv.HOME}/.git-credentials ${hostEnv.HOME}/.gitconfig`,
      `cat ${hostEnv.HOME}/.config/gh/hosts.yml; ls ${hostEnv.HOME}/.ssh`,
      `cat ${hostEnv.RUNNER_TEMP}/*; ls -A ${hostEnv.RUNNER_TEMP}`,
      `cat ${hostEnv.HOME}/notes.txt`,
      'git status --short; echo git=$?',
    ].join('\n')
    const open = await plain.run({ command }, ctx)
    for (const p of ['PLANTED-SSH-KEY', 'PLANTED-GIT-CRED', 'PLANTED-GH', 'PLANTED-RUNNER-TEMP'])
      expect(open.content).toContain(p) // readable without the sandbox
    const out = await isolated.run({ command }, ctx)
    expect(out.content).not.toMatch(/PLANTED/)
    expect(out.content).toContain('ordinary file')
    expect(out.content).toContain('git=0') // git works with the home's git config hidden
  })

  it("cannot read a submodule's or worktree's config in the git metadata (checkout persists the header there)", async () => {
    const ctx = setup()
    const modules = path.join(ctx.workspace, '.git', 'modules', 'lib', 'nested', 'modules', 'deep')
    fs.mkdirSync(modules, { recursive: true })
    fs.writeFileSync(
      path.join(ctx.workspace, '.git', 'modules', 'lib', 'config'),
      'PLANTED-SUBMODULE-HEADER\n',
    )
    fs.writeFileSync(path.join(modules, 'config'), 'PLANTED-NESTED-HEADER\n')
    fs.mkdirSync(path.join(ctx.workspace, '.git', 'worktrees', 'wt'), { recursive: true })
    fs.writeFileSync(path.join(ctx.workspace, '.git', 'worktrees', 'wt', 'config.worktree'), 'PLANTED-WT\n')
    ctx.sandbox = createRuntimeSandbox({
      env: allowlistedEnv(),
      workspace: ctx.workspace,
      allowedDomains: [],
      hostEnv: process.env,
    })
    const command = `cat .git/modules/lib/config ${path.relative(ctx.workspace, modules)}/config .git/worktrees/wt/config.worktree`
    expect((await plain.run({ command }, ctx)).content).toContain('PLANTED-SUBMODULE-HEADER')
    const out = await isolated.run({ command }, ctx)
    expect(out.content).not.toMatch(/PLANTED/)
  })

  it('gives the usual caches a writable place, since the home directory is read-only', async () => {
    const ctx = setup()
    const command =
      'for d in "$XDG_CACHE_HOME" "$npm_config_cache" "$GOCACHE" "$PIP_CACHE_DIR"; do mkdir -p "$d/x" && echo "ok $d"; done; echo "tmp $TMPDIR"'
    const out = await isolated.run({ command }, ctx)
    const tmp = /^tmp (.+)$/m.exec(out.content)?.[1] ?? ''
    expect(tmp).not.toBe('')
    for (const name of ['cache', 'npm', 'go-build', 'pip']) expect(out.content).toContain(`ok ${tmp}/${name}`)
  })

  it('writes in the workspace and its temp directory, never under .git or outside', async () => {
    const ctx = setup()
    const outside = path.join(os.tmpdir(), `impl-outside-${randomBytes(4).toString('hex')}`)
    const command = [
      'echo changed > a.txt && echo wrote-workspace',
      'echo tmp > "$TMPDIR/t" && echo wrote-tmpdir',
      'git config core.fsmonitor "touch /tmp/pwned"; echo config=$?',
      'printf "#!/bin/sh\\necho hook\\n" > .git/hooks/post-checkout; echo hook=$?',
      'echo x > .git/HEAD; echo head=$?',
      'mv .git .git-moved; echo move=$?',
      `echo x > ${outside}; echo outside=$?`,
      'echo x > ~/planted; echo home=$?',
      // A hard link to a file outside (which the editor would then read and write through): across mounts.
      `ln ${outside}-target hardlink; echo hardlink=$?`,
    ].join('\n')
    fs.writeFileSync(`${outside}-target`, 'outside\n')
    const before = fs.readFileSync(path.join(ctx.workspace, '.git', 'config'), 'utf8')
    const out = await isolated.run({ command }, ctx)
    expect(out.content).toContain('wrote-workspace')
    expect(out.content).toContain('wrote-tmpdir')
    for (const step of ['config', 'hook', 'head', 'move', 'outside', 'home', 'hardlink'])
      expect(out.content, step).toMatch(new RegExp(`^${step}=[1-9]`, 'm'))
    expect(fs.readFileSync(path.join(ctx.workspace, 'a.txt'), 'utf8')).toBe('changed\n')
    expect(fs.readFileSync(path.join(ctx.workspace, '.git', 'config'), 'utf8')).toBe(before)
    expect(fs.existsSync(path.join(ctx.workspace, '.git', 'hooks', 'post-checkout'))).toBe(false)
    expect(fs.existsSync(outside)).toBe(false)
    expect(fs.existsSync(path.join(ctx.workspace, 'hardlink'))).toBe(false)
    fs.rmSync(`${outside}-target`)
  })

  it("keeps a worktree's real git dir read-only too", async () => {
    const ctx = setup()
    repo!.git('commit', '-q', '--allow-empty', '-m', 'base')
    const wt = path.join(makeTempDir('impl-wt-'), 'wt')
    dirs.push(path.dirname(wt))
    repo!.git('worktree', 'add', '-q', wt)
    const sandbox = createRuntimeSandbox({ env: allowlistedEnv(), workspace: wt, allowedDomains: [] })
    const gitDir = path.join(ctx.workspace, '.git')
    const out = await bash.run(
      {
        command: [
          `echo x > ${gitDir}/worktrees/wt/HEAD; echo wt=$?`,
          `echo x >> ${gitDir}/config; echo common=$?`,
          'echo y > .git; echo gitfile=$?',
          'echo ok > f.txt && echo wrote',
        ].join('\n'),
      },
      { workspace: wt, sandbox },
    )
    for (const step of ['wt', 'common', 'gitfile'])
      expect(out.content, step).toMatch(new RegExp(`^${step}=[1-9]`, 'm'))
    expect(out.content).toContain('wrote')
  })

  it('blocks a host allowed-domains does not list, tells the command, and records it; lets a listed one through', async () => {
    const server = http.createServer((_q, res) => res.end('loopback-answer\n'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as AddressInfo).port
    try {
      const command = `curl -sS -m 10 http://127.0.0.1:${port}/; echo curl=$?`
      const open = await plain.run({ command }, setup())
      expect(open.content).toContain('loopback-answer') // reachable without the sandbox

      const closed = setup()
      const out = await isolated.run({ command }, closed)
      expect(out.content).not.toContain('loopback-answer')
      expect(out.content).toContain(
        `[network: connection to 127.0.0.1:${port} blocked; allowed-domains does not list it]`,
      )
      expect(closed.sandbox.blocked()).toEqual([{ host: '127.0.0.1', port, command }])

      const allowed = setup({ allowedDomains: ['127.0.0.1'] })
      const ok = await isolated.run({ command }, allowed)
      expect(ok.content).toContain('loopback-answer')
      expect(ok.content).toContain('curl=0')
      expect(allowed.sandbox.blocked()).toEqual([])
    } finally {
      server.close()
    }
  })

  it('has no network of its own: a direct connection past the proxy fails', async () => {
    const ctx = setup({ allowedDomains: ['*'] })
    const out = await isolated.run(
      { command: 'curl -sS -m 5 --noproxy "*" http://1.1.1.1/ >/dev/null; echo direct=$?' },
      ctx,
    )
    expect(out.content).toMatch(/^direct=[1-9]/m)
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
    // Under the repository's node_modules, so the transpiled modules resolve @anthropic-ai/sandbox-runtime.
    const cache = path.join(REPO_ROOT, 'node_modules', '.cache')
    fs.mkdirSync(cache, { recursive: true, mode: 0o755 })
    dir = fs.realpathSync(fs.mkdtempSync(path.join(cache, 'impl-iso-')))
    fs.chmodSync(dir, 0o755)
    transpileClosure(['tools/bash.ts', 'sandbox/runtime.ts', 'sandbox/plain.ts'])
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}')
    fs.writeFileSync(
      path.join(dir, 'run.js'),
      [
        "import { createBashTool } from './tools/bash.js'",
        "import { createPlainSandbox } from './sandbox/plain.js'",
        "import { createRuntimeSandbox } from './sandbox/runtime.js'",
        'const [workspace, isolate, command] = process.argv.slice(2)',
        'const tool = createBashTool()',
        'const env = { PATH: process.env.PATH, HOME: workspace }',
        "const sandbox = isolate === 'yes'",
        '  ? createRuntimeSandbox({ env, workspace, allowedDomains: [], prepareHost: false })',
        '  : createPlainSandbox({ env })',
        'const out = await tool.run(tool.parse({ command }), { workspace, sandbox })',
        'console.log(JSON.stringify({ status: await sandbox.status(), content: out.content }))',
        'process.exit(0) // the sandbox proxies would keep the process alive',
      ].join('\n'),
    )
    fs.writeFileSync(
      path.join(dir, 'signal.js'),
      [
        "import { createRuntimeSandbox } from './sandbox/runtime.js'",
        'const [workspace] = process.argv.slice(2)',
        'const sandbox = createRuntimeSandbox({ env: { PATH: process.env.PATH }, workspace, allowedDomains: [] })',
        'console.log(JSON.stringify(await sandbox.status()))',
        'setInterval(() => {}, 1000) // a run still going',
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

  it.skipIf(!status.isolated)(
    'still ends on SIGTERM and SIGINT once the sandbox started (a cancelled job)',
    async () => {
      if (!dir) buildRunner()
      const workspace = fs.mkdtempSync(path.join(dir, 'ws-'))
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const child = spawn(process.execPath, [path.join(dir, 'signal.js'), workspace], {
          stdio: ['ignore', 'pipe', 'inherit'],
        })
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
        const ended = new Promise<NodeJS.Signals | null>((resolve) =>
          child.once('exit', (_c, s) => resolve(s)),
        )
        child.kill(signal)
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        expect(await ended).toBe(signal)
        clearTimeout(timer)
      }
    },
  )

  it.skipIf(!status.isolated || process.getuid?.() !== 0)(
    'still hides the secrets from a root command that tries to unmount the private /proc',
    () => {
      // Root inside the user namespace has no capabilities left (bubblewrap drops them): the mount stays.
      const canary = `canary-${randomBytes(8).toString('hex')}`
      const run = runAs(
        'self',
        true,
        `umount /proc && echo unmounted; ls /proc | grep -cE '^[0-9]+$'\n${SNOOP}`,
        canary,
      )
      expect(run.status.isolated).toBe(true)
      expect(run.content).not.toContain('unmounted')
      expect(Number(/^(\d+)$/m.exec(run.content)?.[1])).toBeLessThan(20) // still only its own processes
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
