/** The run's parsed specs: a spec is parsed once per content, and again when its text changed. */
import { describe, expect, it } from 'vitest'
import { specDocument, specParses } from '../../src/spec/cache.js'
import { markPhaseComplete } from '../../src/spec/complete.js'
import { findPhase } from '../../src/spec/phases.js'

const SPEC = '# S\n\n## Implementation Strategy\n\n- [ ] ISSUE-1 One\n- [ ] ISSUE-2 Two\n'

describe('specDocument', () => {
  it('parses a spec once per content: the same text gives the same document without a parse', () => {
    const path = 'docs/cache-same.md'
    const first = specDocument(path, SPEC)
    expect(specParses(path)).toBe(1)
    // Text read again from disk is another string with the same content.
    expect(specDocument(path, `${SPEC.slice(0, -1)}\n`)).toBe(first)
    expect(specParses(path)).toBe(1)
    expect(findPhase(first, 'ISSUE-2')).toMatchObject({ title: 'Two', complete: false })
  })

  it('parses again when the text changed, and keeps the latest', () => {
    const path = 'docs/cache-changed.md'
    const before = specDocument(path, SPEC)
    const edited = SPEC.replace('- [ ] ISSUE-2', '- [x] ISSUE-2')
    const after = specDocument(path, edited)
    expect(specParses(path)).toBe(2)
    expect(after).not.toBe(before)
    expect(findPhase(after, 'ISSUE-2')!.complete).toBe(true)
    expect(specDocument(path, edited)).toBe(after)
    expect(specParses(path)).toBe(2)
  })

  it('marking a phase complete reuses the parse of the document it is given', () => {
    const path = 'docs/cache-mark.md'
    const doc = specDocument(path, SPEC)
    const { source } = markPhaseComplete(doc, 'ISSUE-1')
    expect(source).toBe(SPEC.replace('- [ ] ISSUE-1', '- [x] ISSUE-1'))
    expect(specParses(path)).toBe(1)
  })

  it('the same text at another path is another document', () => {
    specDocument('docs/cache-a.md', SPEC)
    expect(specDocument('docs/cache-b.md', SPEC).path).toBe('docs/cache-b.md')
    expect([specParses('docs/cache-a.md'), specParses('docs/cache-b.md')]).toEqual([1, 1])
  })
})
