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
  /**
   * A hint for this failure that the status alone does not give (an expired session, which key to check), or
   * undefined to use `hints`.
   */
  hintFor?(status: number, message: string): string | undefined
  /**
   * True when the SDK could not get credentials for a request (resolving or minting them failed mid-run): not a
   * broken stream worth sending again, and described with `credentialHint`.
   */
  isCredentialFailure?(err: unknown): boolean
  credentialHint?: string
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
    describeError: (err) => {
      const said = describeApiError(err, parts.label, hints, parts.hintFor)
      return parts.isCredentialFailure?.(err) && parts.credentialHint
        ? `${said} ${parts.credentialHint}`
        : said
    },
    isStreamFailure: (err) => !parts.isCredentialFailure?.(err) && isStreamFailure(err),
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
  hintFor?: (status: number, message: string) => string | undefined,
): string {
  if (!(err instanceof Error)) return String(err)
  const e = err as Error & {
    status?: number
    type?: string | null
    apiMessage?: string | null
    requestID?: string | null
    headers?: { get(name: string): string | null } | null
  }
  if (typeof e.status !== 'number') {
    const type = e.type ? `${e.type}: ` : ''
    // A connection error may wrap what really failed (credentials that could not be resolved, a refused socket).
    const said = `${type}${e.apiMessage ?? e.message}`
    const cause = e.cause instanceof Error ? e.cause.message.split('\n')[0].trim() : ''
    return sentence(cause ? `${said.replace(/\.$/, '')} (${cause.replace(/\.$/, '')})` : said)
  }
  // A cloud's own request id where the body is not the Anthropic API's (Bedrock: x-amzn-requestid).
  const requestId = e.requestID ?? e.headers?.get('x-amzn-requestid') ?? e.headers?.get('x-request-id')
  const id = requestId ? ` (request-id ${requestId})` : ''
  const message = e.apiMessage ?? cloudMessage(e.message, e.status)
  const hint = hintFor?.(e.status, message) ?? hints[e.status]
  return `${sentence(`${label} error ${e.status}${e.type ? ` ${e.type}` : ''}: ${message}${id}`)}${hint ? ` ${hint}` : ''}`
}

/**
 * The message of an error body that is not the Anthropic API's: without the status the SDK puts in front of it,
 * and the `message` of a JSON body (Vertex AI answers `[{"error": {"message": …}}]`) rather than the JSON.
 */
function cloudMessage(raw: string, status: number): string {
  // The SDK writes `<status> <body> (path: <request path>)`; the path is kept, after the message.
  const path = /\s+\(path: [^)]*\)$/.exec(raw)?.[0] ?? ''
  const text = raw
    .slice(0, raw.length - path.length)
    .replace(new RegExp(`^${status}\\s+`), '')
    .trim()
  return `${jsonMessage(text) ?? text}${path}`
}

/** The `message` of a JSON error body (an object, or an array of them), if the text is one. */
function jsonMessage(text: string): string | undefined {
  if (!/^[[{]/.test(text)) return undefined
  try {
    const body = JSON.parse(text) as unknown
    const first = (Array.isArray(body) ? body[0] : body) as {
      error?: { message?: unknown }
      message?: unknown
    }
    const found = first?.error?.message ?? first?.message
    return typeof found === 'string' && found ? found : undefined
  } catch {
    return undefined
  }
}
