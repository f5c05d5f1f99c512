/** Which review threads a review iteration gives the model, and how. */
import { describe, expect, it } from 'vitest'
import { replyMarker } from '../../src/discussion/markers.js'
import { MAX_THREADS_CHARS, reviewThreads, type ThreadsRequest } from '../../src/review/threads.js'
import { FakeGitHubApi } from '../support/fake-github-api.js'

const PR = 12
const CUTOFF = '2026-12-04T10:00:00Z'
const BEFORE = '2026-12-04T09:00:00Z'
const AFTER = '2026-12-04T10:00:01Z'

function world() {
  const api = new FakeGitHubApi()
  api.permissions.set('mona', 'write')
  api.permissions.set('olga', 'read')
  const logs: string[] = []
  const request = (r: Partial<ThreadsRequest> = {}): ThreadsRequest => ({
    pullNumber: PR,
    source: 'comment',
    cutoff: CUTOFF,
    actor: 'mona',
    trigger: '/implement',
    id: 'ISSUE-2',
    selfLogins: ['github-actions[bot]'],
    clean: (s) => s.replaceAll('SECRET', '***').trim(),
    permissionOf: (login) => api.getPermission(login),
    log: (l) => logs.push(l),
    ...r,
  })
  return { api, request, logs }
}

describe('reviewThreads', () => {
  it('shows each unresolved thread with its file, line, hunk end and comments by writers', async () => {
    const { api, request } = world()
    const hunk = ['@@ -1,20 +1,20 @@', ...Array.from({ length: 20 }, (_, i) => `+line ${i + 1}`)].join('\n')
    const root = api.addReviewComment(PR, {
      login: 'mona',
      body: 'Rename this.',
      at: '2026-12-04T07:00:00Z',
      path: 'a.js',
      line: 20,
      diffHunk: hunk,
    })
    api.addReviewComment(PR, { login: 'olga', body: 'OLGA-SAYS', at: BEFORE, inReplyTo: root.id })
    api.addReviewComment(PR, {
      login: 'github-actions[bot]',
      body: 'BOT-REPLY',
      at: '2026-12-04T08:00:00Z',
      inReplyTo: root.id,
    })
    api.addReviewComment(PR, { login: 'mona', body: 'And SECRET here.', at: BEFORE, inReplyTo: root.id })
    const t = await reviewThreads(api, request())
    expect(t.roots).toEqual([root.id])
    expect(t.text).toContain('### `a.js`, line 20')
    expect(t.text).toContain('+line 20')
    expect(t.text).not.toContain('+line 5\n') // only the hunk's end (15 lines)
    expect(t.text).toContain('**@mona** (2026-12-04T07:00:00Z):\nRename this.')
    expect(t.text).toContain('And *** here.')
    expect(t.text).not.toContain('OLGA-SAYS')
    expect(t.text).not.toContain('BOT-REPLY')
  })

  it('leaves out comments posted or edited after the command, and threads left with no comment', async () => {
    const { api, request } = world()
    api.addReviewComment(PR, { login: 'mona', body: 'LATE', at: AFTER })
    const edited = api.addReviewComment(PR, { login: 'mona', body: 'EDITED-LATER', at: BEFORE })
    edited.updated_at = AFTER
    const t = await reviewThreads(api, request())
    expect(t).toMatchObject({ text: '', roots: [] })
  })

  it('the command comment is shown as the event carried it, not as edited since', async () => {
    const { api, request } = world()
    const c = api.addReviewComment(PR, { login: 'mona', body: '/implement EDITED-AFTER', at: CUTOFF })
    c.updated_at = AFTER
    const t = await reviewThreads(
      api,
      request({ source: 'review-comment', commentId: c.id, commandBody: '/implement as posted' }),
    )
    expect(t.text).toContain('as posted')
    expect(t.text).not.toContain('EDITED-AFTER')
  })

  it("a comment in the command's second counts only when it is older (a lower id) or the command's review's", async () => {
    const { api, request } = world()
    const older = api.addReviewComment(PR, { login: 'mona', body: 'SAME-SECOND-OLDER', at: CUTOFF })
    const command = api.addReviewComment(PR, {
      login: 'mona',
      body: '/implement',
      at: CUTOFF,
      inReplyTo: older.id,
    })
    api.addReviewComment(PR, { login: 'mona', body: 'SAME-SECOND-NEWER', at: CUTOFF, inReplyTo: older.id })
    const t = await reviewThreads(api, request({ source: 'review-comment', commentId: command.id }))
    expect(t.text).toContain('SAME-SECOND-OLDER')
    expect(t.text).not.toContain('SAME-SECOND-NEWER')
    const other = api.addReviewComment(PR, { login: 'mona', body: 'OTHER-SAME-SECOND', at: CUTOFF })
    expect((await reviewThreads(api, request())).text).not.toContain('OTHER-SAME-SECOND')
    const mine = api.addReviewComment(PR, { login: 'mona', body: 'REVIEW-OWN', at: CUTOFF, reviewId: 9 })
    mine.updated_at = '2026-12-04T10:00:05Z' // GitHub stamps a review's comments when it is submitted
    expect((await reviewThreads(api, request({ source: 'review', reviewId: 9 }))).text).toContain(
      'REVIEW-OWN',
    )
    expect(other.id).toBeGreaterThan(0)
  })

  it('a review comment command takes every thread of its review (GitHub sends one event per line comment)', async () => {
    const { api, request } = world()
    const a = api.addReviewComment(PR, { login: 'mona', body: '/implement A', at: BEFORE, reviewId: 5 })
    const b = api.addReviewComment(PR, { login: 'mona', body: '/implement B', at: BEFORE, reviewId: 5 })
    api.addReviewComment(PR, { login: 'mona', body: 'OTHER-REVIEW', at: BEFORE, reviewId: 6 })
    const t = await reviewThreads(api, request({ source: 'review-comment', commentId: a.id }))
    expect(t.roots).toEqual([a.id, b.id])
    // The next event of the same review comes after a run answered both threads: nothing left for it.
    api.addReviewComment(PR, { login: 'github-actions[bot]', body: '🔁 done', at: AFTER, inReplyTo: a.id })
    api.addReviewComment(PR, { login: 'github-actions[bot]', body: '🔁 done', at: AFTER, inReplyTo: b.id })
    const again = await reviewThreads(api, request({ source: 'review-comment', commentId: b.id }))
    expect(again).toMatchObject({ roots: [], answered: 2 })
  })

  it('from the conversation, a thread the action answered waits until a reviewer writes in it again', async () => {
    const { api, request } = world()
    const root = api.addReviewComment(PR, { login: 'mona', body: 'Fix it.', at: '2026-12-04T08:00:00Z' })
    api.addReviewComment(PR, {
      login: 'github-actions[bot]',
      body: '🔁 x',
      at: '2026-12-04T08:30:00Z',
      inReplyTo: root.id,
    })
    expect(await reviewThreads(api, request())).toMatchObject({ roots: [], waiting: 1 })
    api.addReviewComment(PR, { login: 'mona', body: 'STILL-BROKEN', at: BEFORE, inReplyTo: root.id })
    const t = await reviewThreads(api, request())
    expect(t.roots).toEqual([root.id])
    expect(t.text).toContain('STILL-BROKEN')
    expect(t.text).not.toContain('🔁')
  })

  it('resolved threads are left out, unless the command is in them', async () => {
    const { api, request } = world()
    const done = api.addReviewComment(PR, { login: 'mona', body: 'DONE-THREAD', at: BEFORE })
    api.resolved.add(done.id)
    expect((await reviewThreads(api, request())).text).toBe('')
    const command = api.addReviewComment(PR, {
      login: 'mona',
      body: '/implement once more',
      at: CUTOFF,
      inReplyTo: done.id,
    })
    const t = await reviewThreads(api, request({ source: 'review-comment', commentId: command.id }))
    expect(t.roots).toEqual([done.id])
    expect(t.text).toContain('DONE-THREAD')
    expect(t.text).toContain('once more')
    expect(t.text).not.toContain('/implement')
  })

  it("a review's command addresses that review's threads only; a review comment's, its own thread", async () => {
    const { api, request } = world()
    const a = api.addReviewComment(PR, { login: 'mona', body: 'THREAD-A', at: BEFORE, reviewId: 1 })
    const b = api.addReviewComment(PR, { login: 'mona', body: 'THREAD-B', at: BEFORE, reviewId: 2 })
    expect((await reviewThreads(api, request({ source: 'review', reviewId: 2 }))).roots).toEqual([b.id])
    expect((await reviewThreads(api, request({ source: 'comment' }))).roots).toEqual([a.id, b.id])
    const reply = api.addReviewComment(PR, { login: 'mona', body: '/implement', at: CUTOFF, inReplyTo: a.id })
    const own = await reviewThreads(api, request({ source: 'review-comment', commentId: reply.id }))
    expect(own.roots).toEqual([a.id])
    expect(own.text).toContain('_(only the command)_')
  })

  it('names multi-line and outdated comments by their lines', async () => {
    const { api, request } = world()
    api.addReviewComment(PR, {
      login: 'mona',
      body: 'range',
      at: BEFORE,
      path: 'b.js',
      startLine: 3,
      line: 7,
    })
    api.addReviewComment(PR, {
      login: 'mona',
      body: 'old',
      at: BEFORE,
      path: 'c.js',
      line: undefined,
      originalLine: 9,
    })
    const t = await reviewThreads(api, request())
    expect(t.text).toContain('### `b.js`, lines 3–7')
    expect(t.text).toContain('### `c.js`, outdated: the diff has changed since; it was on line 9')
  })

  it('drops threads beyond the size cap, keeping the first', async () => {
    const { api, request } = world()
    for (let i = 0; i < 8; i++)
      api.addReviewComment(PR, { login: 'mona', body: `T${i} ${'x'.repeat(6000)}`, at: BEFORE })
    const t = await reviewThreads(api, request())
    expect(t.text.length).toBeLessThanOrEqual(MAX_THREADS_CHARS + 200)
    expect(t.roots.length).toBeLessThan(8)
    expect(t.text).toContain('T0 ')
  })

  it('when the resolved state cannot be read, says so and counts every thread as unresolved', async () => {
    const { api, request, logs } = world()
    api.addReviewComment(PR, { login: 'mona', body: 'KEPT', at: BEFORE })
    api.resolvedThreads = () => Promise.reject(new Error('GraphQL is down'))
    const t = await reviewThreads(api, request())
    expect(t.text).toContain('KEPT')
    expect(t.error).toContain('GraphQL is down')
    expect(logs.join('\n')).toContain('every thread counts as unresolved')
  })

  it("a reply counts by what its run had read: a comment after that run's command is still fed", async () => {
    const { api, request } = world()
    const root = api.addReviewComment(PR, { login: 'mona', body: 'Fix it.', at: '2026-12-04T08:00:00Z' })
    // Mona replies while run A (its command at 08:30) works; A's reply lands after hers.
    api.addReviewComment(PR, {
      login: 'mona',
      body: 'ALSO-RENAME',
      at: '2026-12-04T08:40:00Z',
      inReplyTo: root.id,
    })
    api.addReviewComment(PR, {
      login: 'github-actions[bot]',
      body: `${replyMarker('2026-12-04T08:30:00Z')}\n🔁 x`,
      at: '2026-12-04T08:50:00Z',
      inReplyTo: root.id,
    })
    const t = await reviewThreads(api, request())
    expect(t.roots).toEqual([root.id])
    expect(t.text).toContain('ALSO-RENAME')
  })
})
