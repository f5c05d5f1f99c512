import Anthropic from '@anthropic-ai/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { createAnthropicProvider } from '../../src/providers/anthropic.js'
import { isStreamFailure } from '../../src/providers/messages-provider.js'
import { highestKnownPrices, MODELS, modelInfo } from '../../src/providers/models.js'
import type { ModelRequest } from '../../src/providers/types.js'
import { startAnthropicServer, type AnthropicServer } from '../support/anthropic-server.js'

const API_KEY = 'sk-ant-api03-test-key-0123456789abcdef'
const REQUEST: ModelRequest = {
  model: 'claude-sonnet-5-5',
  max_tokens: 1024,
  system: [{ type: 'text', text: 'You implement one phase.', cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Go.' }] }],
}

let server: AnthropicServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** An SDK error as the SDK builds it from an HTTP answer. */
function httpError(status: number, type: string, message: string, requestId?: string): Error {
  const headers = new Headers(requestId ? { 'request-id': requestId } : {})
  return Anthropic.APIError.generate(status, { type: 'error', error: { type, message } }, undefined, headers)
}

describe('describeError', () => {
  const provider = createAnthropicProvider({ apiKey: API_KEY })

  it('names the status, type, message and request id, with a hint for what the user can fix', () => {
    expect(provider.describeError(httpError(401, 'authentication_error', 'invalid x-api-key', 'req_1'))).toBe(
      'Anthropic API error 401 authentication_error: invalid x-api-key (request-id req_1). Check the anthropic-api-key secret.',
    )
    expect(provider.describeError(httpError(403, 'permission_error', 'Not allowed'))).toBe(
      'Anthropic API error 403 permission_error: Not allowed. The API key lacks permission for this model or organization.',
    )
    expect(provider.describeError(httpError(404, 'not_found_error', 'model: claude-nope'))).toBe(
      'Anthropic API error 404 not_found_error: model: claude-nope. Check the model id.',
    )
    expect(provider.describeError(httpError(429, 'rate_limit_error', 'Slow down'))).toBe(
      'Anthropic API error 429 rate_limit_error: Slow down. Still failing after retries; try again later.',
    )
    expect(provider.describeError(httpError(529, 'overloaded_error', 'Overloaded'))).toBe(
      'Anthropic API error 529 overloaded_error: Overloaded. Still failing after retries; try again later.',
    )
    expect(provider.describeError(httpError(500, 'api_error', 'Internal'))).toBe(
      'Anthropic API error 500 api_error: Internal.',
    )
    // A message that ends its own sentence gets no second period.
    expect(provider.describeError(httpError(500, 'api_error', 'Internal server error.'))).toBe(
      'Anthropic API error 500 api_error: Internal server error.',
    )
  })

  it('describes failures without an HTTP status by their type and message, as one sentence', () => {
    expect(provider.describeError(new Error('socket hang up'))).toBe('socket hang up.')
    const inStream = Object.assign(new Error('raw'), { type: 'overloaded_error', apiMessage: 'Overloaded' })
    expect(provider.describeError(inStream)).toBe('overloaded_error: Overloaded.')
    expect(provider.describeError(new Anthropic.APIConnectionError({ message: 'Connection error.' }))).toBe(
      'Connection error.',
    )
    expect(provider.describeError('plain string')).toBe('plain string')
    expect(provider.describeError(undefined)).toBe('undefined')
  })
})

describe('isStreamFailure', () => {
  it('is true for failures after the response started, false for HTTP errors, aborts and non-errors', () => {
    expect(isStreamFailure(new Error('terminated'))).toBe(true)
    expect(isStreamFailure(new Anthropic.APIConnectionError({ message: 'Connection error.' }))).toBe(true)
    expect(isStreamFailure(httpError(529, 'overloaded_error', 'Overloaded'))).toBe(false)
    expect(isStreamFailure(httpError(400, 'invalid_request_error', 'bad'))).toBe(false)
    expect(isStreamFailure(new Anthropic.APIUserAbortError())).toBe(false)
    expect(isStreamFailure(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false)
    expect(isStreamFailure(null)).toBe(false)
    expect(isStreamFailure('boom')).toBe(false)
  })
})

describe('maxOutputTokens, model and highestPrices', () => {
  const provider = createAnthropicProvider({ apiKey: API_KEY })

  it('gives the output limit every model of the family accepts', () => {
    expect(provider.maxOutputTokens('claude-3-haiku-20240307')).toBe(4096)
    expect(provider.maxOutputTokens('claude-3-5-sonnet-20241022')).toBe(8192)
    expect(provider.maxOutputTokens('claude-3-opus-20240229')).toBe(8192)
    expect(provider.maxOutputTokens('claude-3-sonnet-20240229')).toBe(8192)
    expect(provider.maxOutputTokens('claude-sonnet-5-5')).toBe(32_000)
    expect(provider.maxOutputTokens('claude-future-9')).toBe(32_000)
  })

  it('looks models up in the table and budgets unknown prices as the dearest listed', () => {
    expect(provider.model('haiku')).toEqual(modelInfo('haiku'))
    expect(provider.model('claude-future-9')).toEqual({ id: 'claude-future-9' })
    const top = provider.highestPrices()
    expect(top).toEqual(highestKnownPrices())
    for (const m of Object.values(MODELS)) {
      for (const p of [m.prices, ...(m.longPrompt ? [m.longPrompt.prices] : [])]) {
        expect(top.input).toBeGreaterThanOrEqual(p.input)
        expect(top.output).toBeGreaterThanOrEqual(p.output)
        expect(top.cacheWrite).toBeGreaterThanOrEqual(p.cacheWrite)
        expect(top.cacheRead).toBeGreaterThanOrEqual(p.cacheRead)
      }
    }
  })
})

describe('send (against the stand-in)', () => {
  it('streams with a Bearer key and an API version, never sending temperature, and returns the final message', async () => {
    server = await startAnthropicServer([{ content: [{ type: 'text', text: 'hello' }] }], { apiKey: API_KEY })
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: server.url })
    const withTemperature = { ...REQUEST, stream: false, temperature: 0.2 } as unknown as ModelRequest
    const message = await provider.send(withTemperature)
    expect(message.content).toEqual([expect.objectContaining({ type: 'text', text: 'hello' })])
    expect(message.stop_reason).toBe('end_turn')
    const [r] = server.scripted
    expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(r.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(r.headers['x-api-key']).toBeUndefined()
    expect(r.body!.stream).toBe(true)
    expect(r.body).not.toHaveProperty('temperature')
    expect(r.body!.model).toBe('claude-sonnet-5-5')
  })

  it('describes an API failure that persists after the SDK retries', async () => {
    server = await startAnthropicServer([{ status: 529 }, { status: 529 }], { apiKey: API_KEY })
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: server.url, maxRetries: 1 })
    const err = await provider.send(REQUEST).catch((e: unknown) => e)
    expect(provider.isStreamFailure(err)).toBe(false)
    const text = provider.describeError(err)
    expect(text).toMatch(/^Anthropic API error 529 overloaded_error: Overloaded/)
    expect(text).toMatch(/request-id req_/)
    expect(server.scripted).toHaveLength(2)
  })

  it('tells a rejected key apart, with the secret to check', async () => {
    server = await startAnthropicServer([{ content: [{ type: 'text', text: 'unused' }] }], {
      apiKey: API_KEY,
    })
    const provider = createAnthropicProvider({ apiKey: 'sk-ant-wrong', baseURL: server.url, maxRetries: 0 })
    const err = await provider.send(REQUEST).catch((e: unknown) => e)
    expect(provider.describeError(err)).toMatch(
      /^Anthropic API error 401 authentication_error: invalid x-api-key.*Check the anthropic-api-key secret\.$/,
    )
  })

  it('reports a stream that broke after it started as a stream failure', async () => {
    server = await startAnthropicServer([{ streamError: 'overloaded_error' }, { drop: true }])
    const provider = createAnthropicProvider({ apiKey: API_KEY, baseURL: server.url })
    const inStream = await provider.send(REQUEST).catch((e: unknown) => e)
    expect(provider.isStreamFailure(inStream)).toBe(true)
    expect(provider.describeError(inStream)).toMatch(/overloaded_error/)
    const dropped = await provider.send(REQUEST).catch((e: unknown) => e)
    expect(provider.isStreamFailure(dropped)).toBe(true)
  })
})
