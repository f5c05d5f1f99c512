import { describe, expect, it } from 'vitest'
import { sendTurn, STREAM_RETRIES } from '../../src/agent/send.js'
import type { ModelRequest } from '../../src/providers/types.js'
import { fakeProvider, reply, streamError, text } from './fakes.js'

const REQUEST: ModelRequest = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'go' }] }

function options(signal = new AbortController().signal) {
  const logs: string[] = []
  return { logs, opts: { signal, log: (l: string) => logs.push(l), retryDelayMs: 5 } }
}

describe('sendTurn', () => {
  it('returns the message', async () => {
    const message = reply([text('hi')])
    const { opts, logs } = options()
    expect(await sendTurn(fakeProvider([message]), REQUEST, opts)).toEqual({ ok: true, message })
    expect(logs).toEqual([])
  })

  it('re-sends the same request when the stream broke, up to twice, waiting longer each time', async () => {
    const provider = fakeProvider([streamError('reset'), streamError('overloaded'), reply([text('ok')])])
    const { opts, logs } = options()
    const started = Date.now()
    const sent = await sendTurn(provider, REQUEST, { ...opts, retryDelayMs: 40 })
    expect(sent.ok).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(110) // 40 + 80
    expect(provider.requests).toEqual([REQUEST, REQUEST, REQUEST])
    expect(STREAM_RETRIES).toBe(2)
    expect(logs).toEqual([
      'Model response broke off (described: reset); retrying the turn (1/2).',
      'Model response broke off (described: overloaded); retrying the turn (2/2).',
    ])
  })

  it('gives up with the provider’s description after the retries, and at once for other failures', async () => {
    const broken = fakeProvider([streamError('a'), streamError('b'), streamError('c')])
    expect(await sendTurn(broken, REQUEST, options().opts)).toEqual({
      ok: false,
      aborted: false,
      error: 'described: c',
    })
    expect(broken.requests).toHaveLength(3)
    const refused = fakeProvider([new Error('HTTP 400')])
    expect(await sendTurn(refused, REQUEST, options().opts)).toEqual({
      ok: false,
      aborted: false,
      error: 'described: HTTP 400',
    })
    expect(refused.requests).toHaveLength(1)
  })

  it('reports an abort, during the request or the wait before a retry', async () => {
    const controller = new AbortController()
    const during = fakeProvider([
      (_r, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('aborted')))
          controller.abort()
        }),
    ])
    expect(await sendTurn(during, REQUEST, options(controller.signal).opts)).toEqual({
      ok: false,
      aborted: true,
    })

    const waiting = new AbortController()
    const provider = fakeProvider([streamError('reset'), reply([text('never')])])
    const { opts } = options(waiting.signal)
    setTimeout(() => waiting.abort(), 20)
    expect(await sendTurn(provider, REQUEST, { ...opts, retryDelayMs: 10_000 })).toEqual({
      ok: false,
      aborted: true,
    })
    expect(provider.requests).toHaveLength(1)
  })
})
