/**
 * The search tools on a 100,000-file repository (issue 15, "Fast at every scale"): the `grep` tool against
 * ripgrep with the same pattern, and the `glob` tool against `rg --files -g`, both sides run through the same
 * sandbox (the runtime sandbox the action uses, or the plain one where it cannot start here).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { bench, ratio } from './harness.js'
import { createPlainSandbox, createRuntimeSandbox, type Sandbox } from '../src/sandbox/index.js'
import { allowlistedEnv } from '../src/sandbox/env.js'
import { createGlobTool, createGrepTool } from '../src/tools/search.js'
import type { ToolContext } from '../src/tools/types.js'

const DIRS = 1000
const FILES_PER_DIR = 100
const RUNS = 10

/** 100,000 small files in 1,000 directories, added to the index in one `git add`. */
function buildRepo(): string {
  const repo = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bench-search-')))
  const t = performance.now()
  for (let d = 0; d < DIRS; d++) {
    const dir = path.join(repo, `pkg${d}`, 'src')
    mkdirSync(dir, { recursive: true })
    for (let f = 0; f < FILES_PER_DIR; f++)
      writeFileSync(path.join(dir, `file${f}.ts`), `export const v${f} = ${f}\n// TODO item ${d}-${f}\n`)
  }
  const git = (...args: string[]): void => {
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    })
  }
  git('init', '-q')
  git('add', '-A')
  console.log(
    `search repo: ${DIRS * FILES_PER_DIR} files, built in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  )
  return repo
}

/** The sandbox the action uses, or the plain one (said so) where it cannot start on this machine. */
async function sandboxFor(repo: string): Promise<Sandbox> {
  const runtime = createRuntimeSandbox({ env: allowlistedEnv(), workspace: repo, allowedDomains: [] })
  const status = await runtime.status()
  if (status.isolated) {
    console.log('search bench: both sides run in the runtime sandbox (bubblewrap)')
    return runtime
  }
  await runtime.close?.()
  console.log(
    `search bench: runtime sandbox unavailable (${status.reason ?? ''}); both sides run in the plain sandbox`,
  )
  return createPlainSandbox({ env: allowlistedEnv() })
}

/** ripgrep as a person would run it, through the same sandbox: all its output read. */
async function rg(sandbox: Sandbox, repo: string, args: string[]): Promise<void> {
  const r = await sandbox.spawn({
    argv: ['rg', ...args],
    cwd: repo,
    timeoutMs: 120_000,
    maxOutput: 64 * 1024 * 1024,
    capture: 'stdout',
  })
  if (r.code !== 0) throw new Error(`rg ${args.join(' ')} failed: ${r.code} ${r.stderr || r.output}`)
}

export async function run(): Promise<void> {
  const repo = buildRepo()
  let sandbox: Sandbox | undefined
  try {
    sandbox = await sandboxFor(repo)
    const ctx: ToolContext = { workspace: repo, sandbox }
    const grep = createGrepTool()
    const glob = createGlobTool()

    const often = 'TODO item 4[0-9]-'
    const grepTool = await bench(`grep tool /${often}/ (100,000 files)`, RUNS, () =>
      grep.run(grep.parse({ pattern: often }), ctx),
    )
    const grepRg = await bench(`rg -n /${often}/ (100,000 files)`, RUNS, () =>
      rg(sandbox!, repo, ['-n', '--color', 'never', '-e', often]),
    )
    ratio('grep tool / rg', grepTool, grepRg, 1.5)

    const every = 'TODO item'
    const everyTool = await bench(`grep tool /${every}/ (every file matches)`, RUNS, () =>
      grep.run(grep.parse({ pattern: every }), ctx),
    )
    const everyRg = await bench(`rg -n /${every}/ (every file matches)`, RUNS, () =>
      rg(sandbox!, repo, ['-n', '--color', 'never', '-e', every]),
    )
    ratio('grep tool / rg, every file matches (~4 MB of matches)', everyTool, everyRg)

    const rare = 'TODO item 999-99$'
    const rareTool = await bench(`grep tool /${rare}/ (one match)`, RUNS, () =>
      grep.run(grep.parse({ pattern: rare }), ctx),
    )
    const rareRg = await bench(`rg -n /${rare}/ (one match)`, RUNS, () =>
      rg(sandbox!, repo, ['-n', '--color', 'never', '-e', rare]),
    )
    ratio('grep tool / rg, one match (the whole tree read)', rareTool, rareRg)

    const pattern = '**/file1*.ts'
    const globTool = await bench(`glob tool ${pattern} (100,000 files)`, RUNS, () =>
      glob.run(glob.parse({ pattern }), ctx),
    )
    const globRg = await bench(`rg --files -g ${pattern} (100,000 files)`, RUNS, () =>
      rg(sandbox!, repo, ['--files', '-g', pattern]),
    )
    ratio('glob tool / rg --files', globTool, globRg, 1.5)
  } finally {
    await sandbox?.reap()
    await sandbox?.close?.()
    rmSync(repo, { recursive: true, force: true })
  }
}
