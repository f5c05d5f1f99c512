import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { isValidBranchName, validateBranchName } from '../../src/git/branch-name.js'

const VALID = [
  'ISSUE-3',
  'main',
  'feature/ISSUE-12',
  'spec/auth/phase-2',
  'v1.2.3',
  'a_b',
  'x',
  'a-',
  'A'.repeat(100),
]

const INVALID: Array<[string, RegExp]> = [
  ['', /empty/],
  ['--upload-pack=evil', /starts with "-"|allowed/],
  ['-b', /starts with "-"/],
  ['ISSUE-3;rm -rf', /space|allowed/],
  ['ISSUE-3;rm', /allowed/],
  ['$(touch x)', /space|allowed/],
  ['$(id)', /allowed/],
  ['a`b`', /allowed/],
  ['a..b', /"\.\."/],
  ['a b', /space/],
  ['a\tb', /control/],
  ['a\nb', /control/],
  ['a\u0000b', /control/],
  ['a~1', /"~"/],
  ['a^2', /"\^"/],
  ['a:b', /":"/],
  ['a?', /"\?"/],
  ['a*', /"\*"/],
  ['a[b', /"\["/],
  ['a\\b', /"\\"/],
  ['/abc', /starts with "\/"/],
  ['abc/', /ends with "\/"/],
  ['abc.lock', /\.lock/],
  ['abc.lock/x', /\.lock/],
  ['abc.', /ends with "\."/],
  ['a@{b', /"@\{"/],
  ['@', /"@"/],
  ['HEAD', /HEAD/],
  ['a//b', /"\/\/"/],
  ['.hidden', /starts with "\."/],
  ['a/.b', /starts with "\."/],
  ['A'.repeat(101), /longer than 100/],
  ['ünïcode', /allowed/],
  ['a#b', /allowed/],
  ['a@b', /allowed/],
]

describe('validateBranchName', () => {
  it.each(VALID)('accepts %j unchanged', (name) => {
    expect(validateBranchName(name)).toBe(name)
    expect(isValidBranchName(name)).toBe(true)
  })

  it.each(INVALID)('refuses %j', (name, reason) => {
    expect(isValidBranchName(name)).toBe(false)
    let caught: unknown
    try {
      validateBranchName(name)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(UserError)
    expect((caught as UserError).message).toMatch(reason)
    expect((caught as UserError).message).toContain('cannot be used as a branch name')
    expect((caught as UserError).hint).toBeTruthy()
  })

  it('never puts a raw newline from the name into the message', () => {
    expect(() => validateBranchName('x\nCo-authored-by: evil')).toThrow(/^"x\\nCo-authored-by: evil"/)
  })

  it('refuses nothing that git itself accepts among the valid names, and agrees on what git refuses', () => {
    const git = (name: string): boolean => {
      try {
        execFileSync('git', ['check-ref-format', '--branch', name], { stdio: 'ignore' })
        return true
      } catch {
        return false
      }
    }
    for (const name of VALID) expect(git(name), name).toBe(true)
    // Everything git refuses, we refuse too (we are stricter on top).
    for (const [name] of INVALID) if (!git(name)) expect(isValidBranchName(name), name).toBe(false)
  })
})
