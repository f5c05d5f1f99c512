import type Anthropic from '@anthropic-ai/sdk'
import { sentence } from '../errors.js'
import { maxOutputTokens } from './models.js'
import type { ModelInfo, ModelPrices, ModelProvider } from './types.js'

/** The one part of an SDK client (Anthropic's, Bedrock's, Vertex AI's, Foundry's) that the action uses. */
export interface MessagesClient {
  messages: {
    stream(
      params: Anthropic.MessageStreamParams,
      options?: { signal?: AbortSignal },
    ): { finalMessage(): Promise<Anthropic.Message> }
  }
}

/** What makes one provider: its client, how its ids and prices go, and what to tell the user of its errors. */
export interface ProviderParts {
  /** Who answers, as an error message names it: `Anthropic API`, `Amazon Bedrock`, … */
  label: string
  /** The SDK client; made once, on the first request (a cloud SDK is loaded only when its provider is used). */
  client(): Promise<MessagesClient>
  /** What the user can do about an HTTP status, as a sentence (401: which credential to check). */
  hints: Readonly<Partial<Record<number, string>>>
  model(aliasOrId: string): ModelInfo
  highestPrices(): ModelPrices
  /** Checks the credentials before the model's first request (see {@link ModelProvider.prepare}). */
  prepare?(): Promise<void>
}

/** Hints that hold whoever serves the model. */
const COMMON_HINTS: Readonly<Partial<Record<number, string>>> = {
  429: 'Still failing after retries; try again later.',
  529: 'Still failing after retries; try again later.',
}

/**
 * A provider on an SDK client of the Messages API. Every request is streamed (long generations never hit the
 * non-streaming timeout) and the final message is returned; the SDK retries rate limits, overload and server
 * errors before the stream starts. Temperature is never sent.
 */
export function createMessagesProvider(parts: ProviderParts): ModelProvider {
  let client: Promise<MessagesClient> | undefined
  const hints = { ...COMMON_HINTS, ...parts.hints }
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
      client ??= parts.client()
      return (await client).messages.stream(params, { signal }).finalMessage()
    },
    describeError: (err) => describeApiError(err, parts.label, hints),
    isStreamFailure,
    maxOutputTokens,
    model: (aliasOrId) => parts.model(aliasOrId),
    highestPrices: () => parts.highestPrices(),
    ...(parts.prepare ? { prepare: () => parts.prepare!() } : {}),
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

/**
 * A one-line description of an SDK error, as a sentence: `<label> error <status> <type>: <message> (request-id
 * …)`, then the hint for the status, if any. Failures without a status (in the stream, on the connection) are
 * described by their type and message.
 */
export function describeApiError(
  err: unknown,
  label: string,
  hints: Readonly<Partial<Record<number, string>>>,
): string {
  if (!(err instanceof Error)) return String(err)
  const e = err as Error & {
    status?: number
    type?: string | null
    apiMessage?: string | null
    requestID?: string | null
  }
  if (typeof e.status !== 'number') {
    const type = e.type ? `${e.type}: ` : ''
    // A connection error may wrap what really failed (credentials that could not be resolved, a refused socket).
    const said = `${type}${e.apiMessage ?? e.message}`
    const cause = e.cause instanceof Error ? e.cause.message.split('\n')[0].trim() : ''
    return sentence(cause ? `${said.replace(/\.$/, '')} (${cause.replace(/\.$/, '')})` : said)
  }
  const id = e.requestID ? ` (request-id ${e.requestID})` : ''
  const hint = hints[e.status]
  return `${sentence(`${label} error ${e.status}${e.type ? ` ${e.type}` : ''}: ${e.apiMessage ?? e.message}${id}`)}${hint ? ` ${hint}` : ''}`
}
