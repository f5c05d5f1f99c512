import { describe, expect, it } from 'vitest'
import { pullMarker, readPullMarker } from '../../src/discussion/markers.js'
import { iterationEntry, withIteration } from '../../src/review/iterations.js'

const BODY = [
  'Implements **ISSUE-2: slugify**.',
  '',
  '## Summary',
  '',
  'Added slugify.',
  '',
  '---',
  '',
  'Refs #7',
  '',
  'model `x` · cost $0.01',
  '',
  pullMarker(7, '2026-12-01T10:00:00Z'),
].join('\n')

const entry = (n: number) =>
  iterationEntry({
    at: `2026-12-04T10:${String(n).padStart(2, '0')}:00Z`,
    requester: 'alice',
    commit: { sha: `${n}`.padEnd(40, 'a'), url: `https://github.com/o/r/pull/12/commits/${n}` },
    summary: `Change ${n}.\n\nDetails.`,
    turns: 3,
    cost: '$0.0100',
    runUrl: 'https://github.com/o/r/actions/runs/9',
    threads: 2,
  })

describe('the PR body across iterations', () => {
  it('an entry: when, who, the commit, threads, turns, cost, run, and the first paragraph of what changed', () => {
    expect(entry(1)).toBe(
      '- 2026-12-04 10:01 UTC · asked by @alice · [`1aaaaaa`](https://github.com/o/r/pull/12/commits/1) · 2 review threads · 3 turns · $0.0100 · [run](https://github.com/o/r/actions/runs/9)\n  Change 1.',
    )
  })

  it('the first iteration adds the section before the footer; `Refs #7` and the summary stay', () => {
    const body = withIteration(BODY, entry(1), 7, '2026-12-04T10:01:30Z')
    expect(body).toContain('Added slugify.')
    expect(body).toContain('Refs #7')
    expect(body.indexOf('## Iterations')).toBeLessThan(body.indexOf('---'))
    expect(body.indexOf('## Iterations')).toBeGreaterThan(body.indexOf('Added slugify.'))
    expect(readPullMarker(body)).toEqual({ issueNumber: 7, writtenAt: '2026-12-04T10:01:30Z' })
    expect(body.match(/implement-action:pr/g)).toHaveLength(1)
  })

  it('later iterations append in order, and only the newest 20 are kept', () => {
    let body = BODY
    for (let i = 1; i <= 22; i++) body = withIteration(body, entry(i), 7, '2026-12-04T11:00:00Z')
    const items = body.split('\n').filter((l) => l.startsWith('- 2026-12-04'))
    expect(items).toHaveLength(20)
    expect(items[0]).toContain('10:03 UTC')
    expect(items.at(-1)).toContain('10:22 UTC')
    expect(body.match(/## Iterations/g)).toHaveLength(1)
    expect(body).toContain('  Change 22.')
  })

  it('a body without footer or marker (edited by hand) gets the section at the end and a marker', () => {
    const body = withIteration('Just text.', entry(1), undefined, '2026-12-04T10:01:30Z')
    expect(body).toMatch(/^Just text\.\n\n## Iterations\n\n- 2026/)
    expect(readPullMarker(body)).toEqual({ writtenAt: '2026-12-04T10:01:30Z' })
  })
})
