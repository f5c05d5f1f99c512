/**
 * The runner's signals as the run sees them. When a workflow run is cancelled, or its job reaches
 * `timeout-minutes`, the runner sends SIGINT, then SIGTERM about 7.5 s later, then SIGKILL about 2.5 s after
 * that. The first signal (either) cancels: the model and every tool process stop, and the work so far is kept
 * (credential back, commit, push, `[WIP]` draft PR, the tracking comment finished). A second signal hurries:
 * the PR is skipped, the push is kept, and the report is written at once. What still cannot be done before the
 * SIGKILL is left to the post step (src/pipeline/post.ts).
 */

export interface Cancellation {
  /** Fires on the first signal: stop the model and its processes, keep the work. */
  readonly signal: AbortSignal
  /** Fires on the second signal: only what keeps the work (the push) and the report are still done. */
  readonly hurry: AbortSignal
  /** The first signal's name, once one came. */
  readonly received?: NodeJS.Signals
}

export interface CancellationListener extends Cancellation {
  /** Stops listening; the signals' default action (ending the process) is back. */
  dispose(): void
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/**
 * Listens for SIGINT and SIGTERM for the rest of the run. While it listens, the first two signals do not end the
 * process: the run ends itself once the work is kept and reported (src/index.ts exits right after). A third
 * (never the runner's: its third is SIGKILL; a person pressing Ctrl-C again) ends it at once.
 */
export function listenForCancellation(log: (line: string) => void): CancellationListener {
  const cancel = new AbortController()
  const hurry = new AbortController()
  let received: NodeJS.Signals | undefined
  const onSignal = (name: NodeJS.Signals): void => {
    if (!received) {
      received = name
      log(`Received ${name}: cancelling. Stopping the model and its commands; the work so far is kept.`)
      cancel.abort(new Error(`received ${name}`))
    } else if (!hurry.signal.aborted) {
      log(`Received ${name} again: skipping the pull request; pushing the work and reporting now.`)
      hurry.abort(new Error(`received ${name}`))
    } else {
      log(`Received ${name} a third time: exiting now.`)
      process.exit(130)
    }
  }
  for (const s of SIGNALS) process.on(s, onSignal)
  return {
    signal: cancel.signal,
    hurry: hurry.signal,
    get received() {
      return received
    },
    dispose() {
      for (const s of SIGNALS) process.off(s, onSignal)
    },
  }
}

/** Resolves with `work`'s value, or with undefined as soon as `signal` fires (the work goes on unobserved). */
export async function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    work.catch(() => undefined)
    return undefined
  }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([work, aborted])
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort)
    work.catch(() => undefined)
  }
}

/**
 * Resolves true after `ms`, or false at once when `signal` fires (before or during the wait): the one abortable
 * wait of the run (the push's retries, the model's stream retries).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      resolve(false)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
