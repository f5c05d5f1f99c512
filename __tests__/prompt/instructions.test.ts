/** AGENTS.md and CLAUDE.md from the checkout's root: which are read, how far, and what is refused. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  instructionNames,
  instructionsSection,
  MAX_INSTRUCTION_CHARS,
  readInstructions,
} from '../../src/prompt/instructions.js'
import { buildSystemPrompt } from '../../src/prompt/system.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

function workspace(files: Record<string, string> = {}): string {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'instr-')))
  dirs.push(root)
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), text)
  }
  return root
}

describe('readInstructions', () => {
  it('reads AGENTS.md then CLAUDE.md at the root, trimmed; missing and empty ones are left out', async () => {
    const root = workspace({
      'AGENTS.md': '\nUse pnpm.\n\n',
      'CLAUDE.md': '   \n',
      'docs/CLAUDE.md': 'nested',
    })
    const r = await readInstructions(root)
    expect(r.files).toEqual([{ name: 'AGENTS.md', text: 'Use pnpm.', truncated: false }])
    expect(r.skipped).toEqual([])
    expect(await readInstructions(workspace())).toEqual({ files: [], skipped: [] })
  })

  it('reads a CLAUDE.md that links to AGENTS.md once, naming both', async () => {
    const root = workspace({ 'AGENTS.md': 'Run make test.' })
    fs.symlinkSync('AGENTS.md', path.join(root, 'CLAUDE.md'))
    const r = await readInstructions(root)
    expect(r.files.map((f) => [f.name, f.sameAs])).toEqual([
      ['AGENTS.md', undefined],
      ['CLAUDE.md', 'AGENTS.md'],
    ])
    const section = instructionsSection(r.files)
    expect(section.match(/Run make test\./g)).toHaveLength(1)
    expect(section).toContain('<repository-instructions file="AGENTS.md" (also `CLAUDE.md`)>')
    expect(instructionNames(r.files)).toBe('`AGENTS.md`, `CLAUDE.md` (same file as `AGENTS.md`)')
  })

  it('refuses a link out of the repository (it could point at a secret) and anything that is not a file', async () => {
    const outside = workspace({ 'secret.txt': 'TOKEN=abc' })
    const root = workspace()
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'CLAUDE.md'))
    fs.mkdirSync(path.join(root, 'AGENTS.md'))
    const r = await readInstructions(root)
    expect(r.files).toEqual([])
    expect(r.skipped).toEqual([
      '`AGENTS.md` is not a regular file of the repository, so it was not used.',
      '`CLAUDE.md` points outside the repository, so it was not used.',
    ])
  })

  it('refuses a link into the git metadata', async () => {
    const root = workspace({ '.git/config': '[core]\n' })
    fs.symlinkSync('.git/config', path.join(root, 'AGENTS.md'))
    const r = await readInstructions(root)
    expect(r.files).toEqual([])
    expect(r.skipped[0]).toMatch(/AGENTS\.md.*not a regular file/)
  })

  it('a file that cannot be read (a link loop) is skipped with why; the other is still read', async () => {
    const root = workspace({ 'AGENTS.md': 'Use make.' })
    fs.symlinkSync('CLAUDE.md', path.join(root, 'CLAUDE.md'))
    const r = await readInstructions(root)
    expect(r.files.map((f) => f.name)).toEqual(['AGENTS.md'])
    expect(r.skipped).toEqual(['`CLAUDE.md` could not be read (ELOOP), so it was not used.'])
  })

  it('cuts a long file and says so in the prompt', async () => {
    const root = workspace({ 'CLAUDE.md': `${'x'.repeat(MAX_INSTRUCTION_CHARS)}TAIL-NOT-SHOWN` })
    const r = await readInstructions(root)
    expect(r.files[0].truncated).toBe(true)
    expect(r.files[0].text).toHaveLength(MAX_INSTRUCTION_CHARS)
    const section = instructionsSection(r.files)
    expect(section).not.toContain('TAIL-NOT-SHOWN')
    expect(section).toContain('[… cut at 20,000 characters; read the file for the rest …]')
  })
})

describe('the system prompt', () => {
  const base = {
    repoRoot: '/w',
    branch: 'ISSUE-2',
    baseBranch: 'main',
    specPath: 'docs/spec.md',
    issueId: 'ISSUE-2',
    phaseTitle: 'x',
    budgets: { maxTurns: 5, maxCostUsd: 1, timeoutMinutes: 5 },
    toolNames: ['bash'],
  }

  it('ends with the repository instructions, after the run rules that win over them', async () => {
    const root = workspace({ 'AGENTS.md': 'Always commit with `git commit -am`.' })
    const system = buildSystemPrompt({
      ...base,
      instructions: instructionsSection((await readInstructions(root)).files),
    })
    const at = system.indexOf('# Repository instructions')
    expect(at).toBeGreaterThan(system.indexOf('do NOT run `git commit`'))
    expect(system.slice(at)).toContain('from `AGENTS.md` at its root as checked out before this branch')
    expect(system.slice(at)).toContain('Always commit with `git commit -am`.')
    expect(buildSystemPrompt(base)).not.toContain('# Repository instructions')
  })

  it('names the verification command, or the script as a block', () => {
    expect(buildSystemPrompt({ ...base, verify: 'npm test' })).toContain(
      'the action runs `npm test` in the repository root',
    )
    const multi = buildSystemPrompt({ ...base, verify: 'npm ci\nnpm test' })
    expect(multi).toContain('the action runs the script below')
    expect(multi).toContain('```sh\nnpm ci\nnpm test\n```')
    expect(buildSystemPrompt(base)).not.toContain('# Verification')
  })
})
