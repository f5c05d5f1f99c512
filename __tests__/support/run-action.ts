import { execFile } from 'node:child_process'
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
export const DIST = path.join(REPO_ROOT, 'dist', 'index.js')

interface ActionYml {
  inputs: Record<string, { default?: string; required?: boolean }>
  outputs: Record<string, unknown>
  runs: { using: string; main: string }
}

export const actionYml = parse(readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYml

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
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
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

/** Runs `node dist/index.js` exactly as the runner does for `runs.using: node24`. */
export async function runAction(o: RunActionOptions): Promise<ActionRun> {
  const temp = await mkdtemp(path.join(os.tmpdir(), 'runner-'))
  const eventPath = path.join(temp, 'event.json')
  const outputPath = path.join(temp, 'output.txt')
  const summaryPath = path.join(temp, 'summary.md')
  await writeFile(eventPath, JSON.stringify(o.payload))
  await writeFile(outputPath, '')
  await writeFile(summaryPath, '')
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
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW_REF: `${o.repository ?? 'octo-org/octo-repo'}/.github/workflows/implement.yml@refs/heads/main`,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    RUNNER_TEMP: temp,
    ...(o.anthropicBaseUrl ? { ANTHROPIC_BASE_URL: o.anthropicBaseUrl } : {}),
    ...inputEnv(o.with ?? {}, githubToken),
    ...o.env,
  }
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [DIST],
        { cwd: o.workspace, env, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
          resolve({ code, stdout, stderr })
        },
      )
    },
  )
  return {
    exitCode: code,
    stdout,
    stderr,
    outputs: parseOutputFile(await readFile(outputPath, 'utf8')),
    summary: await readFile(summaryPath, 'utf8'),
    env,
  }
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
