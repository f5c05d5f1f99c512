/**
 * How fast the action writes to GitHub: the `write` and `notifications` limiters @octokit/plugin-throttling
 * schedules every write on (every POST, PATCH, PUT and DELETE, and GraphQL) and every write that notifies people
 * (a new comment, a pull request, a reply), before it sends the request.
 *
 * GitHub's guidance ("Best practices for using the REST API"): make requests serially, not concurrently; when
 * making a large number of POST, PATCH, PUT or DELETE requests, wait at least one second between each; and the
 * secondary rate limits cap content-creating requests (80 a minute, 500 an hour). The plugin's own limiters space
 * every write 1 s and every notifying write 3 s from the very first, though a run makes only a handful (👀, the
 * tracking comment and its edits, the pull request, the final word): that spacing was most of a run's time on
 * GitHub, and it held the run's critical path a second at every milestone.
 *
 * So each limiter is a token bucket: the first few writes start at once, then one per interval, the plugin's
 * spacing; over any minute a run starts at most WRITE_BURST (NOTIFICATION_BURST) more writes than the plugin's
 * spacing would, far below the secondary limits. Writes start one at a time, in the order they were made. They
 * are not made to wait for each other's answers: the job's writes are awaited one after another and the tracking
 * comment keeps at most one of its own in flight, so at most two are ever under way, and a write GitHub never
 * answers holds up no other (the final word must not queue behind it). Rate limits are still the plugin's to
 * handle (`onRateLimit` / `onSecondaryRateLimit` in octokit.ts): a retry (weight 0) has waited GitHub's
 * Retry-After already and takes no token.
 */

/** Writes that start at once before the spacing applies; a run makes 2 to 10. */
export const WRITE_BURST = 10
/** Then one write a second ("wait at least one second between each request"). */
export const WRITE_INTERVAL_MS = 1_000
/** Notifying writes (comments, pull requests, replies) that start at once; a run makes 1 to 3, more with replies. */
export const NOTIFICATION_BURST = 5
/** Then one every 3 s, as the plugin spaces them. */
export const NOTIFICATION_INTERVAL_MS = 3_000

/** What plugin-throttling calls on its limiters: Bottleneck.Group's `key(id).schedule(options, fn, ...args)`. */
export interface WriteLimiter {
  key(id?: string): { schedule(...args: unknown[]): Promise<unknown> }
}

/**
 * A token bucket holding `burst` tokens, refilled one per `intervalMs` (continuously, up to `burst`): a job starts
 * when a token is there and takes it; jobs start one at a time, in order. A job of weight 0 (a retry) takes none
 * and does not wait. With `intervalMs` 0 nothing ever waits.
 */
export function tokenBucket(burst: number, intervalMs: number, now: () => number = Date.now): WriteLimiter {
  let tokens = burst
  let filled = now()
  let tail: Promise<unknown> = Promise.resolve()
  const refill = (): void => {
    const t = now()
    tokens = intervalMs > 0 ? Math.min(burst, tokens + (t - filled) / intervalMs) : burst
    filled = t
  }
  const limiter = {
    schedule(...args: unknown[]): Promise<unknown> {
      const withOptions = typeof args[0] !== 'function'
      const options = (withOptions ? args[0] : {}) as { weight?: number } | undefined
      const [fn, ...rest] = (withOptions ? args.slice(1) : args) as [
        (...a: unknown[]) => unknown,
        ...unknown[],
      ]
      if (options?.weight === 0) return Promise.resolve().then(() => fn(...rest))
      const run = tail.then(async () => {
        refill()
        if (tokens < 1) {
          await new Promise((resolve) => setTimeout(resolve, Math.ceil((1 - tokens) * intervalMs)))
          refill()
        }
        tokens = Math.max(0, tokens - 1)
        return fn(...rest)
      })
      tail = run.catch(() => undefined)
      return run
    },
  }
  return { key: () => limiter }
}

/**
 * The limiters of one GitHub client (one per run): as above, or, for tests, every write spaced `spacingMs` from
 * the one before (a bucket of one; 0: no spacing at all).
 */
export function writeLimiters(spacingMs?: number): { write: WriteLimiter; notifications: WriteLimiter } {
  if (spacingMs !== undefined)
    return { write: tokenBucket(1, spacingMs), notifications: tokenBucket(1, spacingMs) }
  return {
    write: tokenBucket(WRITE_BURST, WRITE_INTERVAL_MS),
    notifications: tokenBucket(NOTIFICATION_BURST, NOTIFICATION_INTERVAL_MS),
  }
}
