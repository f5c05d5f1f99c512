/**
 * Thinking across tool use, through the real SDK against the Messages stand-in, whose thinking blocks carry
 * signatures bound to everything before them (as the newer models bind them): blocks go back unmodified, context
 * clearing does not break the binding, thinking tokens are counted.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { clearOldToolResults, KEEP_TOOL_RESULTS } from '../../src/agent/conversation.js'
import { runAgent, type RunAgentOptions } from '../../src/agent/loop.js'
import { createAnthropicProvider } from '../../src/providers/anthropic.js'
import { thinkingSettings } from '../../src/providers/models.js'
import type { ModelRequest } from '../../src/providers/types.js'
import { accountingLine } from '../../src/report/messages.js'
import { Redactor } from '../../src/report/redact.js'
import { createToolset } from '../../src/tools/toolset.js'
import { startAnthropicServer, type AnthropicServer, type Script } from '../support/anthropic-server.js'
import { fakeTool, unusedSandbox } from './fakes.js'

const KEY = 'sk-ant-api03-thinking-test-0123456789'
let server: AnthropicServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const think = (thinking: string) => ({ type: 'thinking' as const, thinking })
const call = (input: unknown) => ({ type: 'tool_use' as const, name: 'look', input })
const text = (t: string) => ({ type: 'text' as const, text: t })

async function run(script: Script, over: Partial<RunAgentOptions> = {}) {
  server = await startAnthropicServer(script, { apiKey: KEY })
  const provider = createAnthropicProvider({ apiKey: KEY, baseURL: server.url, maxRetries: 0 })
  const look = fakeTool('look', {
    run: (input) => ({ content: `looked at ${JSON.stringify(input)} ${'x'.repeat(400)}` }),
  })
  const logs: string[] = []
  const result = await runAgent({
    provider: over.provider ?? provider,
    model: { id: 'claude-sonnet-5-5', prices: { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 } },
    system: 'system prompt',
    prompt: 'do the task',
    tools: createToolset([look]),
    ctx: { workspace: '/nowhere', sandbox: unusedSandbox },
    budgets: { maxTurns: 20, maxCostUsd: 5, timeoutMs: 30_000 },
    redactor: new Redactor(),
    log: (l) => logs.push(l),
    requestParams: { thinking: { type: 'adaptive' } },
    ...over,
  })
  return { result, server, logs, provider }
}

describe('thinking across tool use', () => {
  it('sends thinking and redacted thinking back unmodified and in order on the next turn', async () => {
    const h = await run([
      {
        content: [
          think('Plan: look first.'),
          { type: 'redacted_thinking', data: 'opaque-1' },
          call({ n: 1 }),
        ],
      },
      { content: [think('Now answer.'), text('Done.')] },
    ])
    expect(h.result.status, h.result.error).toBe('completed')
    const [first, second] = h.server.scripted
    expect(first.body?.thinking).toEqual({ type: 'adaptive' })
    const sent = second.body?.messages[1]
    expect(sent.role).toBe('assistant')
    expect(sent.content.map((b: { type: string }) => b.type)).toEqual([
      'thinking',
      'redacted_thinking',
      'tool_use',
    ])
    expect(sent.content[0].thinking).toBe('Plan: look first.')
    expect(sent.content[0].signature).toMatch(/^[A-Za-z0-9+/=]{40,}$/)
    expect(sent.content[1].data).toMatch(/^opaque-1\./)
    // The stand-in accepted both blocks: their signatures still match the conversation before them.
    expect(second.status).toBe(200)
  })

  it('a block sent back changed is refused by the stand-in (the check is real)', async () => {
    server = await startAnthropicServer(
      [{ content: [think('Plan.'), call({ n: 1 })] }, { content: [text('unreachable')] }],
      { apiKey: KEY },
    )
    const real = createAnthropicProvider({ apiKey: KEY, baseURL: server.url, maxRetries: 0 })
    const tampering = {
      ...real,
      send(request: ModelRequest, signal?: AbortSignal) {
        const r = structuredClone(request)
        const block = (r.messages[1]?.content as Array<{ type: string; thinking?: string }> | undefined)?.[0]
        if (block?.type === 'thinking') block.thinking = 'Plan (edited).'
        return real.send(r, signal)
      },
    }
    const h = await run([], { provider: tampering })
    expect(h.result.status).toBe('error')
    expect(h.result.error).toContain('The block is bound to a different conversation')
  })

  it('clearing old tool results drops the thinking after the first cleared one, and every request is accepted', async () => {
    const turns: Script = (_body, i) =>
      i < 6
        ? { content: [think(`step ${i}`), call({ i })] }
        : { content: [think('final'), text('All done.')] }
    const h = await run(turns, { contextClearThresholdTokens: 300 })
    expect(h.result.status, h.result.error).toBe('completed')
    expect(h.server.requests.every((r) => r.status === 200)).toBe(true)
    expect(h.logs.some((l) => /Context: cleared \d+ older tool result/.test(l))).toBe(true)
    const last = h.server.scripted.at(-1)!.body!.messages as Array<{
      role: string
      content: Array<{ type: string }>
    }>
    const thinkingPerTurn = last
      .filter((m) => m.role === 'assistant')
      .map((m) => m.content.some((b) => b.type === 'thinking'))
    // The first turn's thinking came before any cleared result and is kept; later turns' went with the clearing.
    expect(thinkingPerTurn[0]).toBe(true)
    expect(thinkingPerTurn.slice(1).some((t) => !t)).toBe(true)
  })

  it('without dropping it, the stand-in would refuse the cleared conversation', async () => {
    const turns: Script = (_body, i) =>
      i < 5 ? { content: [think(`step ${i}`), call({ i })] } : { content: [text('All done.')] }
    const h = await run(turns)
    expect(h.result.status).toBe('completed')
    const body = structuredClone(h.server.scripted.at(-1)!.body!)
    expect(clearOldToolResults(body.messages, KEEP_TOOL_RESULTS).cleared).toBeGreaterThan(0)
    const client = new Anthropic({ apiKey: KEY, baseURL: h.server.url, maxRetries: 0 })
    const err = await client.messages
      .stream(body as never)
      .finalMessage()
      .catch((e: unknown) => e)
    expect(String(err)).toContain('bound to a different conversation')
  })

  it('counts thinking tokens in the usage and the accounting line', async () => {
    const h = await run([
      { content: [think('a'.repeat(400)), call({ n: 1 })] },
      { content: [think('b'.repeat(200)), text('Done.')] },
    ])
    expect(h.result.usage.thinkingTokens).toBe(150)
    expect(h.result.usage.outputTokens).toBeGreaterThan(150)
    expect(accountingLine(h.result, 'claude-sonnet-5-5')).toMatch(/ output tokens \(150 thinking\)/)
  })
})

describe('thinkingSettings (the model table)', () => {
  const model = (id: string) => createAnthropicProvider({ apiKey: 'k' }).model(id)
  const settings = (id: string, wanted: Parameters<typeof thinkingSettings>[1] = {}) =>
    thinkingSettings(model(id), wanted, 32_000)

  it('by default: adaptive where the model thinks so, nothing on older models and unknown ids', () => {
    expect(settings('sonnet').params).toEqual({ thinking: { type: 'adaptive' } })
    expect(settings('claude-opus-5-5').params).toEqual({ thinking: { type: 'adaptive' } })
    expect(settings('claude-haiku-4-5').params).toEqual({})
    expect(settings('claude-future-9').params).toEqual({})
  })

  it('off: disabled where it can be, left on with a note where it cannot', () => {
    expect(settings('claude-sonnet-5-5', { thinking: 'off' })).toEqual({
      params: { thinking: { type: 'disabled' } },
      notes: [],
    })
    const always = settings('claude-opus-5-5', { thinking: 'off' })
    expect(always.params).toEqual({})
    expect(always.notes).toEqual([
      'Thinking cannot be turned off for claude-opus-5-5; it stays on (adaptive).',
    ])
    expect(settings('claude-haiku-4-5', { thinking: 'off' }).params).toEqual({})
    expect(settings('claude-future-9', { thinking: 'off' }).params).toEqual({
      thinking: { type: 'disabled' },
    })
  })

  it('adaptive on a budget-only model: a budget of half the output limit, at least 1024', () => {
    expect(settings('claude-haiku-4-5', { thinking: 'adaptive' }).params).toEqual({
      thinking: { type: 'enabled', budget_tokens: 16_000 },
    })
    expect(
      thinkingSettings(model('claude-haiku-4-5'), { thinking: 'adaptive' }, 1500).params.thinking,
    ).toEqual({
      type: 'enabled',
      budget_tokens: 1024,
    })
    expect(settings('claude-future-9', { thinking: 'adaptive' }).params).toEqual({
      thinking: { type: 'adaptive' },
    })
  })

  it('effort where the model takes it; xhigh becomes high where only that is missing', () => {
    expect(settings('sonnet', { effort: 'xhigh' }).params.output_config).toEqual({ effort: 'xhigh' })
    const older = settings('claude-sonnet-4-6', { effort: 'xhigh' })
    expect(older.params.output_config).toEqual({ effort: 'high' })
    expect(older.notes[0]).toContain('no `xhigh` effort')
    const none = settings('claude-haiku-4-5', { effort: 'low' })
    expect(none.params.output_config).toBeUndefined()
    expect(none.notes[0]).toContain('takes no effort setting')
    expect(settings('claude-future-9', { effort: 'max' }).params.output_config).toEqual({ effort: 'max' })
  })
})
