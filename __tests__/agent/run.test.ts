/**
 * runAgent against an in-process provider and test tools: the loop's endings, log lines and results, with no
 * HTTP and no real tool (loop.test.ts runs the same loop against the Anthropic stand-in and the real tools).
 */
import { describe, expect, it } from 'vitest'
import { runAgent, type RunAgentOptions } from '../../src/agent/loop.js'
import type { ModelInfo } from '../../src/providers/types.js'
import { Redactor } from '../../src/report/redact.js'
import { createToolset } from '../../src/tools/toolset.js'
import type { Toolset } from '../../src/tools/types.js'
import { fakeProvider, fakeTool, reply, streamError, text, unusedSandbox, use, type Step } from './fakes.js'

const PRICED: ModelInfo = { id: 'model-x', prices: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } }

async function run(script: Step[] | ((i: number) => Step), over: Partial<RunAgentOptions> = {}) {
  const logs: string[] = []
  const provider = fakeProvider(script)
  const tool = fakeTool('t')
  const result = await runAgent({
    provider,
    model: PRICED,
    system: 'system',
    prompt: 'prompt',
    tools: createToolset([tool]),
    ctx: { workspace: '/nowhere', sandbox: unusedSandbox },
    budgets: { maxTurns: 10, maxCostUsd: 5, timeoutMs: 30_000 },
    redactor: new Redactor(),
    log: (l) => logs.push(l),
    streamRetryDelayMs: 1,
    ...over,
  })
  return { result, logs, provider, tool }
}

describe('runAgent (in process)', () => {
  it('runs tool calls until the model ends its turn, logging each turn', async () => {
    const h = await run([
      reply([text('Looking.'), use('t', { n: 1 })], 'tool_use', {
        input: 100,
        cacheRead: 50,
        cacheWrite: 20,
      }),
      reply([text('All done.')]),
    ])
    expect(h.result).toMatchObject({ status: 'completed', summary: 'All done.', turns: 2 })
    expect(h.result.error).toBeUndefined()
    expect(h.tool.calls).toEqual([{ n: 1 }])
    expect(h.provider.requests[0]).toMatchObject({ model: 'model-x', max_tokens: 1234 })
    expect(h.provider.requests[0].tools?.map((t) => (t as { name: string }).name)).toEqual(['t'])
    expect(h.logs[0]).toBe(
      'Turn 1: 1 tool call(s) (t) · stop tool_use · input 170 (cache read 50, write 20) · output 5 · total $0.0002',
    )
    expect(h.logs[1]).toMatch(/^Turn 2: no tool calls · stop end_turn · input 10 /)
    expect(h.result.transcript.map((e) => `${e.turn} ${e.kind} ${e.text}`)).toEqual([
      '1 text Looking.',
      '1 tool_use t {"n":1}',
      '1 tool_result t ran',
      '2 text All done.',
    ])
    expect(h.result.usage).toEqual({
      inputTokens: 110,
      outputTokens: 10,
      cacheCreationInputTokens: 20,
      cacheReadInputTokens: 50,
      thinkingTokens: 0,
    })
    expect(h.result.cacheHitShare).toBeCloseTo(50 / 180, 10)
  })

  it('uses maxTokens when given', async () => {
    const h = await run([reply([text('ok')])], { maxTokens: 77 })
    expect(h.provider.requests[0].max_tokens).toBe(77)
  })

  it('stops at max turns', async () => {
    const h = await run(() => reply([text('again'), use('t')], 'tool_use'), {
      budgets: { maxTurns: 3, maxCostUsd: 5, timeoutMs: 30_000 },
    })
    expect(h.result).toMatchObject({ status: 'max-turns', turns: 3, summary: 'again' })
    expect(h.provider.requests).toHaveLength(3)
  })

  it('budgets a model with unknown prices at the provider’s highest prices, reporting cost as null', async () => {
    // The fake's dearest input price is 100 USD per million: 10,000 input tokens cost 1 USD a turn.
    const h = await run(() => reply([use('t')], 'tool_use', { input: 10_000 }), {
      model: { id: 'model-unpriced' },
      budgets: { maxTurns: 50, maxCostUsd: 2.5, timeoutMs: 30_000 },
    })
    expect(h.result).toMatchObject({ status: 'max-cost', turns: 3, costUsd: null })
    expect(h.logs[0]).toBe(
      'Prices for model model-unpriced are unknown: its cost shows as n/a, and the max-cost budget is enforced as if it cost as much as the dearest known model.',
    )
    expect(h.logs[1]).not.toMatch(/total \$/)
  })

  it('ends with the provider’s description when a request fails for good', async () => {
    const h = await run([new Error('HTTP 401')])
    expect(h.result).toMatchObject({ status: 'error', error: 'described: HTTP 401', turns: 0 })
    expect(h.logs).toEqual(['Model request failed: described: HTTP 401'])
  })

  it('re-sends a turn whose stream broke, without re-running its tools', async () => {
    const h = await run([reply([use('t')], 'tool_use'), streamError('reset'), reply([text('recovered')])])
    expect(h.result).toMatchObject({ status: 'completed', turns: 2, summary: 'recovered' })
    expect(h.tool.calls).toHaveLength(1)
    expect(h.provider.requests[2]).toEqual(h.provider.requests[1])
    expect(h.logs).toContain('Model response broke off (described: reset); retrying the turn (1/2).')
  })

  it('ends as refused on a refusal (no error: the API worked), and with an error on a full context window', async () => {
    const refusal = await run([reply([text('No.')], 'refusal')])
    expect(refusal.result).toMatchObject({ status: 'refused', summary: 'No.' })
    expect(refusal.result.error).toBeUndefined()
    const full = await run([reply([use('t')], 'model_context_window_exceeded')])
    expect(full.result).toMatchObject({
      status: 'error',
      error: "The conversation exceeded the model's context window.",
    })
    expect(full.tool.calls).toHaveLength(0)
  })

  it('ends with the questions of a clarification, redacted', async () => {
    const redactor = new Redactor()
    redactor.add('hunter2-known-secret-value')
    const ask = fakeTool('ask', {
      run: () => ({ content: 'asked', clarification: ['Use hunter2-known-secret-value?'] }),
    })
    const h = await run([reply([text('Unclear.'), use('ask')], 'tool_use'), reply([text('never')])], {
      tools: createToolset([ask]),
      redactor,
    })
    expect(h.result).toMatchObject({ status: 'clarification', questions: ['Use ***?'], summary: 'Unclear.' })
    expect(h.provider.requests).toHaveLength(1)
  })

  it('ends as cancelled (not a timeout) when the outer signal fires, before a request or during a tool call', async () => {
    const before = new AbortController()
    before.abort()
    const early = await run([reply([text('never')])], {
      ctx: { workspace: '/nowhere', sandbox: unusedSandbox, signal: before.signal },
    })
    expect(early.result).toMatchObject({ status: 'cancelled', turns: 0 })
    expect(early.provider.requests).toHaveLength(0)

    const during = new AbortController()
    const slow = fakeTool('slow', {
      run: (_i, ctx) => {
        expect(ctx.workspace).toBe('/nowhere')
        expect(ctx.signal?.aborted).toBe(false)
        during.abort()
        expect(ctx.signal?.aborted).toBe(true)
        return { content: 'stopped' }
      },
    })
    const late = await run([reply([use('slow'), use('slow')], 'tool_use'), reply([text('never')])], {
      tools: createToolset([slow]),
      ctx: { workspace: '/nowhere', sandbox: unusedSandbox, signal: during.signal },
    })
    expect(late.result).toMatchObject({ status: 'cancelled', turns: 1 })
    expect(slow.calls).toHaveLength(1)
  })

  it('times out at the time budget', async () => {
    const h = await run(
      [
        (_request, signal) =>
          new Promise((_resolve, reject) =>
            signal?.addEventListener('abort', () => reject(new Error('aborted'))),
          ),
      ],
      { budgets: { maxTurns: 10, maxCostUsd: 5, timeoutMs: 50 } },
    )
    expect(h.result).toMatchObject({ status: 'timeout', turns: 0 })
  })

  it('clears old tool results once a request passes the threshold, and logs it', async () => {
    const h = await run(
      (i) => (i < 5 ? reply([use('t', { i })], 'tool_use', { input: 500 }) : reply([text('done')])),
      { contextClearThresholdTokens: 400 },
    )
    expect(h.result.status).toBe('completed')
    expect(h.logs.filter((l) => l.startsWith('Context:'))).toEqual([
      'Context: cleared 1 older tool result(s) (last request had 500 input tokens).',
      'Context: cleared 1 older tool result(s) (last request had 500 input tokens).',
    ])
  })

  it('turns an unexpected failure into status error', async () => {
    const broken: Toolset = {
      ...createToolset([]),
      isReadOnly: () => false,
      call: () => Promise.reject(new Error('toolset bug')),
    }
    const h = await run([reply([use('t')], 'tool_use')], { tools: broken })
    expect(h.result).toMatchObject({ status: 'error', error: 'Agent loop failed: toolset bug', turns: 1 })
    expect(h.logs).toContain('Agent loop failed: toolset bug')
  })

  it('redacts the log, the summary and the transcript', async () => {
    const redactor = new Redactor()
    redactor.add('hunter2-known-secret-value')
    const h = await run([reply([text('key hunter2-known-secret-value')])], {
      redactor,
      model: { id: 'hunter2-known-secret-value' },
    })
    const everything = JSON.stringify(h.result) + h.logs.join('\n')
    expect(everything).not.toContain('hunter2')
    expect(h.result.summary).toBe('key ***')
  })
})
