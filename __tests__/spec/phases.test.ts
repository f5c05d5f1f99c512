import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { findPhase, parseSpec, phaseIds } from '../../src/spec/phases.js'

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'specs')
const load = (name: string) =>
  parseSpec(`docs/specs/${name}`, readFileSync(path.join(FIXTURES, name), 'utf8'))

describe('parseSpec: spec-kit tasks.md', () => {
  const doc = load('speckit-tasks.md')

  it('finds T001..T020 in order and nothing from code blocks or prose', () => {
    expect(phaseIds(doc)).toEqual(Array.from({ length: 20 }, (_, i) => `T${String(i + 1).padStart(3, '0')}`))
    expect(findPhase(doc, 'T999')).toBeUndefined()
  })

  it('reads checked boxes (x and X) as complete', () => {
    const done = doc.phases.filter((p) => p.complete).map((p) => p.id)
    expect(done).toEqual(['T001', 'T002', 'T003', 'T004'])
  })

  it('strips [P] and [US1] markers from the title but keeps them in the body', () => {
    const t = findPhase(doc, 'T012')!
    expect(t.title).toBe('Create Photo model in src/models/photo.ts')
    expect(t.body).toBe('- [ ] T012 [P] [US1] Create Photo model in src/models/photo.ts')
    expect(t.style).toBe('task')
    expect(t.line).toBe(68)
    expect(doc.source.slice(t.start, t.end)).toBe(t.body)
  })
})

describe('parseSpec: Kiro tasks.md', () => {
  const doc = load('kiro-tasks.md')

  it('finds numbered tasks and nested sub-tasks, not requirement lines', () => {
    expect(phaseIds(doc)).toEqual([
      '1',
      '2',
      '2.1',
      '2.2',
      '2.3',
      '3',
      '3.1',
      '3.2',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
      '11.1',
      '11.2',
    ])
  })

  it('reads Kiro optional tasks (`- [ ]* 2.3`) as tasks', () => {
    const t = findPhase(doc, '2.3')!
    expect(t.title).toBe('Write unit tests for data models')
    expect(t.complete).toBe(false)
  })

  it('a parent task body includes its nested sub-tasks, as written', () => {
    const p = findPhase(doc, '2')!
    expect(p.body.startsWith('- [ ] 2. Implement data models and validation\n')).toBe(true)
    expect(p.body).toContain('- [ ] 2.2 Implement User model with validation')
    expect(p.body).toContain('_Requirements: 1.2, 2.1_')
    expect(p.body.endsWith('_Requirements: 1.2, 2.1_')).toBe(true)
    expect(findPhase(doc, '2.1')!.complete).toBe(true)
    expect(findPhase(doc, '1')!.complete).toBe(true)
  })

  it('ids match whole: 1.2 is not 1.20 or 11.2, and 1 is not 11', () => {
    expect(findPhase(doc, '1.2')).toBeUndefined()
    expect(findPhase(doc, '11.2')!.title).toBe('Tag and publish the release')
    expect(findPhase(doc, '1')!.title).toBe('Set up project structure and core interfaces')
    const small = parseSpec('t.md', '# Tasks\n\n- [ ] 1.20 Twentieth\n- [ ] 11.2 Other\n')
    expect(findPhase(small, '1.2')).toBeUndefined()
    expect(findPhase(small, '1.20')!.title).toBe('Twentieth')
  })
})

describe('parseSpec: heading-style spec', () => {
  const doc = load('heading-spec.md')

  it('finds ISSUE-1..ISSUE-5 only inside the Implementation Strategy', () => {
    expect(phaseIds(doc)).toEqual(['ISSUE-1', 'ISSUE-2', 'ISSUE-3', 'ISSUE-4', 'ISSUE-5'])
    // "### ISSUE-3 considerations" under Architecture and prose mentions are not phases
    expect(doc.phases.filter((p) => p.id === 'ISSUE-3')).toHaveLength(1)
    expect(findPhase(doc, 'ISSUE-6')).toBeUndefined()
    // checklist items inside a heading phase belong to it
    expect(findPhase(doc, 'ISSUE-30')).toBeUndefined()
  })

  it('detects the ✅ marker and ignores "Status: In progress"', () => {
    expect(doc.phases.map((p) => p.complete)).toEqual([true, false, false, false, false])
    expect(findPhase(doc, 'ISSUE-1')!.title).toBe('Data model for invitations')
  })

  it('reads the heading forms: colon, dash, em dash, "Phase 4 (ISSUE-4)", closing hashes', () => {
    expect(findPhase(doc, 'ISSUE-2')!.title).toBe('Invitation API endpoints')
    expect(findPhase(doc, 'ISSUE-3')!.title).toBe('Email delivery')
    expect(findPhase(doc, 'ISSUE-4')!.title).toBe('Accept and decline flow')
    expect(findPhase(doc, 'ISSUE-5')!.title).toBe('Admin dashboard for pending invitations')
  })

  it('a heading phase spans to the next heading of its level, as written', () => {
    const p = findPhase(doc, 'ISSUE-3')!
    expect(p.style).toBe('heading')
    expect(p.line).toBe(46)
    expect(p.body.startsWith('### ISSUE-3 — Email delivery\n')).toBe(true)
    expect(p.body.endsWith('- [ ] ISSUE-30 is a different ticket and not part of this phase')).toBe(true)
    expect(doc.source.slice(p.start, p.end)).toBe(p.body)
    const last = findPhase(doc, 'ISSUE-5')!
    expect(last.body).toBe(
      '### ISSUE-5: Admin dashboard for pending invitations ###\n\nList, resend and revoke pending invitations.',
    )
  })

  it('ids match whole and case-insensitively', () => {
    expect(findPhase(doc, 'issue-3')!.id).toBe('ISSUE-3')
    expect(findPhase(doc, ' Issue-3 ')!.id).toBe('ISSUE-3')
    expect(findPhase(doc, 'ISSUE-30')).toBeUndefined()
    expect(findPhase(doc, 'ISSUE')).toBeUndefined()
    expect(findPhase(doc, '3')).toBeUndefined()
    const withThirty = parseSpec('x.md', '## Tasks\n\n- [ ] ISSUE-30 Thirty\n')
    expect(findPhase(withThirty, 'ISSUE-3')).toBeUndefined()
  })
})

describe('parseSpec: task-list spec', () => {
  const doc = load('tasklist-spec.md')

  it('finds bold and plain ids in the Implementation Plan, not the Rollout checklist', () => {
    expect(phaseIds(doc)).toEqual(['ISSUE-10', 'ISSUE-11', 'ISSUE-12', 'ISSUE-13'])
    expect(findPhase(doc, 'ISSUE-14')).toBeUndefined()
  })

  it('titles and completion', () => {
    expect(doc.phases.map((p) => [p.title, p.complete])).toEqual([
      ['Index documents with a tsvector column', true],
      ['Query API with ranking and pagination', false],
      ['Search UI with highlighted matches', false],
      ['Saved searches', false],
    ])
  })
})

describe('parseSpec: heading completion markers', () => {
  const cases: Array<[string, boolean]> = [
    ['### ISSUE-3: Title ✅', true],
    ['### ✅ ISSUE-3: Title', true],
    ['### ISSUE-3: Title ✔', true],
    ['### ISSUE-3: Title ✔️', true],
    ['### [x] ISSUE-3: Title', true],
    ['### ISSUE-3: Title [X]', true],
    ['### ISSUE-3: Title (done)', true],
    ['### ISSUE-3: Title (Complete)', true],
    ['### ISSUE-3: Title (completed)', true],
    ['### ISSUE-3: Title — Complete', true],
    ['### ISSUE-3: Title - Done', true],
    ['### ISSUE-3: Title', false],
    ['### ISSUE-3: Complete the checkout flow', false],
    ['### ISSUE-3 - Complete', false],
    ['### ISSUE-3: Title (in progress)', false],
  ]
  for (const [heading, done] of cases) {
    it(`${heading} → ${done ? 'complete' : 'not complete'}`, () => {
      const doc = parseSpec('s.md', `## Implementation Strategy\n\n${heading}\n\nBody.\n`)
      expect(doc.phases).toHaveLength(1)
      expect(doc.phases[0].id).toBe('ISSUE-3')
      expect(doc.phases[0].complete).toBe(done)
    })
  }

  it('reads a Status line right under the heading', () => {
    const src = [
      '## Implementation Strategy',
      '',
      '### ISSUE-1: One',
      'Status: complete',
      '',
      '### ISSUE-2: Two',
      '',
      '**Status**: ✅ Done',
      '',
      '### ISSUE-3: Three',
      '',
      '- Status: Not started',
      '',
      '### ISSUE-4: Four',
      '',
      'Some text first.',
      '',
      'Status: done',
      '',
    ].join('\n')
    expect(parseSpec('s.md', src).phases.map((p) => [p.id, p.complete])).toEqual([
      ['ISSUE-1', true],
      ['ISSUE-2', true],
      ['ISSUE-3', false],
      ['ISSUE-4', false],
    ])
  })
})

describe('parseSpec: section rules', () => {
  it('accepts any heading level and case, with numbering, for the section heading', () => {
    const doc = parseSpec('s.md', '# Spec\n\n#### 5. implementation STRATEGY\n\n##### PROJ-12 - First\n\nx\n')
    expect(doc.phases.map((p) => p.id)).toEqual(['PROJ-12'])
  })

  it('phases at the same level as the strategy heading still belong to it', () => {
    const src =
      '## Implementation Strategy\n\n## ISSUE-1: One\n\ntext\n\n## ISSUE-2: Two\n\n## Appendix\n\n## ISSUE-9: no\n'
    expect(parseSpec('s.md', src).phases.map((p) => p.id)).toEqual(['ISSUE-1', 'ISSUE-2'])
  })

  it('headings outside the strategy are not phases when a strategy exists', () => {
    const src = '# ISSUE-1: Not a phase\n\n## Implementation Strategy\n\n### ISSUE-2: A phase\n'
    expect(parseSpec('s.md', src).phases.map((p) => p.id)).toEqual(['ISSUE-2'])
  })

  it('keeps offsets exact with CRLF line endings and a BOM', () => {
    const lf = readFileSync(path.join(FIXTURES, 'heading-spec.md'), 'utf8')
    const crlf = '\uFEFF' + lf.replace(/\n/g, '\r\n')
    const doc = parseSpec('s.md', crlf)
    expect(phaseIds(doc)).toEqual(['ISSUE-1', 'ISSUE-2', 'ISSUE-3', 'ISSUE-4', 'ISSUE-5'])
    for (const p of doc.phases) {
      expect(crlf.slice(p.start, p.end)).toBe(p.body)
      expect(p.body.startsWith('### ')).toBe(true)
    }
    expect(findPhase(doc, 'ISSUE-1')!.complete).toBe(true)
  })
})
