import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PORTS, STAND_IN_API_KEY, startStandIns, type StandIns } from '../../scripts/stand-ins.js'
import { actionYml, REPO_ROOT } from '../support/run-action.js'

const ENV_EXAMPLE = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))

/** The NAME=value lines of a dotenv file. */
function dotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([\w.-]+)=(.*)$/.exec(line)
    if (m) out[m[1]] = m[2]
  }
  return out
}

let standIns: StandIns | undefined
const temps: string[] = []
afterEach(async () => {
  await standIns?.close()
  standIns = undefined
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true })
})

describe('local debugging with @github/local-action', () => {
  it('.env.example passes declared inputs as the runner does and points at the stand-ins', () => {
    const env = dotenv(ENV_EXAMPLE)
    const inputs = Object.keys(env).filter((k) => k.startsWith('INPUT_'))
    expect(inputs).toContain('INPUT_GITHUB-TOKEN')
    for (const k of inputs)
      expect(Object.keys(actionYml.inputs).map((n) => `INPUT_${n.toUpperCase()}`)).toContain(k)
    expect(env['INPUT_ANTHROPIC-API-KEY']).toBe(STAND_IN_API_KEY)
    expect(env.GITHUB_API_URL).toBe(`http://127.0.0.1:${PORTS.github}`)
    expect(env.ANTHROPIC_BASE_URL).toBe(`http://127.0.0.1:${PORTS.anthropic}`)
    for (const k of ['GITHUB_EVENT_PATH', 'GITHUB_WORKSPACE', 'RUNNER_TEMP', 'GITHUB_STEP_SUMMARY'])
      expect(env[k], k).toMatch(/^\.local-action\//)
    expect(readFileSync(path.join(REPO_ROOT, '.gitignore'), 'utf8').split('\n')).toEqual(
      expect.arrayContaining(['.env', '.local-action/']),
    )
  })

  it('npm run local-action runs src/main.ts and the post step against the stand-ins: a draft PR, verified', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'local-action-'))
    temps.push(tmp)
    standIns = await startStandIns({ dir: path.join(tmp, 'world'), githubPort: 0, anthropicPort: 0 })
    // .env.example as it is, pointed at this test's ports and folder.
    const envFile = path.join(tmp, '.env')
    writeFileSync(
      envFile,
      ENV_EXAMPLE.replaceAll(`http://127.0.0.1:${PORTS.github}`, standIns.sandbox.github.url)
        .replaceAll(`http://127.0.0.1:${PORTS.anthropic}`, standIns.anthropic.url)
        .replaceAll('.local-action/', `${standIns.dir}/`),
    )
    const command = String(pkg.scripts['local-action'])
    expect(command).toMatch(/^local-action run \. src\/main\.ts \.env /)
    const child = spawn('bash', ['-c', command.replace(' .env ', ` ${envFile} `)], {
      cwd: REPO_ROOT,
      // Nothing of an outer runner (GITHUB_OUTPUT and the like) may reach the run.
      env: {
        PATH: `${path.join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}`,
        HOME: process.env.HOME ?? tmp,
        LANG: 'C.UTF-8',
      },
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(out).toContain('Running Post Step')
    expect(code, out).toBe(0)
    expect(out).toMatch(/status\W+pr-opened/)
    expect(out).toMatch(/verified\W+passed/)
    const [pr] = standIns.sandbox.github.state.pulls
    expect(pr).toMatchObject({ head: 'ISSUE-2', base: 'main', draft: true })
    expect(await standIns.sandbox.originFile('ISSUE-2', 'src/slugify.js')).toContain(
      'export function slugify',
    )
  }, 180_000)
})
