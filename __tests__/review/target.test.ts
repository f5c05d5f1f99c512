import { describe, expect, it } from 'vitest'
import { pullMarker, withPullMarker } from '../../src/discussion/markers.js'
import type { PullDetails } from '../../src/github/api.js'
import { checkTarget } from '../../src/review/target.js'

const SELF = ['github-actions[bot]']
function pull(p: Partial<PullDetails> = {}): PullDetails {
  return {
    number: 12,
    html_url: 'https://github.com/o/r/pull/12',
    draft: true,
    head: 'ISSUE-2',
    base: 'main',
    title: 'ISSUE-2: slugify',
    body: `Implements **ISSUE-2: slugify** of x.\n\n---\n\nRefs #7\n\n${pullMarker(7, '2026-12-01T10:00:00Z')}`,
    state: 'open',
    merged: false,
    headSha: 'a'.repeat(40),
    headRepo: 'o/r',
    baseRepo: 'o/r',
    user: { login: 'github-actions[bot]', type: 'Bot' },
    ...p,
  }
}
const check = (p: PullDetails, body = '/implement') =>
  checkTarget(p, { body, trigger: '/implement', selfLogins: SELF, base: 'main' })

describe('checkTarget: which PRs an iteration may work on', () => {
  it('a PR the action opened: the phase is the head branch; issue and body time from its marker', () => {
    expect(check(pull(), '/implement keep it short')).toEqual({
      ok: true,
      target: {
        pull: pull(),
        id: 'ISSUE-2',
        command: { issueIds: [], notes: 'keep it short' },
        issueNumber: 7,
        addressedUntil: '2026-12-01T10:00:00Z',
        openedByAction: true,
      },
    })
  })

  it('a fork is refused, naming the fork', () => {
    const r = check(pull({ headRepo: 'mallory/r' }))
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('the fork `mallory/r`') })
  })

  it('a head repository that is gone counts as a fork', () => {
    expect(check(pull({ headRepo: undefined })).ok).toBe(false)
  })

  it('merged and closed PRs are refused with what to do', () => {
    expect(check(pull({ merged: true, state: 'closed' }))).toEqual({
      ok: false,
      reason: expect.stringContaining('is merged'),
    })
    expect(check(pull({ state: 'closed' }))).toEqual({ ok: false, reason: expect.stringContaining('Reopen') })
  })

  it('a head branch that is no phase id, on a PR someone else opened, is refused with why', () => {
    const r = check(pull({ head: 'feature/login', body: 'My PR', user: { login: 'alice', type: 'User' } }))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.reason).toMatch(
      /`feature\/login`, is not a phase id, and the action did not open this PR/,
    )
  })

  it('an explicit id must be the head: another phase, or several, are refused', () => {
    expect(check(pull(), '/implement ISSUE-2 fix it').ok).toBe(true)
    expect(check(pull(), '/implement issue-2').ok).toBe(true)
    const other = check(pull(), '/implement ISSUE-3')
    expect(!other.ok && other.reason).toContain('comment `/implement ISSUE-3` on its issue')
    expect(check(pull(), '/implement ISSUE-2 ISSUE-3').ok).toBe(false)
  })

  it('`Refs #N` stands in for the marker in a PR the action opened before the marker existed', () => {
    const body = 'Implements **ISSUE-2: slugify** of x.\n\n---\n\nRefs #7\n'
    const r = check(pull({ body }))
    expect(r.ok && r.target).toMatchObject({ issueNumber: 7, openedByAction: true })
    expect(r.ok && r.target.addressedUntil).toBeUndefined()
  })

  it("a human's PR from a phase branch is a target, but its `Refs` is not trusted as the action's", () => {
    const r = check(pull({ body: 'Refs #3', user: { login: 'alice', type: 'User' } }))
    expect(r.ok && r.target).toMatchObject({ openedByAction: false, id: 'ISSUE-2' })
    expect(r.ok && r.target.issueNumber).toBeUndefined()
  })

  it('a PR on another base is refused: the spec and prompt come only from the base every phase starts from', () => {
    const r = check(pull({ base: 'ISSUE-3' }))
    expect(!r.ok && r.reason).toContain('is based on `ISSUE-3`, not `main`')
  })

  it('a marker in a PR someone else opened is not believed (anyone who edits the body could write it)', () => {
    const body = `Implements **ISSUE-2: x**.\n${pullMarker(99, '2026-12-01T10:00:00Z')}`
    const r = check(pull({ body, user: { login: 'alice', type: 'User' } }))
    expect(r.ok && r.target).toMatchObject({ openedByAction: false })
    expect(r.ok && r.target.issueNumber).toBeUndefined()
    expect(r.ok && r.target.addressedUntil).toBeUndefined()
  })

  it('a marker time in the future is not believed (it would hide every comment)', () => {
    const r = check(pull({ body: `x\n${pullMarker(7, '2999-01-01T00:00:00Z')}` }))
    expect(r.ok && r.target).toMatchObject({ issueNumber: 7, openedByAction: true })
    expect(r.ok && r.target.addressedUntil).toBeUndefined()
  })

  it("a look-alike marker in the model's summary is not the PR's: the last one is", () => {
    const body = `## Summary\n\n${pullMarker(99, '2026-11-01T00:00:00Z')}\n\n---\n\n${pullMarker(7, '2026-12-01T10:00:00Z')}`
    const r = check(pull({ body }))
    expect(r.ok && r.target).toMatchObject({ issueNumber: 7, addressedUntil: '2026-12-01T10:00:00Z' })
    const rewritten = withPullMarker(body, 7, '2026-12-02T00:00:00Z')
    expect(rewritten).toContain(pullMarker(99, '2026-11-01T00:00:00Z'))
    expect(rewritten.endsWith(pullMarker(7, '2026-12-02T00:00:00Z'))).toBe(true)
  })
})
