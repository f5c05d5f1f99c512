import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { isIssueId, sameId, validateIssueId } from '../../src/trigger/ids.js'

describe('isIssueId', () => {
  it.each(['ISSUE-3', 'FEAT-12', 'issue-3', 'ISSUE-3b', 'T012', 't7', '1.2', '3', '1.2.3', 'P2-10'])(
    '%s is an id',
    (t) => expect(isIssueId(t)).toBe(true),
  )
  it.each([
    'Phase',
    'ISSUE',
    'ISSUE-',
    '-3',
    'ISSUE_3',
    'v1.2',
    '1.',
    '.1',
    'T',
    'ABC-DEF-3',
    'a/b',
    'x.md',
    '',
  ])('%s is not an id', (t) => expect(isIssueId(t)).toBe(false))
})

describe('sameId', () => {
  it('compares whole ids case-insensitively', () => {
    expect(sameId('ISSUE-3', 'issue-3')).toBe(true)
    expect(sameId(' ISSUE-3 ', 'ISSUE-3')).toBe(true)
    expect(sameId('ISSUE-3', 'ISSUE-30')).toBe(false)
    expect(sameId('ISSUE-30', 'ISSUE-3')).toBe(false)
    expect(sameId('T012', 'T12')).toBe(false)
    expect(sameId('1.2', '1.20')).toBe(false)
  })
})

describe('validateIssueId', () => {
  it.each(['ISSUE-3', 'T012', '1.2', 'feat_x-1', 'a'.repeat(64)])('accepts %s and returns it', (id) =>
    expect(validateIssueId(id)).toBe(id),
  )
  it.each([
    ['', 'empty'],
    ['a'.repeat(65), 'longer than 64'],
    ['-rf', 'start'],
    ['.hidden', 'start'],
    ['a..b', '..'],
    ['ISSUE-3.lock', '.lock'],
    ['ISSUE-3.', 'end with'],
    ['ISSUE 3', 'only letters'],
    ['a/b', 'only letters'],
    ['a~1', 'only letters'],
    ['x;rm -rf', 'only letters'],
    ['refs@{0}', 'only letters'],
  ])('rejects %j with a UserError', (id, why) => {
    let err: unknown
    try {
      validateIssueId(id)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).message).toContain(why)
    expect((err as UserError).hint).toBeTruthy()
  })
})
