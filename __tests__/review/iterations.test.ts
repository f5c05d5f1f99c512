import { describe, expect, it } from 'vitest'
import { pullMarker, readPullMarker } from '../../src/discussion/markers.js'
import { carryIterations, iterationEntry, withIteration } from '../../src/review/iterations.js'

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
    const body = withIteration(BODY, entry(1), {
      issueNumber: 7,
      addressedUntil: '2026-12-04T10:01:30Z',
      finished: true,
    })
    expect(body).toContain('Added slugify.')
    expect(body).toContain('Refs #7')
    expect(body.indexOf('## Iterations')).toBeLessThan(body.indexOf('---'))
    expect(body.indexOf('## Iterations')).toBeGreaterThan(body.indexOf('Added slugify.'))
    expect(readPullMarker(body)).toEqual({ issueNumber: 7, writtenAt: '2026-12-04T10:01:30Z' })
    expect(body.match(/implement-action:pr/g)).toHaveLength(1)
  })

  it('later iterations append in order, and only the newest 20 are kept', () => {
    let body = BODY
    for (let i = 1; i <= 22; i++) body = withIteration(body, entry(i), { issueNumber: 7, finished: true })
    const items = body.split('\n').filter((l) => l.startsWith('- 2026-12-04'))
    expect(items).toHaveLength(20)
    expect(items[0]).toContain('10:03 UTC')
    expect(items.at(-1)).toContain('10:22 UTC')
    expect(body.match(/## Iterations/g)).toHaveLength(1)
    expect(body).toContain('  Change 22.')
  })

  it('a body without footer or marker (edited by hand) gets the section at the end and a marker', () => {
    const body = withIteration('Just text.', entry(1), {
      addressedUntil: '2026-12-04T10:01:30Z',
      finished: true,
    })
    expect(body).toMatch(/^Just text\.\n\n## Iterations\n\n- 2026/)
    expect(readPullMarker(body)).toEqual({ writtenAt: '2026-12-04T10:01:30Z' })
  })

  it("a finished iteration removes the first run's work-in-progress banner; an unfinished one keeps it", () => {
    const wip = `> [!WARNING]\n> Work in progress: the run stopped early because it reached the turn budget.\n\n${BODY}`
    expect(withIteration(wip, entry(1), { finished: false })).toContain('> [!WARNING]')
    const done = withIteration(wip, entry(1), { finished: true })
    expect(done).not.toContain('Work in progress')
    expect(done.startsWith('Implements **ISSUE-2')).toBe(true)
  })

  it('a rerun from the issue rewrites the body but keeps its iterations and what was addressed', () => {
    const old = withIteration(
      withIteration(BODY, entry(1), {
        issueNumber: 7,
        addressedUntil: '2026-12-04T10:01:00Z',
        finished: true,
      }),
      entry(2),
      { issueNumber: 7, addressedUntil: '2026-12-04T10:02:00Z', finished: true },
    )
    const fresh = BODY.replace('Added slugify.', 'Rewrote slugify.').replace(
      '2026-12-01T10:00:00Z',
      '2026-12-05T00:00:00Z',
    )
    const body = carryIterations(fresh, old, 7)
    expect(body).toContain('Rewrote slugify.')
    expect(body.split('\n').filter((l) => l.startsWith('- 2026-12-04'))).toHaveLength(2)
    expect(readPullMarker(body)).toEqual({ issueNumber: 7, writtenAt: '2026-12-04T10:02:00Z' })
    expect(carryIterations(fresh, undefined, 7)).toBe(fresh)
    expect(carryIterations(fresh, 'an old body without iterations', 7)).toBe(fresh)
  })

  it('warnings of the iteration are listed under its entry', () => {
    const e = iterationEntry({
      at: '2026-12-04T10:00:00Z',
      requester: 'a',
      summary: '',
      turns: 1,
      cost: '$0',
      threads: 0,
      warnings: ['Other phases changed state: `ISSUE-3`.'],
    })
    expect(e).toBe(
      '- 2026-12-04 10:00 UTC · asked by @a · no change · 1 turn · $0\n  - ⚠️ Other phases changed state: `ISSUE-3`.',
    )
  })
})
