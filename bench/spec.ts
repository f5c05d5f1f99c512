/**
 * The spec at scale (issue 15): parsing must cost the same per phase at 500, 2,000 and 5,000 phases, and a whole
 * run on a 2,000-phase spec must cost about what a run on a 10-phase spec costs. The run is in-process through
 * runPipeline with the real parts the action wires (git with a bare origin, Octokit against the GitHub stand-in,
 * the Anthropic SDK against the scripted model, the tool sandbox), as __tests__/pipeline/run.test.ts does.
 */
import { realpath } from 'node:fs/promises'
import { performance } from 'node:perf_hooks'
import { bench, ratio, type Row } from './harness.js'
import { startAnthropicServer } from '../__tests__/support/anthropic-server.js'
import { actionYml } from '../__tests__/support/run-action.js'
import { createSandbox, OWNER, REPO } from '../__tests__/support/sandbox.js'
import { implementIssue2 } from '../__tests__/support/scripted-model.js'
import { createGit } from '../src/git/command-manager.js'
import { createGitHubApi } from '../src/github/octokit.js'
import { readInputs } from '../src/inputs.js'
import { runPipeline } from '../src/pipeline/run.js'
import { createAnthropicProvider } from '../src/providers/anthropic.js'
import { Redactor } from '../src/report/redact.js'
import { readRunInfo } from '../src/report/run-info.js'
import { allowlistedEnv } from '../src/sandbox/env.js'
import { createRuntimeSandbox } from '../src/sandbox/index.js'
import { parseSpec } from '../src/spec/phases.js'

const API_KEY = 'sk-ant-bench-0123456789abcdefghij'
const TOKEN = 'ghs_benchTokenBenchTokenBenchToken123'

/** A heading-style spec of `phases` phases, each with prose and a task list, as bigSpec in hot-paths.ts. */
function bigSpec(phases: number): string {
  const parts = [
    '# Big spec\n\n## Overview\n\n' + 'Context paragraph. '.repeat(200) + '\n\n## Implementation Strategy\n',
  ]
  for (let i = 1; i <= phases; i++) {
    parts.push(`\n### ISSUE-${i}: Phase number ${i}${i % 3 === 0 ? ' ✅' : ''}\n\n`)
    parts.push(`Do the thing for ${i}. ${'Details. '.repeat(30)}\n\n- [ ] sub-step a\n- [x] sub-step b\n`)
  }
  return parts.join('')
}

/** A spec-kit `tasks.md` of `phases` task phases, one per line: no headings to outline, every line parsed. */
function tasksSpec(phases: number): string {
  const parts = ['# Tasks: Big feature\n\n## Phase 1: Setup\n\n']
  for (let i = 1; i <= phases; i++) {
    const id = `T${String(i).padStart(4, '0')}`
    parts.push(
      `- [${i % 3 === 0 ? 'x' : ' '}] ${id} [P] [US1] Do the thing for ${i} in \`src/part${i}.ts\`\n`,
    )
  }
  return parts.join('')
}

/**
 * The sandbox's slugkit spec with `phases` phases in all: its ISSUE-1..3 as written (the scripted model
 * implements ISSUE-2 and marks its heading), then phases with prose and a task list each. `run` is in every
 * phase's heading and text, so no run finds pieces (or headings) of the spec an earlier run of this process
 * parsed.
 */
function slugkitSpec(phases: number, run: number): string {
  const parts = [
    '# slugkit: URL slugs for titles\n\n## Overview\n\nBlog titles become URL slugs.\n\n',
    '## Implementation Strategy\n\n### ISSUE-1: Project setup ✅\n\nPackage, test runner, `src/index.js`.\n\n',
    '### ISSUE-2: slugify function\n\nAdd `src/slugify.js` exporting `slugify(text)`, with tests.\n\n',
    '### ISSUE-3: Command-line interface\n\nAdd `bin/slug.js`.\n',
  ]
  for (let i = 4; i <= phases; i++) {
    parts.push(`\n### ISSUE-${i}: Phase number ${i} of run ${run}\n\n`)
    parts.push(
      `Do the thing for ${i} (run ${run}). ${'Details. '.repeat(30)}\n\n- [ ] sub-step a\n- [x] sub-step b\n`,
    )
  }
  return parts.join('')
}

let runs = 0

/** parseSpec's cost per phase (µs) on a spec of `phases` phases, heading phases or (`tasks`) task phases. */
async function parsePerPhase(phases: number, runs: number, tasks = false): Promise<Row> {
  const spec = tasks ? tasksSpec(phases) : bigSpec(phases)
  console.log(`spec: ${(spec.length / 1024).toFixed(0)} KiB, ${phases} ${tasks ? 'task' : 'heading'} phases`)
  return bench(
    `parseSpec per phase (${phases.toLocaleString('en-US')} ${tasks ? 'tasks' : 'phases'})`,
    runs,
    () => {
      const t = performance.now()
      const doc = parseSpec('docs/spec.md', spec)
      const ms = performance.now() - t
      if (doc.phases.length !== phases) throw new Error(`parsed ${doc.phases.length} of ${phases} phases`)
      return (ms * 1000) / phases
    },
    'us',
  )
}

/** One comment run (`/implement ISSUE-2`) on a fresh sandbox whose spec has `phases` phases: its wall time. */
async function timedRun(phases: number): Promise<number> {
  const world = await createSandbox({ files: { 'docs/specs/slugkit.md': slugkitSpec(phases, ++runs) } })
  const anthropic = await startAnthropicServer(implementIssue2(), { apiKey: API_KEY })
  const redactor = new Redactor()
  redactor.add(API_KEY)
  redactor.add(TOKEN)
  try {
    const git = await createGit(await realpath(world.workspace))
    const values: Record<string, string> = { 'anthropic-api-key': API_KEY, 'github-token': TOKEN }
    const sandbox = createRuntimeSandbox({
      env: allowlistedEnv({ PATH: process.env.PATH, HOME: process.env.HOME }),
      workspace: git.cwd,
      allowedDomains: [],
    })
    const { payload } = world.comment('/implement ISSUE-2')
    const t = performance.now()
    const result = await runPipeline({
      inputs: readInputs((name) => values[name] ?? actionYml.inputs[name]?.default ?? ''),
      eventName: 'issue_comment',
      payload,
      workspace: git.cwd,
      run: readRunInfo({ serverUrl: 'https://github.com', repository: `${OWNER}/${REPO}`, runId: 7 }),
      api: createGitHubApi({
        token: TOKEN,
        baseUrl: world.github.url,
        repo: { owner: OWNER, repo: REPO },
        redactor,
        log: () => {},
        retryDelayMs: 1,
        writeSpacingMs: 0,
      }),
      git,
      provider: () => createAnthropicProvider({ apiKey: API_KEY, baseURL: anthropic.url }),
      sandbox,
      redactor,
      log: () => {},
      debug: () => {},
    })
    const ms = performance.now() - t
    await sandbox.close?.()
    if (result.status !== 'pr-opened') throw new Error(`run on ${phases} phases: ${result.message}`)
    return ms
  } finally {
    await anthropic.close()
    await world.cleanup()
  }
}

/** Spec parsing at 500, 2,000 and 5,000 phases, and a whole run on a 2,000-phase spec against a 10-phase one. */
export async function run(): Promise<void> {
  parseSpec('docs/warm-up.md', bigSpec(1000)) // compiled before the first row, not during it
  const p500 = await parsePerPhase(500, 5)
  const p2000 = await parsePerPhase(2000, 3)
  const p5000 = await parsePerPhase(5000, 3)
  ratio('parseSpec per phase, 2,000 vs 500 phases', p2000, p500, 1.5)
  ratio('parseSpec per phase, 5,000 vs 500 phases', p5000, p500, 1.5)
  const t500 = await parsePerPhase(500, 5, true)
  const t5000 = await parsePerPhase(5000, 3, true)
  ratio('parseSpec per task phase, 5,000 vs 500 tasks', t5000, t500, 1.5)

  const small = await bench('comment run, 10-phase spec', 3, () => timedRun(10))
  const large = await bench('comment run, 2,000-phase spec', 3, () => timedRun(2000))
  ratio('run on a 2,000-phase spec / 10-phase spec', large, small, 1.5)
}
