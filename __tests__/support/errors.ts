import { expect } from 'vitest'
import { UserError } from '../../src/errors.js'

/** Runs `fn`, expects it to throw a UserError, and returns it for assertions on its message and hint. */
export function catchUserError(fn: () => unknown): UserError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(UserError)
    return e as UserError
  }
  throw new Error('expected a UserError')
}
