import { describe, expect, it } from 'vitest'
import { parseTrigger } from '../../src/trigger/event.js'
import { issueCommentPayload, workflowDispatchPayload } from './payloads.js'
import { catchUserError } from '../support/errors.js'

const T = { trigger: '/implement' }

describe('parseTrigger: issue_comment', () => {
  it('a new comment with the command → comment trigger with ids, notes, comment and actor', () => {
    const p = issueCommentPayload({ body: '/implement ISSUE-3 keep it small\nand tested', login: 'alice' })
    const t = parseTrigger('issue_comment', p, T)
    expect(t).toEqual({
      kind: 'comment',
      command: { issueIds: ['ISSUE-3'], notes: 'keep it small\nand tested' },
      issueNumber: p.issue.number,
      commentId: p.comment.id,
      commentCreatedAt: p.comment.created_at,
      actor: { login: 'alice', type: 'User', id: (p.comment.user as unknown as { id: number }).id },
    })
  })

  it('takes the actor from comment.user, not sender', () => {
    const p = issueCommentPayload({ body: '/implement ISSUE-3' })
    p.sender.login = 'someone-else'
    const t = parseTrigger('issue_comment', p, T)
    expect(t.kind === 'comment' && t.actor.login).toBe(p.comment.user.login)
  })

  it('a plain comment is skipped', () => {
    const t = parseTrigger('issue_comment', issueCommentPayload(), T)
    expect(t.kind).toBe('skip')
    expect(t.kind === 'skip' && t.reason).toContain('/implement')
  })

  it.each(['edited', 'deleted'])('an %s comment is skipped even when it has the command', (action) => {
    const t = parseTrigger('issue_comment', issueCommentPayload({ action, body: '/implement ISSUE-3' }), T)
    expect(t).toEqual({ kind: 'skip', reason: expect.stringContaining(action) })
  })

  it('`/implementation` is not `/implement`', () => {
    const t = parseTrigger('issue_comment', issueCommentPayload({ body: '/implementation ISSUE-3' }), T)
    expect(t.kind).toBe('skip')
  })

  it('a command inside a fenced code block is skipped', () => {
    const body = 'To run it, comment:\n\n```\n/implement ISSUE-3\n```\n'
    expect(parseTrigger('issue_comment', issueCommentPayload({ body }), T).kind).toBe('skip')
  })

  it('a quoted command is skipped', () => {
    const body = '> /implement ISSUE-3\n\nShould we do this?'
    expect(parseTrigger('issue_comment', issueCommentPayload({ body }), T).kind).toBe('skip')
  })

  it('a command in the middle of a sentence is skipped', () => {
    const body = 'Someone should /implement ISSUE-3 soon'
    expect(parseTrigger('issue_comment', issueCommentPayload({ body }), T).kind).toBe('skip')
  })

  it('uses a custom trigger phrase', () => {
    const p = issueCommentPayload({ body: '/build ISSUE-3' })
    expect(parseTrigger('issue_comment', p, { trigger: '/build' }).kind).toBe('comment')
    expect(parseTrigger('issue_comment', p, T).kind).toBe('skip')
  })

  it('the issue-id action input overrides the command ids, keeping spec and notes', () => {
    const p = issueCommentPayload({ body: '/implement docs/a.md ISSUE-3 ISSUE-4 notes' })
    const t = parseTrigger('issue_comment', p, { ...T, issueId: 'FEAT-9' })
    expect(t.kind === 'comment' && t.command).toEqual({
      issueIds: ['FEAT-9'],
      specArg: 'docs/a.md',
      notes: 'notes',
    })
  })

  it('a command without an id yields empty issueIds (the caller replies with usage)', () => {
    const t = parseTrigger('issue_comment', issueCommentPayload({ body: '/implement please' }), T)
    expect(t.kind === 'comment' && t.command).toEqual({ issueIds: [], notes: 'please' })
  })

  it('a created comment without comment data is a UserError', () => {
    const p = issueCommentPayload({ body: '/implement ISSUE-3' }) as Record<string, unknown>
    delete (p.issue as Record<string, unknown>).number
    catchUserError(() => parseTrigger('issue_comment', p, T))
  })
})

describe('parseTrigger: workflow_dispatch', () => {
  it('reads spec-name, issue-id, notes and issue-number from the workflow inputs', () => {
    const p = workflowDispatchPayload({
      'spec-name': 'docs/specs/x.md',
      'issue-id': 'ISSUE-3',
      notes: 'be brief',
      'issue-number': '12',
    })
    expect(parseTrigger('workflow_dispatch', p, T)).toEqual({
      kind: 'dispatch',
      command: { issueIds: ['ISSUE-3'], specArg: 'docs/specs/x.md', notes: 'be brief' },
      issueNumber: 12,
      actor: { login: p.sender.login, type: 'User', id: (p.sender as unknown as { id: number }).id },
    })
  })

  it('leaves issueNumber unset when issue-number is empty, and accepts "#12"', () => {
    const a = parseTrigger(
      'workflow_dispatch',
      workflowDispatchPayload({ 'issue-id': 'T012', 'issue-number': '' }),
      T,
    )
    expect(a.kind === 'dispatch' && 'issueNumber' in a).toBe(false)
    const b = parseTrigger(
      'workflow_dispatch',
      workflowDispatchPayload({ 'issue-id': 'T012', 'issue-number': '#12' }),
      T,
    )
    expect(b.kind === 'dispatch' && b.issueNumber).toBe(12)
  })

  it('a non-numeric issue-number is a UserError naming the input', () => {
    const p = workflowDispatchPayload({ 'issue-id': 'T012', 'issue-number': 'twelve' })
    expect(catchUserError(() => parseTrigger('workflow_dispatch', p, T)).message).toContain('issue-number')
  })

  it('action inputs override the workflow inputs', () => {
    const p = workflowDispatchPayload({ 'spec-name': 'a.md', 'issue-id': 'ISSUE-3', notes: 'from dispatch' })
    const t = parseTrigger('workflow_dispatch', p, {
      trigger: '/implement',
      issueId: 'ISSUE-7',
      specName: 'specs/b.md',
      notes: 'from with:',
    })
    expect(t.kind === 'dispatch' && t.command).toEqual({
      issueIds: ['ISSUE-7'],
      specArg: 'specs/b.md',
      notes: 'from with:',
    })
  })

  it('blank action inputs do not override', () => {
    const p = workflowDispatchPayload({ 'issue-id': 'ISSUE-3' })
    const t = parseTrigger('workflow_dispatch', p, { trigger: '/implement', issueId: '  ', notes: '' })
    expect(t.kind === 'dispatch' && t.command).toEqual({ issueIds: ['ISSUE-3'], notes: '' })
  })

  it('several ids in issue-id fan out', () => {
    const t = parseTrigger(
      'workflow_dispatch',
      workflowDispatchPayload({ 'issue-id': 'ISSUE-3, ISSUE-4 issue-3' }),
      T,
    )
    expect(t.kind === 'dispatch' && t.command.issueIds).toEqual(['ISSUE-3', 'ISSUE-4'])
  })

  it('a missing id is a UserError that says which input to set', () => {
    const e = catchUserError(() => parseTrigger('workflow_dispatch', workflowDispatchPayload(), T))
    expect(e.message).toContain('issue-id')
    expect(e.hint).toContain('issue-id')
  })

  it('a payload with inputs: null is read as no inputs', () => {
    const p = workflowDispatchPayload()
    p.inputs = null
    expect(catchUserError(() => parseTrigger('workflow_dispatch', p, T)).message).toContain('issue-id')
    expect(parseTrigger('workflow_dispatch', p, { ...T, issueId: 'ISSUE-1' }).kind).toBe('dispatch')
  })
})

describe('parseTrigger: other events', () => {
  it.each(['push', 'pull_request', 'issues', ''])(
    '"%s" is a UserError naming the supported events',
    (name) => {
      const e = catchUserError(() => parseTrigger(name, {}, T))
      expect(e.message).toContain('issue_comment')
      expect(e.message).toContain('workflow_dispatch')
    },
  )
})
