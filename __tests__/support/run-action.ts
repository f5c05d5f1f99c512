import { execFile, type ChildProcess } from 'node:child_process'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

/** The repository root: the nearest folder above this file with action.yml (this file also runs compiled, from build/). */
export const REPO_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)))

function findRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'action.yml'))) return d
    if (path.dirname(d) === d) throw new Error(`no action.yml above ${dir}`)
  }
}

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string; post: string; 'post-if'?: string }
}

export const actionYml = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml
/** The main step's entry (`runs.main`), as the runner starts it. */
export const DIST = path.join(REPO_ROOT, actionYml.runs.main)
/** The post step's entry (`runs.post`). */
export const POST_DIST = path.join(REPO_ROOT, actionYml.runs.post)

export interface RunActionOptions {
  eventName: string
  payload: unknown
  workspace: string
  /** Values given in the workflow's `with:`; the rest get action.yml's defaults, as the runner does. */
  with?: Record<string, string>
  /** The value `${{ github.token }}` expands to. */
  githubToken?: string
  githubApiUrl: string
  anthropicBaseUrl?: string
  repository?: string
  env?: Record<string, string>
}

export interface ActionRun {
  exitCode: number
  /** The signal that ended the process, if one did. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** What the step saved for its post step (GITHUB_STATE). */
  state: Record<string, string>
  env: Record<string, string>
}

/** Parses a GITHUB_OUTPUT file (`name<<DELIM\nvalue\nDELIM` or `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delim] = heredoc
      const value: string[] = []
      while (++i < lines.length && lines[i] !== delim) value.push(lines[i])
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      out[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return out
}

/** The `INPUT_*` environment the runner builds: every input, defaults from action.yml, names upper-cased with hyphens kept. */
export function inputEnv(given: Record<string, string>, githubToken: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, spec] of Object.entries(actionYml.inputs)) {
    let value = given[name] ?? spec.default ?? ''
    value = value.replace(/\$\{\{\s*github\.token\s*\}\}/g, githubToken)
    env[`INPUT_${name.toUpperCase()}`] = value
  }
  for (const name of Object.keys(given)) {
    if (!(name in actionYml.inputs)) throw new Error(`test passes unknown input ${name}`)
  }
  return env
}

/** A step as the runner starts it: its environment and the files it writes to. */
interface StepFiles {
  outputPath: string
  summaryPath: string
  statePath: string
}

/** The environment and command files of a main step, as the runner builds them for `runs.using: node24`. */
async function mainStep(o: RunActionOptions): Promise<{ env: Record<string, string>; files: StepFiles }> {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'runner-'))
  const eventPath = path.join(temp, 'event.json')
  const files = await stepFiles(temp, 'main')
  await writeFile(eventPath, JSON.stringify(o.payload))
  const githubToken = o.githubToken ?? 'ghs_e2eTokenE2eTokenE2eTokenE2eToken12'
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? temp,
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: o.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: o.workspace,
    GITHUB_REPOSITORY: o.repository ?? 'octo-org/octo-repo',
    GITHUB_API_URL: o.githubApiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_JOB: 'implement',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW_REF: `${o.repository ?? 'octo-org/octo-repo'}/.github/workflows/implement.yml@refs/heads/main`,
    RUNNER_TEMP: temp,
    ...(o.anthropicBaseUrl ? { ANTHROPIC_BASE_URL: o.anthropicBaseUrl } : {}),
    ...inputEnv(o.with ?? {}, githubToken),
    ...o.env,
  }
  return { env: { ...env, ...fileEnv(files) }, files }
}

/** Fresh command files for one step (each step of a job gets its own). */
async function stepFiles(temp: string, step: string): Promise<StepFiles> {
  const files = {
    outputPath: path.join(temp, `${step}-output.txt`),
    summaryPath: path.join(temp, `${step}-summary.md`),
    statePath: path.join(temp, `${step}-state.txt`),
  }
  for (const f of Object.values(files)) await writeFile(f, '')
  return files
}

function fileEnv(f: StepFiles): Record<string, string> {
  return { GITHUB_OUTPUT: f.outputPath, GITHUB_STEP_SUMMARY: f.summaryPath, GITHUB_STATE: f.statePath }
}

/** A started step: its process, and what it left once it ended. */
export interface StartedAction {
  child: ChildProcess
  done: Promise<ActionRun>
}

/** Starts `node <entry>` for one step; `done` resolves when it has ended, however it ended. */
function startStep(env: Record<string, string>, cwd: string, files: StepFiles, entry = DIST): StartedAction {
  let child!: ChildProcess
  const ended = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    child = execFile(
      process.execPath,
      [entry],
      { cwd, env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
  const done = ended.then(async ({ code, stdout, stderr }) => ({
    exitCode: code,
    signal: child.signalCode,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(files.outputPath, 'utf8')),
    summary: await readFile(files.summaryPath, 'utf8'),
    state: parseOutputFile(await readFile(files.statePath, 'utf8')),
    env,
  }))
  return { child, done }
}

/** Starts the main step as the runner does for `runs.using: node24`, to signal it while it runs. */
export async function startAction(o: RunActionOptions): Promise<StartedAction> {
  const { env, files } = await mainStep(o)
  return startStep(env, o.workspace, files)
}

/** Runs `node dist/index.js` exactly as the runner does for `runs.using: node24`. */
export async function runAction(o: RunActionOptions): Promise<ActionRun> {
  return (await startAction(o)).done
}

/**
 * Runs the post step (`runs.post`) after `main`, as the runner does: the same inputs and environment, new
 * command files, and the main step's saved state as `STATE_<name>` variables.
 */
export async function runPostStep(main: ActionRun, cwd: string): Promise<ActionRun> {
  const files = await stepFiles(main.env.RUNNER_TEMP, 'post')
  const state = Object.fromEntries(Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]))
  return startStep({ ...main.env, ...fileEnv(files), ...state }, cwd, files, POST_DIST).done
}

/** A real webhook payload from @octokit/webhooks-examples, deep-copied, picked by event name and a filter. */
export function examplePayload(event: string, pick: (p: any) => boolean = () => true): any {
  const file = path.join(
    REPO_ROOT,
    'node_modules',
    '@octokit',
    'webhooks-examples',
    'api.github.com',
    'index.json',
  )
  const all = JSON.parse(readFileSync(file, 'utf8')) as Array<{ name: string; examples: unknown[] }>
  const found = all.find((e) => e.name === event)?.examples.find(pick)
  if (!found) throw new Error(`no ${event} example matches`)
  return structuredClone(found)
}
