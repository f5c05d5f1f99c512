import type { ModelProvider, ModelRequest, ModelResponse } from '../providers/types.js'
import { sleep } from '../pipeline/cancellation.js'

/** Extra attempts for a turn whose stream failed after it started (the SDK retries only before it starts). */
export const STREAM_RETRIES = 2

export interface SendOptions {
  /** Aborts the request and any wait before a retry. */
  signal: AbortSignal
  log: (line: string) => void
  /** Wait before the first re-send; doubles each time. */
  retryDelayMs: number
}

export type SendResult =
  | { ok: true; message: ModelResponse }
  /** The signal fired (before, during or between attempts). */
  | { ok: false; aborted: true }
  /** The request failed for good: the provider's description of why. */
  | { ok: false; aborted: false; error: string }

/** Sends one turn, re-sending it when the stream broke after it started. Never throws. */
export async function sendTurn(
  provider: ModelProvider,
  request: ModelRequest,
  opts: SendOptions,
): Promise<SendResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return { ok: true, message: await provider.send(request, opts.signal) }
    } catch (err) {
      if (opts.signal.aborted) return { ok: false, aborted: true }
      if (!provider.isStreamFailure(err) || attempt >= STREAM_RETRIES) {
        return { ok: false, aborted: false, error: provider.describeError(err) }
      }
      opts.log(
        `Model response broke off (${provider.describeError(err)}); retrying the turn (${attempt + 1}/${STREAM_RETRIES}).`,
      )
      if (!(await sleep(opts.retryDelayMs * 2 ** attempt, opts.signal))) return { ok: false, aborted: true }
    }
  }
}
