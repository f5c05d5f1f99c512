import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { GROUPED_HEADING_PHASE, HEADING_PHASE, TASK_PHASE } from '../../src/spec/patterns.js'
import { idShape, isIssueId, sameId, sameShape, validateIssueId } from '../../src/trigger/ids.js'

const IDS = [
  'ISSUE-3',
  'FEAT-12',
  'issue-3',
  'ISSUE-3b',
  'ISSUE-3a',
  'T012',
  't7',
  '1.2',
  '3',
  '1.2.3',
  'P2-10',
  'ISSUE_3',
  'AUTH_4',
  'ISSUE-3.1',
  'ISSUE-3.1.2',
  'issue-3.1a',
  'ABC-DEF-3',
  'feat_x-1',
  'X-1a-2',
  'T_1',
]

describe('isIssueId', () => {
  it.each(IDS)('%s is an id', (t) => expect(isIssueId(t)).toBe(true))
  it.each([
    'Phase',
    'ISSUE',
    'ISSUE-',
    'ISSUE_',
    '-3',
    '_3',
    'v1.2',
    '1.',
    '.1',
    '1..2',
    'T',
    'ISSUE-x',
    'ISSUE--3',
    'ISSUE-3-',
    'ISSUE-3.',
    'ISSUE-3..1',
    'ISSUE-3.a',
    'ISSUE-3.lock',
    'ISSUE-3/4',
    'ISSUE-3:',
    'a/b',
    'x.md',
    '',
  ])('%s is not an id', (t) => expect(isIssueId(t)).toBe(false))

  it.each(IDS)('%s is also a valid branch name', (t) => expect(validateIssueId(t)).toBe(t))
})

describe('idShape / sameShape', () => {
  it.each<[string, ReturnType<typeof idShape>]>([
    ['ISSUE-3', { kind: 'key', prefix: 'issue-' }],
    ['issue-3.1', { kind: 'key', prefix: 'issue-' }],
    ['AUTH_4', { kind: 'key', prefix: 'auth_' }],
    ['ABC-DEF-3', { kind: 'key', prefix: 'abc-def-' }],
    ['X-1a-2', { kind: 'key', prefix: 'x-1a-' }],
    ['T012', { kind: 'task' }],
    ['T_1', { kind: 'key', prefix: 't_' }],
    ['1.2', { kind: 'number' }],
    ['Phase', undefined],
  ])('%s has shape %j', (t, shape) => expect(idShape(t)).toEqual(shape))

  it('keys share a shape only with the same prefix and separator', () => {
    const same = (a: string, b: string): boolean => sameShape(idShape(a)!, idShape(b)!)
    expect(same('ISSUE-3', 'issue-4')).toBe(true)
    expect(same('ISSUE-3', 'ISSUE-3.1')).toBe(true)
    expect(same('AUTH_4', 'AUTH_5')).toBe(true)
    expect(same('AUTH_4', 'AUTH-5')).toBe(false)
    expect(same('ISSUE-3', 'FEAT-3')).toBe(false)
    expect(same('ABC-DEF-3', 'ABC-3')).toBe(false)
    expect(same('T012', 'T_1')).toBe(false)
    expect(same('1.2', 'T012')).toBe(false)
  })
})

/**
 * Every id the spec parser can capture must be an id of the command grammar (and a valid branch name), so a
 * phase found in a spec can always be named in `/implement`. Exhaustive over short strings of the characters
 * the id patterns care about, in each position the spec parser reads an id from.
 */
describe('the command grammar covers every spec-parser id', () => {
  const alphabet = ['A', 'b', 'T', 't', '0', '1', '2', '-', '_', '.']
  function* strings(maxLen: number): Generator<string> {
    let layer = ['']
    for (let len = 1; len <= maxLen; len++) {
      const next: string[] = []
      for (const s of layer) for (const c of alphabet) next.push(s + c)
      yield* next
      layer = next
    }
  }

  it('accepts every id captured by HEADING_PHASE, GROUPED_HEADING_PHASE and TASK_PHASE', () => {
    const captured = new Set<string>()
    const rejected: string[] = []
    for (const s of strings(5)) {
      const found = [
        HEADING_PHASE.exec(`${s}: Title`)?.[1],
        HEADING_PHASE.exec(`[${s}] Title`)?.[1],
        ...(GROUPED_HEADING_PHASE.exec(`Phase 2 (${s}): Title`) ?? []).slice(1, 4),
        ...(GROUPED_HEADING_PHASE.exec(`Step 1 - ${s}: Title`) ?? []).slice(1, 4),
        TASK_PHASE.exec(`${s} Title`)?.[1],
        TASK_PHASE.exec(`${s}. Title`)?.[1],
      ]
      for (const id of found) {
        if (id === undefined || captured.has(id)) continue
        captured.add(id)
        if (!isIssueId(id) || validateIssueId(id) !== id) rejected.push(id)
      }
    }
    expect(rejected).toEqual([])
    // The sweep really reached each id form (otherwise it would prove nothing).
    for (const id of ['Ab-1', 'A_1', 'A-1.2', 'A-1b', 'A-b-1', 'T01', 'T012', '1', '1.2', '12.0']) {
      expect(captured).toContain(id)
    }
  })
})

describe('sameId', () => {
  it('compares whole ids case-insensitively', () => {
    expect(sameId('ISSUE-3', 'issue-3')).toBe(true)
    expect(sameId(' ISSUE-3 ', 'ISSUE-3')).toBe(true)
    expect(sameId('ISSUE-3', 'ISSUE-30')).toBe(false)
    expect(sameId('ISSUE-30', 'ISSUE-3')).toBe(false)
    expect(sameId('T012', 'T12')).toBe(false)
    expect(sameId('1.2', '1.20')).toBe(false)
    expect(sameId('ISSUE-3', 'ISSUE-3.1')).toBe(false)
    expect(sameId('AUTH_4', 'auth_4')).toBe(true)
    expect(sameId('AUTH_4', 'AUTH-4')).toBe(false)
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
