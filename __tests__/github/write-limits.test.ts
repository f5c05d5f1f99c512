/**
 * The write limiters plugin-throttling schedules every write on: a run's first few writes start at once, then
 * GitHub's spacing; one at a time, in order; a retry never waits for a token. Fake timers: what has started by
 * each moment, never how long anything took.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  NOTIFICATION_BURST,
  NOTIFICATION_INTERVAL_MS,
  tokenBucket,
  WRITE_BURST,
  WRITE_INTERVAL_MS,
  writeLimiters,
  type WriteLimiter,
} from '../../src/github/write-limits.js'

describe('write limiters', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** Schedules `n` writes as plugin-throttling does (`key(id).schedule(options, fn)`); `started` names them in order. */
  function writes(limiter: WriteLimiter, n: number, started: number[], first = 0): Promise<unknown>[] {
    return Array.from({ length: n }, (_, i) =>
      limiter.key('no-id').schedule({}, () => void started.push(first + i)),
    )
  }

  it("a run's first writes start at once, then one a second, in the order they were made", async () => {
    const { write } = writeLimiters()
    const started: number[] = []
    writes(write, WRITE_BURST + 2, started)
    await vi.advanceTimersByTimeAsync(0)
    expect(started).toEqual([...Array(WRITE_BURST).keys()])
    await vi.advanceTimersByTimeAsync(WRITE_INTERVAL_MS - 1)
    expect(started).toHaveLength(WRITE_BURST)
    await vi.advanceTimersByTimeAsync(1)
    expect(started).toHaveLength(WRITE_BURST + 1)
    await vi.advanceTimersByTimeAsync(WRITE_INTERVAL_MS)
    expect(started).toEqual([...Array(WRITE_BURST + 2).keys()])
  })

  it('notifying writes (comments, pull requests) too: a few at once, then one every 3 s', async () => {
    const { notifications } = writeLimiters()
    const started: number[] = []
    writes(notifications, NOTIFICATION_BURST + 1, started)
    await vi.advanceTimersByTimeAsync(0)
    expect(started).toHaveLength(NOTIFICATION_BURST)
    await vi.advanceTimersByTimeAsync(NOTIFICATION_INTERVAL_MS - 1)
    expect(started).toHaveLength(NOTIFICATION_BURST)
    await vi.advanceTimersByTimeAsync(1)
    expect(started).toHaveLength(NOTIFICATION_BURST + 1)
  })

  it('an idle bucket fills up again, to its burst and never beyond', async () => {
    const bucket = tokenBucket(3, 1_000)
    const started: number[] = []
    writes(bucket, 3, started)
    await vi.advanceTimersByTimeAsync(0)
    expect(started).toEqual([0, 1, 2])
    await vi.advanceTimersByTimeAsync(60_000) // a long model turn
    writes(bucket, 4, started, 3)
    await vi.advanceTimersByTimeAsync(0)
    expect(started).toEqual([0, 1, 2, 3, 4, 5])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6])
  })

  it('a retry (weight 0, after Retry-After) takes no token and does not wait behind the others', async () => {
    const bucket = tokenBucket(1, 1_000)
    const started: string[] = []
    void bucket.key().schedule({}, () => void started.push('first'))
    void bucket.key().schedule({}, () => void started.push('second'))
    void bucket.key().schedule({ priority: 0, weight: 0 }, () => void started.push('retry'))
    await vi.advanceTimersByTimeAsync(0)
    expect(started).toEqual(['first', 'retry'])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(started).toEqual(['first', 'retry', 'second'])
  })

  it("hands back the job's result, and a failed job holds up none after it", async () => {
    const bucket = tokenBucket(2, 1_000)
    const failed = bucket.key().schedule({}, () => Promise.reject(new Error('boom')))
    const next = bucket.key().schedule({}, (a: unknown, b: unknown) => `${String(a)}+${String(b)}`, 'x', 'y')
    await expect(failed).rejects.toThrow('boom')
    await expect(next).resolves.toBe('x+y')
  })

  it("tests' spacing: 0 never waits; n spaces every write n ms from the one before, from the first", async () => {
    const none: number[] = []
    writes(writeLimiters(0).write, 50, none)
    await vi.advanceTimersByTimeAsync(0)
    expect(none).toHaveLength(50)

    const spaced: number[] = []
    writes(writeLimiters(100).notifications, 3, spaced)
    await vi.advanceTimersByTimeAsync(0)
    expect(spaced).toEqual([0])
    await vi.advanceTimersByTimeAsync(100)
    expect(spaced).toEqual([0, 1])
    await vi.advanceTimersByTimeAsync(100)
    expect(spaced).toEqual([0, 1, 2])
  })
})
