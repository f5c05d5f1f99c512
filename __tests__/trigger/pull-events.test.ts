/** Commands on a pull request: the three events that start a review iteration, read from real webhook payloads. */
import { describe, expect, it } from 'vitest'
import { parseTrigger } from '../../src/trigger/event.js'
import { parseCommand, withoutCommand } from '../../src/trigger/command.js'
import { pullCommentPayload, reviewCommentPayload, reviewPayload } from './payloads.js'

const T = { trigger: '/implement' }

describe('parseTrigger: commands on a pull request', () => {
  it('an issue_comment on a PR is a review iteration from the conversation, not an issue command', () => {
    const p = pullCommentPayload({ body: '/implement make the slug lowercase', login: 'alice' })
    const t = parseTrigger('issue_comment', p, T)
    expect(t).toMatchObject({
      kind: 'pull',
      source: 'comment',
      pullNumber: p.issue.number,
      commentId: p.comment.id,
      createdAt: p.comment.created_at,
      body: '/implement make the slug lowercase',
      command: { issueIds: [], notes: 'make the slug lowercase' },
      actor: { login: 'alice', type: 'User' },
    })
  })

  it('a submitted review with the command: its id, time and author', () => {
    const p = reviewPayload({ body: 'Looks close.\n/implement', login: 'bob' })
    const t = parseTrigger('pull_request_review', p, T)
    expect(t).toMatchObject({
      kind: 'pull',
      source: 'review',
      pullNumber: p.pull_request.number,
      reviewId: p.review.id,
      createdAt: p.review.submitted_at,
      actor: { login: 'bob' },
    })
  })

  it('a review without a body, or a dismissed review, starts nothing', () => {
    expect(parseTrigger('pull_request_review', reviewPayload({ body: null }), T).kind).toBe('skip')
    const dismissed = reviewPayload({ body: '/implement', action: 'dismissed' })
    expect(parseTrigger('pull_request_review', dismissed, T)).toEqual({
      kind: 'skip',
      reason: expect.stringContaining('dismissed'),
    })
  })

  it('a new review comment with the command; an edited one starts nothing', () => {
    const p = reviewCommentPayload({ body: '/implement use a regex here' })
    const t = parseTrigger('pull_request_review_comment', p, T)
    expect(t).toMatchObject({
      kind: 'pull',
      source: 'review-comment',
      commentId: p.comment.id,
      pullNumber: p.pull_request.number,
      command: { notes: 'use a regex here' },
    })
    const edited = reviewCommentPayload({ body: '/implement', action: 'edited' })
    expect(parseTrigger('pull_request_review_comment', edited, T).kind).toBe('skip')
  })

  it('names every event it runs on when started by another', () => {
    expect(() => parseTrigger('pull_request', {}, T)).toThrow(/pull_request_review_comment/)
  })
})

describe('parseCommand against a PR head branch', () => {
  it('only ids of the head id shape are ids: `3 tests fail` on ISSUE-2 is all notes', () => {
    expect(parseCommand('/implement 3 tests fail on Windows', '/implement', 'ISSUE-2')).toEqual({
      issueIds: [],
      notes: '3 tests fail on Windows',
    })
    expect(parseCommand('/implement ISSUE-2 keep it', '/implement', 'ISSUE-2')).toEqual({
      issueIds: ['ISSUE-2'],
      notes: 'keep it',
    })
    expect(parseCommand('/implement ISSUE-3', '/implement', 'ISSUE-2')?.issueIds).toEqual(['ISSUE-3'])
  })

  it('a head that is no id makes every token notes', () => {
    expect(parseCommand('/implement ISSUE-3 now', '/implement', 'feature/x')).toEqual({
      issueIds: [],
      notes: 'ISSUE-3 now',
    })
  })

  it('withoutCommand keeps the text around the command and the notes on its line', () => {
    const body = 'The slug keeps spaces.\n/implement ISSUE-2 trim them\nThanks'
    expect(withoutCommand(body, '/implement', 'ISSUE-2')).toBe('The slug keeps spaces.\ntrim them\nThanks')
    expect(withoutCommand('no command here', '/implement')).toBe('no command here')
  })
})
