import { afterEach, describe, expect, it } from 'vitest'
import {
  listenForCancellation,
  unlessAborted,
  type CancellationListener,
} from '../../src/pipeline/cancellation.js'
import { keptLine, type PostState } from '../../src/pipeline/post.js'

let listener: CancellationListener | undefined
afterEach(() => listener?.dispose())

describe('listenForCancellation', () => {
  it('cancels on the first signal, hurries on the second, and says which came', () => {
    const logs: string[] = []
    const before = process.listenerCount('SIGINT')
    listener = listenForCancellation((l) => logs.push(l))
    expect(process.listenerCount('SIGINT')).toBe(before + 1)
    expect(listener.signal.aborted).toBe(false)

    process.emit('SIGTERM', 'SIGTERM')
    expect(listener.signal.aborted).toBe(true)
    expect(listener.hurry.aborted).toBe(false)
    expect(listener.received).toBe('SIGTERM')

    process.emit('SIGINT', 'SIGINT')
    expect(listener.hurry.aborted).toBe(true)
    expect(listener.received).toBe('SIGTERM')
    process.emit('SIGINT', 'SIGINT') // a third changes nothing
    expect(logs).toEqual([
      'Received SIGTERM: cancelling. Stopping the model and its commands; the work so far is kept.',
      'Received SIGINT again: skipping the pull request; pushing the work and reporting now.',
    ])
  })

  it('gives the signals back when disposed', () => {
    const before = process.listenerCount('SIGTERM')
    listener = listenForCancellation(() => {})
    listener.dispose()
    expect(process.listenerCount('SIGTERM')).toBe(before)
  })
})

describe('unlessAborted', () => {
  it('gives the work’s value when it comes first, and undefined as soon as the signal fires', async () => {
    const c = new AbortController()
    expect(await unlessAborted(Promise.resolve(7), c.signal)).toBe(7)
    const never = new Promise<number>(() => {})
    setTimeout(() => c.abort(), 10)
    expect(await unlessAborted(never, c.signal)).toBeUndefined()
    // Already aborted: not even waited for; its later failure is not unhandled.
    expect(await unlessAborted(Promise.reject(new Error('late')), c.signal)).toBeUndefined()
  })
})

describe('keptLine (the post step’s word on what a killed run kept)', () => {
  const state = (s: Partial<PostState>): PostState =>
    ({
      main: 'true',
      marker: '',
      credentials: '',
      tracking: '',
      branch: '',
      pushed: '',
      pr: '',
      finished: '',
      ...s,
    }) as PostState

  it('names the PR, else the pushed commit, else says nothing was pushed', () => {
    expect(
      keptLine(state({ branch: 'ISSUE-2', pushed: 'a'.repeat(40), pr: 'https://github.com/o/r/pull/3' })),
    ).toBe('Work pushed before it stopped is on branch `ISSUE-2` and in https://github.com/o/r/pull/3.')
    expect(keptLine(state({ branch: 'ISSUE-2', pushed: '0123456789abcdef' }))).toBe(
      'Work pushed before it stopped is on branch `ISSUE-2` (commit 0123456789ab).',
    )
    expect(keptLine(state({ branch: 'ISSUE-2' }))).toMatch(/^Nothing had been pushed/)
  })
})
