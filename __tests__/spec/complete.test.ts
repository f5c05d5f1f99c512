import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { checkCompletion, markPhaseComplete } from '../../src/spec/complete.js'
import { findPhase, parseSpec } from '../../src/spec/phases.js'

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'specs')
const read = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8')

/** Asserts that `after` is `before` with exactly `insert` written over `remove` characters at `at`. */
function expectSingleEdit(before: string, after: string, at: number, remove: number, insert: string) {
  expect(after).toBe(before.slice(0, at) + insert + before.slice(at + remove))
  expect(after.length).toBe(before.length - remove + insert.length)
}

describe('markPhaseComplete', () => {
  it('spec-kit: flips only T012’s box', () => {
    const src = read('speckit-tasks.md')
    const doc = parseSpec('tasks.md', src)
    const t = findPhase(doc, 'T012')!
    const { source, changed } = markPhaseComplete(doc, 'T012')
    expect(changed).toBe(true)
    expectSingleEdit(src, source, t.start + 3, 1, 'x')
    expect(source.split('\n')[t.line - 1]).toBe(
      '- [x] T012 [P] [US1] Create Photo model in src/models/photo.ts',
    )
    const after = parseSpec('tasks.md', source)
    expect(after.phases.filter((p) => p.complete).map((p) => p.id)).toEqual([
      'T001',
      'T002',
      'T003',
      'T004',
      'T012',
    ])
  })

  it('Kiro: flips a nested sub-task and an optional `[ ]*` task at their exact offsets', () => {
    const src = read('kiro-tasks.md')
    const doc = parseSpec('tasks.md', src)
    const sub = findPhase(doc, '2.2')!
    const r1 = markPhaseComplete(doc, '2.2')
    expectSingleEdit(src, r1.source, sub.start + 3, 1, 'x')
    expect(r1.source.split('\n')[sub.line - 1]).toBe('  - [x] 2.2 Implement User model with validation')

    const opt = findPhase(doc, '2.3')!
    const r2 = markPhaseComplete(doc, '2.3')
    expectSingleEdit(src, r2.source, opt.start + 3, 1, 'x')
    expect(r2.source.split('\n')[opt.line - 1]).toBe('  - [x]* 2.3 Write unit tests for data models')
    expect(findPhase(parseSpec('tasks.md', r2.source), '2.3')!.complete).toBe(true)
    // the parent is untouched
    expect(findPhase(parseSpec('tasks.md', r2.source), '2')!.complete).toBe(false)
  })

  it('heading: appends " ✅" before the closing hashes and changes nothing else', () => {
    const src = read('heading-spec.md')
    const doc = parseSpec('spec.md', src)
    const five = findPhase(doc, 'ISSUE-5')!
    const { source, changed } = markPhaseComplete(doc, 'ISSUE-5')
    expect(changed).toBe(true)
    const heading = '### ISSUE-5: Admin dashboard for pending invitations'
    expectSingleEdit(src, source, five.start + heading.length, 0, ' ✅')
    expect(source.split('\n')[five.line - 1]).toBe(`${heading} ✅ ###`)
    expect(findPhase(parseSpec('spec.md', source), 'ISSUE-5')!.complete).toBe(true)
  })

  it('heading: em-dash form and the "Phase 4 (ISSUE-4)" form', () => {
    const src = read('heading-spec.md')
    const doc = parseSpec('spec.md', src)
    const r3 = markPhaseComplete(doc, 'issue-3')
    expect(r3.source.split('\n')[45]).toBe('### ISSUE-3 — Email delivery ✅')
    expectSingleEdit(
      src,
      r3.source,
      findPhase(doc, 'ISSUE-3')!.start + '### ISSUE-3 — Email delivery'.length,
      0,
      ' ✅',
    )
    const r4 = markPhaseComplete(doc, 'ISSUE-4')
    expect(r4.source.split('\n')[53]).toBe('### Phase 4 (ISSUE-4): Accept and decline flow ✅')
  })

  it('task-list spec with bold ids', () => {
    const src = read('tasklist-spec.md')
    const doc = parseSpec('spec.md', src)
    const p = findPhase(doc, 'ISSUE-12')!
    const { source } = markPhaseComplete(doc, 'ISSUE-12')
    expectSingleEdit(src, source, p.start + 3, 1, 'x')
    expect(source.split('\n')[p.line - 1]).toBe('- [x] **ISSUE-12**: Search UI with highlighted matches')
  })

  it('keeps CRLF line endings and a BOM byte-for-byte', () => {
    const src = '\uFEFF' + read('heading-spec.md').replace(/\n/g, '\r\n')
    const doc = parseSpec('spec.md', src)
    const two = findPhase(doc, 'ISSUE-2')!
    const { source } = markPhaseComplete(doc, 'ISSUE-2')
    expectSingleEdit(src, source, two.start + '### ISSUE-2 - Invitation API endpoints'.length, 0, ' ✅')
    expect(source.includes('endpoints ✅\r\n')).toBe(true)

    const tasks = read('tasklist-spec.md').replace(/\n/g, '\r\n')
    const tdoc = parseSpec('t.md', tasks)
    const t = findPhase(tdoc, 'ISSUE-11')!
    expectSingleEdit(tasks, markPhaseComplete(tdoc, 'ISSUE-11').source, t.start + 3, 1, 'x')
  })

  it('already complete → unchanged', () => {
    const src = read('heading-spec.md')
    const r = markPhaseComplete(parseSpec('spec.md', src), 'ISSUE-1')
    expect(r).toEqual({ source: src, changed: false })
    const tasks = read('speckit-tasks.md')
    expect(markPhaseComplete(parseSpec('t.md', tasks), 'T003')).toEqual({ source: tasks, changed: false })
  })

  it('marks every occurrence of an id (progress checklist + heading)', () => {
    const src = '## Implementation Strategy\n\n- [ ] ISSUE-1\n- [ ] ISSUE-2\n\n### ISSUE-1: One\n\nBody\n'
    const { source } = markPhaseComplete(parseSpec('s.md', src), 'ISSUE-1')
    expect(source).toBe(
      '## Implementation Strategy\n\n- [x] ISSUE-1\n- [ ] ISSUE-2\n\n### ISSUE-1: One ✅\n\nBody\n',
    )
  })

  it('a large spec (cut into pieces to parse): changes exactly one line, of the phase asked', () => {
    const phase = (i: number) =>
      `### ISSUE-${i}: Phase ${i}${i % 3 === 0 ? ' ✅' : ''}\n\nDo it. ${'Details. '.repeat(30)}\n\n` +
      `- [ ] sub-step a\n- [x] sub-step b\n\n`
    const tasks = Array.from(
      { length: 300 },
      (_, i) => `- [ ] T${String(i + 1).padStart(3, '0')} Task ${i + 1}\n`,
    )
    const src = `# Big\n\n## Implementation Strategy\n\n${Array.from({ length: 1200 }, (_, i) => phase(i + 1)).join('')}`
    const doc = parseSpec('spec.md', src)
    expect(doc.phases).toHaveLength(1200)
    const lines = src.split('\n')
    const changedLines = (source: string) =>
      source
        .split('\n')
        .map((l, i) => (l === lines[i] ? -1 : i))
        .filter((i) => i >= 0)

    const p = findPhase(doc, 'ISSUE-1117')!
    const marked = markPhaseComplete(doc, 'ISSUE-1117').source
    expect(changedLines(marked)).toEqual([p.line - 1])
    expect(marked.split('\n')[p.line - 1]).toBe('### ISSUE-1117: Phase 1117 ✅')
    const after = parseSpec('spec.md', marked)
    expect(checkCompletion(doc, after, 'ISSUE-1117')).toEqual({ complete: true, otherChanges: [] })

    const taskSrc = `# Tasks\n\n${tasks.join('')}\n${Array.from({ length: 1200 }, (_, i) => phase(i + 1)).join('')}`
    const tdoc = parseSpec('tasks.md', taskSrc)
    const t = findPhase(tdoc, 'T250')!
    const tmarked = markPhaseComplete(tdoc, 'T250').source
    expectSingleEdit(taskSrc, tmarked, t.start + 3, 1, 'x')
    expect(tmarked.split('\n')[t.line - 1]).toBe('- [x] T250 Task 250')
  })

  it('unknown id → UserError listing the ids', () => {
    const doc = parseSpec('spec.md', read('tasklist-spec.md'))
    expect(() => markPhaseComplete(doc, 'ISSUE-1')).toThrow(UserError)
    try {
      markPhaseComplete(doc, 'ISSUE-1')
    } catch (e) {
      expect((e as UserError).hint).toContain('ISSUE-10, ISSUE-11, ISSUE-12, ISSUE-13')
    }
  })
})

describe('checkCompletion', () => {
  const src = read('heading-spec.md')
  const before = parseSpec('spec.md', src)

  it('complete after the model marks its phase, with no other changes', () => {
    const after = parseSpec('spec.md', markPhaseComplete(before, 'ISSUE-3').source)
    expect(checkCompletion(before, after, 'ISSUE-3')).toEqual({ complete: true, otherChanges: [] })
  })

  it('not complete when the phase was not marked', () => {
    expect(checkCompletion(before, before, 'ISSUE-3')).toEqual({ complete: false, otherChanges: [] })
  })

  it('reports another phase whose state changed', () => {
    let s = markPhaseComplete(before, 'ISSUE-3').source
    s = markPhaseComplete(parseSpec('spec.md', s), 'ISSUE-4').source
    s = s.replace('### ISSUE-1: Data model for invitations ✅', '### ISSUE-1: Data model for invitations')
    const after = parseSpec('spec.md', s)
    expect(checkCompletion(before, after, 'ISSUE-3')).toEqual({
      complete: true,
      otherChanges: ['ISSUE-1', 'ISSUE-4'],
    })
  })

  it('reports phases that vanished', () => {
    const s = markPhaseComplete(before, 'ISSUE-3').source.replace(
      /### ISSUE-5[\s\S]*?(?=## Testing Strategy)/,
      '',
    )
    expect(s).not.toContain('ISSUE-5: Admin')
    const after = parseSpec('spec.md', s)
    expect(checkCompletion(before, after, 'ISSUE-3')).toEqual({ complete: true, otherChanges: ['ISSUE-5'] })
  })

  it('task files: a sibling task checked by mistake is reported', () => {
    const t = read('kiro-tasks.md')
    const b = parseSpec('tasks.md', t)
    let s = markPhaseComplete(b, '3.1').source
    s = markPhaseComplete(parseSpec('tasks.md', s), '3.2').source
    const r = checkCompletion(b, parseSpec('tasks.md', s), '3.1')
    expect(r).toEqual({ complete: true, otherChanges: ['3.2'] })
  })

  it('not complete when the phase itself vanished', () => {
    const after = parseSpec('spec.md', src.replace('### ISSUE-3 — Email delivery', '### Email delivery'))
    expect(checkCompletion(before, after, 'ISSUE-3').complete).toBe(false)
  })
})
