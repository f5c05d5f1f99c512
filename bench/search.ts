/**
 * The search tools on a 100,000-file repository (issue 15, "Fast at every scale"): the `grep` tool against
 * ripgrep with the same pattern (one matching often, the goal's; one matching every file; one matching once; and
 * a regex over 2,000 larger files, where the regex engine is what costs), and the `glob` tool against
 * `rg --files -g`. Both sides run through the same sandbox (the runtime sandbox the action uses, or the plain
 * one where it cannot start here).
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

/** A temp git repository with what `write` puts in it, added to the index in one `git add`. */
function buildRepo(label: string, write: (repo: string) => number): string {
  const repo = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'bench-search-')))
  const t = performance.now()
  const files = write(repo)
  const git = (...args: string[]): void => {
    execFileSync('git', args, {
      cwd: repo,
      stdio: 'ignore',
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' },
    })
  }
  git('init', '-q')
  git('add', '-A')
  console.log(`${label}: ${files} files, built in ${((performance.now() - t) / 1000).toFixed(1)} s`)
  return repo
}

/** 100,000 small files in 1,000 directories. */
function smallFiles(repo: string): number {
  for (let d = 0; d < DIRS; d++) {
    const dir = path.join(repo, `pkg${d}`, 'src')
    mkdirSync(dir, { recursive: true })
    for (let f = 0; f < FILES_PER_DIR; f++)
      writeFileSync(path.join(dir, `file${f}.ts`), `export const v${f} = ${f}\n// TODO item ${d}-${f}\n`)
  }
  return DIRS * FILES_PER_DIR
}

/** 2,000 files of 250 lines (22 KB), where the regex engine, not opening files, is what a search costs. */
function largeFiles(repo: string): number {
  let body = ''
  for (let i = 0; i < 250; i++)
    body += `const value_${i} = computeSomething(${i}, "string literal ${i}") // note\n`
  for (let d = 0; d < 20; d++) {
    mkdirSync(path.join(repo, `d${d}`))
    for (let f = 0; f < 100; f++) writeFileSync(path.join(repo, `d${d}`, `f${f}.ts`), body)
  }
  return 2000
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

/** ripgrep as a person would run it, through the same sandbox: all its output read (exit 1: no match). */
async function rg(sandbox: Sandbox, repo: string, args: string[]): Promise<void> {
  const r = await sandbox.spawn({
    argv: ['rg', ...args],
    cwd: repo,
    timeoutMs: 120_000,
    maxOutput: 64 * 1024 * 1024,
    capture: 'stdout',
  })
  if (r.code !== 0 && r.code !== 1)
    throw new Error(`rg ${args.join(' ')} failed: ${r.code} ${r.stderr || r.output}`)
}

export async function run(): Promise<void> {
  const repo = buildRepo('search repo', smallFiles)
  const large = buildRepo('search repo of larger files', largeFiles)
  let sandbox: Sandbox | undefined
  try {
    sandbox = await sandboxFor(repo)
    await compare(sandbox, repo, large)
  } finally {
    await sandbox?.reap()
    await sandbox?.close?.()
    rmSync(repo, { recursive: true, force: true })
    rmSync(large, { recursive: true, force: true })
  }
}

/** Each tool call next to ripgrep doing the same through the same sandbox, and their ratios. */
async function compare(sandbox: Sandbox, repo: string, large: string): Promise<void> {
  const ctx: ToolContext = { workspace: repo, sandbox }
  const grep = createGrepTool()
  const glob = createGlobTool()
  const grepVsRg = async (label: string, pattern: string, where: string, goal?: number): Promise<void> => {
    const tool = await bench(`grep tool /${pattern}/ (${label})`, RUNS, () =>
      grep.run(grep.parse({ pattern }), { workspace: where, sandbox }),
    )
    const rgRow = await bench(`rg -n /${pattern}/ (${label})`, RUNS, () =>
      rg(sandbox, where, ['-n', '--color', 'never', '-e', pattern]),
    )
    ratio(`grep tool / rg${goal === undefined ? `, ${label}` : ''}`, tool, rgRow, goal)
  }
  await grepVsRg('100,000 files', 'TODO item 4[0-9]-', repo, 1.5)
  await grepVsRg('all 100,000 match', 'TODO item', repo)
  await grepVsRg('1 of 100,000 matches', 'TODO item 999-99$', repo)
  await grepVsRg('2,000 files of 22 KB', 'value_[0-9]+ = compute[A-Z]x', large)

  const pattern = '**/file1*.ts'
  const globTool = await bench(`glob tool ${pattern} (100,000 files)`, RUNS, () =>
    glob.run(glob.parse({ pattern }), ctx),
  )
  const globRg = await bench(`rg --files -g ${pattern} (100,000 files)`, RUNS, () =>
    rg(sandbox, repo, ['--files', '-g', pattern]),
  )
  ratio('glob tool / rg --files', globTool, globRg, 1.5)
}
