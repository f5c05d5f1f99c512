import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ensurePhaseMarked } from '../../src/jobs/phase-publish.js'
import { parseSpec } from '../../src/spec/phases.js'

const SPEC = `# S

## Implementation Strategy

- [ ] ISSUE-1 One
- [ ] ISSUE-2 Two
- [ ] ISSUE-3 Three
`

async function workspaceWith(after: string | undefined): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'publish-'))
  await mkdir(path.join(dir, 'docs'))
  if (after !== undefined) await writeFile(path.join(dir, 'docs/spec.md'), after)
  return dir
}

describe('ensurePhaseMarked', () => {
  const before = parseSpec('docs/spec.md', SPEC)
  const logs: string[] = []
  const log = (l: string) => logs.push(l)

  it('marks the phase with a minimal edit when the model did not', async () => {
    const ws = await workspaceWith(SPEC)
    expect(await ensurePhaseMarked(ws, before, 'ISSUE-3', log)).toEqual([])
    expect(await readFile(path.join(ws, 'docs/spec.md'), 'utf8')).toBe(
      SPEC.replace('- [ ] ISSUE-3', '- [x] ISSUE-3'),
    )
  })

  it('leaves a spec the model already marked alone', async () => {
    const marked = SPEC.replace('- [ ] ISSUE-2', '- [x] ISSUE-2')
    const ws = await workspaceWith(marked)
    expect(await ensurePhaseMarked(ws, before, 'ISSUE-2', log)).toEqual([])
    expect(await readFile(path.join(ws, 'docs/spec.md'), 'utf8')).toBe(marked)
  })

  it('warns (never throws) when the model renamed the phase away, so the work is still published', async () => {
    const renamed = SPEC.replace('- [ ] ISSUE-2 Two', '- [ ] Step two')
    const ws = await workspaceWith(renamed)
    const warnings = await ensurePhaseMarked(ws, before, 'ISSUE-2', log)
    expect(warnings.join('\n')).toMatch(/ISSUE-2.*no longer in/)
    expect(await readFile(path.join(ws, 'docs/spec.md'), 'utf8')).toBe(renamed)
  })

  it('warns when the spec is gone, and when other phases changed state', async () => {
    expect((await ensurePhaseMarked(await workspaceWith(undefined), before, 'ISSUE-2', log)).join()).toMatch(
      /missing on the branch/,
    )
    const both = SPEC.replace('- [ ] ISSUE-2', '- [x] ISSUE-2').replace('- [ ] ISSUE-1', '- [x] ISSUE-1')
    const warnings = await ensurePhaseMarked(await workspaceWith(both), before, 'ISSUE-2', log)
    expect(warnings.join()).toMatch(/Other phases changed state.*ISSUE-1/)
  })
})
