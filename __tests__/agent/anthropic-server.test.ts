import { afterEach, describe, expect, it } from 'vitest'
import { startAnthropicServer, type AnthropicServer } from '../support/anthropic-server.js'

let server: AnthropicServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const HEADERS = {
  'content-type': 'application/json',
  authorization: 'Bearer sk-ant-test',
  'anthropic-version': '2023-06-01',
}
const BASE = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  stream: true,
  system: [{ type: 'text', text: 'S'.repeat(400), cache_control: { type: 'ephemeral' } }],
  messages: [
    {
      role: 'user',
      content: [{ type: 'text', text: 'U'.repeat(400), cache_control: { type: 'ephemeral' } }],
    },
  ],
}

async function post(
  body: unknown,
  headers: Record<string, string> = HEADERS,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server!.url}/v1/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  })
  return { status: res.status, text: await res.text() }
}

function events(sse: string): Array<{ event: string; data: Record<string, unknown> }> {
  return sse
    .trim()
    .split('\n\n')
    .map((chunk) => {
      const [e, d] = chunk.split('\n')
      return {
        event: e.replace('event: ', ''),
        data: JSON.parse(d.replace('data: ', '')) as Record<string, unknown>,
      }
    })
}

describe('anthropic stand-in', () => {
  it('rejects requests the real API (or this client contract) would not accept, without using a script step', async () => {
    server = await startAnthropicServer([{ content: [{ type: 'text', text: 'ok' }] }])
    const bad: Array<[unknown, Record<string, string>, number, RegExp]> = [
      [{ ...BASE, temperature: 0.5 }, HEADERS, 400, /temperature/],
      [{ ...BASE, stream: false }, HEADERS, 400, /stream: true/],
      [{ ...BASE, max_tokens: undefined }, HEADERS, 400, /max_tokens/],
      [BASE, { ...HEADERS, 'anthropic-version': '' }, 400, /anthropic-version/],
      [
        BASE,
        { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
        401,
        /Bearer/,
      ],
      [
        {
          ...BASE,
          tools: Array.from({ length: 4 }, (_, i) => ({
            name: `t${i}`,
            input_schema: { type: 'object' },
            cache_control: { type: 'ephemeral' },
          })),
        },
        HEADERS,
        400,
        /maximum of 4 blocks with cache_control.*Found 6/,
      ],
    ]
    for (const [body, headers, status, message] of bad) {
      const res = await post(body, headers)
      expect(res.status).toBe(status)
      expect(JSON.parse(res.text).error.message).toMatch(message)
      expect(JSON.parse(res.text).type).toBe('error')
    }
    expect(server.scripted).toHaveLength(0)
    expect((await post(BASE)).status).toBe(200)
    const exhausted = await post(BASE)
    expect(exhausted.status).toBe(500)
    expect(exhausted.text).toMatch(/script exhausted/)
  })

  it('streams SSE like the real API, with tool input split into input_json_delta chunks', async () => {
    server = await startAnthropicServer([
      {
        content: [
          { type: 'text', text: 'Looking at it now.' },
          { type: 'tool_use', id: 'toolu_x', name: 'bash', input: { command: 'ls -la src' } },
        ],
      },
    ])
    const res = await post(BASE)
    const ev = events(res.text)
    expect(ev.map((e) => e.event)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    const json = ev
      .filter((e) => (e.data.delta as { type?: string } | undefined)?.type === 'input_json_delta')
      .map((e) => (e.data.delta as { partial_json: string }).partial_json)
    expect(json[0]).toBe('')
    expect(JSON.parse(json.join(''))).toEqual({ command: 'ls -la src' })
    expect(ev[14].data.delta).toEqual({ stop_reason: 'tool_use', stop_sequence: null })
  })

  it('computes cache reads and writes from cache_control breakpoints across requests', async () => {
    server = await startAnthropicServer(() => ({ content: [{ type: 'text', text: 'ok' }] }))
    await post(BASE)
    const second = {
      ...BASE,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'U'.repeat(400) }] },
        { role: 'assistant', content: [{ type: 'text', text: 'A'.repeat(400) }] },
        {
          role: 'user',
          content: [{ type: 'text', text: 'V'.repeat(400), cache_control: { type: 'ephemeral' } }],
        },
      ],
    }
    await post(second)
    await post({ ...BASE, system: [{ type: 'text', text: 'different system' }] })
    const [u1, u2, u3] = server.scripted.map((r) => r.usage!)
    expect(u1.cache_read_input_tokens).toBe(0)
    expect(u1.cache_creation_input_tokens).toBeGreaterThan(190)
    expect(u1.input_tokens).toBe(0)
    // Found by looking back from the new breakpoint: the earlier prefix is read, only the new part written.
    expect(u2.cache_read_input_tokens).toBe(u1.cache_creation_input_tokens)
    expect(u2.cache_creation_input_tokens).toBeGreaterThan(190)
    // A changed system prompt invalidates everything after it; no breakpoint on it means nothing is cached there.
    expect(u3.cache_read_input_tokens).toBe(0)
  })

  it('answers faults with the real error shape and retry headers', async () => {
    server = await startAnthropicServer([
      { status: 429, retryAfterMs: 1500 },
      { streamError: 'overloaded_error' },
    ])
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: HEADERS,
      body: JSON.stringify(BASE),
    })
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after-ms')).toBe('1500')
    expect(res.headers.get('retry-after')).toBe('2')
    expect(res.headers.get('x-should-retry')).toBe('true')
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } })
    const stream = await post(BASE)
    const ev = events(stream.text)
    expect(ev[0].event).toBe('message_start')
    expect(ev[ev.length - 1]).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    })
  })
})
