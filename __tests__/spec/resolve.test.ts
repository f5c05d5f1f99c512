import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { resolveSpec } from '../../src/spec/resolve.js'

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'specs')
const temps: string[] = []

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spec-resolve-'))
  temps.push(dir)
  for (const [rel, from] of Object.entries(files)) {
    const dest = path.join(dir, rel)
    mkdirSync(path.dirname(dest), { recursive: true })
    if (from.startsWith('fixture:')) cpSync(path.join(FIXTURES, from.slice(8)), dest)
    else writeFileSync(dest, from)
  }
  return dir
}

async function userError(p: Promise<unknown>): Promise<UserError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(UserError)
    return e as UserError
  }
  throw new Error('expected a UserError')
}

afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

describe('resolveSpec', () => {
  let ws: string
  let outside: string
  beforeAll(() => {
    ws = workspace({
      'docs/specs/invitations.md': 'fixture:heading-spec.md',
      'docs/search.md': 'fixture:tasklist-spec.md',
      '.kiro/specs/reminders/tasks.md': 'fixture:kiro-tasks.md',
      'README.md': '# Demo\n\nSee ISSUE-3 in the invitations spec.\n',
      'docs/node_modules/pkg/readme.md': '## Implementation Strategy\n\n### ISSUE-77: vendored\n',
      'docs/guide/setup.md': '# Setup\n\nNo phases here.\n',
    })
    outside = workspace({ 'secret.md': '## Implementation Strategy\n\n### ISSUE-88: outside\n' })
    symlinkSync(path.join(outside, 'secret.md'), path.join(ws, 'docs', 'linked.md'))
  })

  it('explicit repo-relative path', async () => {
    const r = await resolveSpec(ws, {
      requested: { value: 'docs/specs/invitations.md', source: 'command' },
      issueId: 'ISSUE-3',
    })
    expect(r.doc.path).toBe('docs/specs/invitations.md')
    expect(r.phase.id).toBe('ISSUE-3')
    expect(r.phase.title).toBe('Email delivery')
  })

  it('normalises ./ and backslashes to a forward-slash repo path', async () => {
    const r = await resolveSpec(ws, {
      requested: { value: '.\\docs\\search.md', source: 'input' },
      issueId: 'issue-11',
    })
    expect(r.doc.path).toBe('docs/search.md')
    expect(r.phase.id).toBe('ISSUE-11')
  })

  it('a NAME is looked up as specs/, docs/, docs/specs/, root, first existing', async () => {
    const a = await resolveSpec(ws, { requested: { value: 'search', source: 'label' }, issueId: 'ISSUE-12' })
    expect(a.doc.path).toBe('docs/search.md')
    const b = await resolveSpec(ws, {
      requested: { value: 'invitations', source: 'command' },
      issueId: 'ISSUE-1',
    })
    expect(b.doc.path).toBe('docs/specs/invitations.md')
    const c = await resolveSpec(ws, { requested: { value: 'reminders', source: 'label' }, issueId: '11.2' })
    expect(c.doc.path).toBe('.kiro/specs/reminders/tasks.md')

    const both = workspace({
      'specs/search.md': 'fixture:tasklist-spec.md',
      'docs/search.md': 'fixture:tasklist-spec.md',
    })
    const d = await resolveSpec(both, {
      requested: { value: 'search', source: 'input' },
      issueId: 'ISSUE-10',
    })
    expect(d.doc.path).toBe('specs/search.md')
  })

  it('a missing NAME says where it looked and where the name came from', async () => {
    const e = await userError(
      resolveSpec(ws, { requested: { value: 'billing', source: 'label' }, issueId: 'ISSUE-1' }),
    )
    expect(e.message).toContain('`spec:` label')
    expect(e.message).toContain('specs/billing.md, docs/billing.md, docs/specs/billing.md, billing.md')
    expect(e.hint).toContain('/implement')
  })

  it('a missing path names the file', async () => {
    const e = await userError(
      resolveSpec(ws, { requested: { value: 'docs/specs/nope.md', source: 'command' }, issueId: 'ISSUE-1' }),
    )
    expect(e.message).toContain('docs/specs/nope.md')
    expect(e.message).toContain('command')
  })

  it('a spec that does not define the id lists the ids it does define', async () => {
    const e = await userError(
      resolveSpec(ws, { requested: { value: 'docs/search.md', source: 'command' }, issueId: 'ISSUE-3' }),
    )
    expect(e.message).toBe('docs/search.md does not define ISSUE-3.')
    expect(e.hint).toBe('It defines: ISSUE-10, ISSUE-11, ISSUE-12, ISSUE-13.')
  })

  it('refuses paths that leave the workspace', async () => {
    for (const value of ['../outside.md', 'docs/../../x.md', '/etc/passwd.md', 'C:\\Windows\\x.md']) {
      const e = await userError(
        resolveSpec(ws, { requested: { value, source: 'command' }, issueId: 'ISSUE-1' }),
      )
      expect(e.message).toMatch(/outside the repository|relative to the repository root/)
    }
    const e = await userError(
      resolveSpec(ws, { requested: { value: 'docs/linked.md', source: 'command' }, issueId: 'ISSUE-88' }),
    )
    expect(e.message).toContain('outside the repository')
  })

  it('search: exactly one spec defines the id', async () => {
    const a = await resolveSpec(ws, { issueId: 'ISSUE-3' })
    expect(a.doc.path).toBe('docs/specs/invitations.md')
    const b = await resolveSpec(ws, { issueId: 'ISSUE-13' })
    expect(b.doc.path).toBe('docs/search.md')
    const c = await resolveSpec(ws, { requested: { value: '  ', source: 'input' }, issueId: '2.3' })
    expect(c.doc.path).toBe('.kiro/specs/reminders/tasks.md')
  })

  it('search: skips node_modules and never follows links out of the repository', async () => {
    const e = await userError(resolveSpec(ws, { issueId: 'ISSUE-77' }))
    expect(e.message).toContain('No spec defines ISSUE-77')
    const f = await userError(resolveSpec(ws, { issueId: 'ISSUE-88' }))
    expect(f.message).toContain('No spec defines ISSUE-88')
  })

  it('search: none → lists the spec documents found, with a hint', async () => {
    const e = await userError(resolveSpec(ws, { issueId: 'ISSUE-99' }))
    expect(e.message).toContain('No spec defines ISSUE-99')
    expect(e.message).toContain('docs/specs/invitations.md (ISSUE-1, ISSUE-2, ISSUE-3, ISSUE-4, ISSUE-5)')
    expect(e.message).toContain('docs/search.md (ISSUE-10, ISSUE-11, ISSUE-12, ISSUE-13)')
    expect(e.message).toContain('.kiro/specs/reminders/tasks.md')
    expect(e.message).not.toContain('README.md')
    expect(e.message).not.toContain('setup.md')
    expect(e.hint).toMatch(/`\/implement \S+\.md ISSUE-99`/)
    expect(e.hint).toContain('`spec:')
  })

  it('search: nothing with phases at all', async () => {
    const empty = workspace({ 'README.md': '# Hello\n' })
    const e = await userError(resolveSpec(empty, { issueId: 'ISSUE-1' }))
    expect(e.message).toContain('No spec defines ISSUE-1')
    expect(e.message).toContain('no spec documents with phases')
    expect(e.hint).toContain('/implement path/to/spec.md ISSUE-1')
  })

  it('search: several specs define the id → lists the candidates', async () => {
    const multi = workspace({
      'specs/001-photo-albums/tasks.md': 'fixture:speckit-tasks.md',
      'specs/002-sharing/tasks.md': 'fixture:speckit-tasks.md',
      'PLAN.md': 'fixture:tasklist-spec.md',
    })
    const e = await userError(resolveSpec(multi, { issueId: 'T005' }))
    expect(e.message).toBe(
      'T005 is defined in more than one spec: specs/001-photo-albums/tasks.md, specs/002-sharing/tasks.md.',
    )
    expect(e.hint).toContain('/implement specs/001-photo-albums/tasks.md T005')
    // root markdown is searched (top level only)
    const r = await resolveSpec(multi, { issueId: 'ISSUE-11' })
    expect(r.doc.path).toBe('PLAN.md')
    // a spec-kit feature folder works as a path
    const f = await resolveSpec(multi, {
      requested: { value: 'specs/002-sharing', source: 'command' },
      issueId: 'T005',
    })
    expect(f.doc.path).toBe('specs/002-sharing/tasks.md')
  })

  it('a spec without phases says so', async () => {
    const e = await userError(
      resolveSpec(ws, { requested: { value: 'docs/guide/setup.md', source: 'input' }, issueId: 'ISSUE-1' }),
    )
    expect(e.message).toBe('docs/guide/setup.md does not define ISSUE-1: it has no phases.')
    expect(e.hint).toContain('Implementation Strategy')
  })
})
