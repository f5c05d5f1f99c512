import Anthropic from '@anthropic-ai/sdk'
import { sentence } from '../errors.js'
import { highestKnownPrices, maxOutputTokens, modelInfo } from './models.js'
import type { ModelProvider } from './types.js'

export interface AnthropicProviderOptions {
  apiKey: string
  /** Defaults to the SDK's (https://api.anthropic.com, or ANTHROPIC_BASE_URL). */
  baseURL?: string
  /** Retries of 408/409/429/5xx/529 and connection failures, honouring retry-after(-ms). Default 4. */
  maxRetries?: number
  /** Per-request timeout until the response starts, in ms. Default: the SDK's (10 minutes). */
  timeoutMs?: number
}

/**
 * The Anthropic API on @anthropic-ai/sdk. Every request is streamed (long generations never hit the
 * non-streaming timeout) and the final message is returned; the SDK retries rate limits, overload and server
 * errors before the stream starts. Temperature is never sent. Models, prices and output limits come from the
 * table in models.ts.
 */
export function createAnthropicProvider(opts: AnthropicProviderOptions): ModelProvider {
  const client = new Anthropic({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: opts.maxRetries ?? 4,
    timeout: opts.timeoutMs,
    // No telemetry of prompts or outputs from inside a CI job.
    openTelemetry: false,
  })
  return {
    async send(request, signal) {
      // Drop fields this client never sends, whatever the caller built (temperature is not even typed here).
      const {
        stream: _stream,
        temperature: _temperature,
        ...params
      } = request as typeof request & {
        temperature?: number
      }
      return client.messages.stream(params, { signal }).finalMessage()
    },
    describeError: describeAnthropicError,
    isStreamFailure,
    maxOutputTokens,
    model: modelInfo,
    highestPrices: highestKnownPrices,
  }
}

/** True for failures after the response started (in-stream error event, connection reset), not HTTP errors. */
export function isStreamFailure(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const e = err as { status?: unknown; name?: unknown }
  if (typeof e.status === 'number') return false
  if (e.name === 'APIUserAbortError' || e.name === 'AbortError') return false
  return true
}

/** A one-line description of an SDK/API error, as a sentence, with a hint for the statuses a user can fix. */
export function describeAnthropicError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const e = err as Error & {
    status?: number
    type?: string | null
    apiMessage?: string | null
    requestID?: string | null
  }
  if (typeof e.status !== 'number') {
    const type = e.type ? `${e.type}: ` : ''
    return sentence(`${type}${e.apiMessage ?? e.message}`)
  }
  const id = e.requestID ? ` (request-id ${e.requestID})` : ''
  return `${sentence(`Anthropic API error ${e.status}${e.type ? ` ${e.type}` : ''}: ${e.apiMessage ?? e.message}${id}`)}${hint(e.status)}`
}

/** What the user can do about an HTTP status, if anything (with a leading space). */
function hint(status: number): string {
  switch (status) {
    case 401:
      return ' Check the anthropic-api-key secret.'
    case 403:
      return ' The API key lacks permission for this model or organization.'
    case 404:
      return ' Check the model id.'
    case 429:
    case 529:
      return ' Still failing after retries; try again later.'
    default:
      return ''
  }
}
