/** The loop's end-of-turn check (a stop hook): a message sends the model back to work; budgets still hold. */
import { describe, expect, it } from 'vitest'
import { runAgent, type RunAgentOptions } from '../../src/agent/loop.js'
import type { EndOfTurn } from '../../src/agent/types.js'
import { Redactor } from '../../src/report/redact.js'
import { createToolset } from '../../src/tools/toolset.js'
import { fakeProvider, fakeTool, reply, text, unusedSandbox, use, type Step } from './fakes.js'

function redactor(): Redactor {
  const r = new Redactor()
  r.add('sk-secret-0123456789')
  return r
}

async function run(script: Step[], endOfTurn: EndOfTurn, over: Partial<RunAgentOptions> = {}) {
  const provider = fakeProvider(script)
  const logs: string[] = []
  const result = await runAgent({
    provider,
    model: { id: 'model-x', prices: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
    system: 'system',
    prompt: 'prompt',
    tools: createToolset([fakeTool('t')]),
    ctx: { workspace: '/nowhere', sandbox: unusedSandbox },
    budgets: { maxTurns: 10, maxCostUsd: 5, timeoutMs: 30_000 },
    redactor: redactor(),
    log: (l) => logs.push(l),
    endOfTurn,
    ...over,
  })
  return { result, provider, logs }
}

/** The text of the last user message of a request. */
function lastUserText(request: { messages: Array<{ role: string; content: unknown }> }): string {
  const m = request.messages.at(-1)!
  expect(m.role).toBe('user')
  return (m.content as Array<{ type: string; text?: string }>).map((b) => b.text ?? '').join('')
}

describe('the end-of-turn check', () => {
  it('sends the model back with its message as the next user turn, then lets the run complete', async () => {
    const asked: boolean[] = []
    let n = 0
    const h = await run(
      [reply([text('Done, I think.')]), reply([use('t', { fix: 1 })], 'tool_use'), reply([text('Fixed.')])],
      async ({ mayContinue }) => {
        asked.push(mayContinue)
        return n++ === 0 ? 'The check failed: sk-secret-0123456789 exit code 1' : undefined
      },
    )
    expect(h.result).toMatchObject({ status: 'completed', summary: 'Fixed.', turns: 3 })
    expect(asked).toEqual([true, true])
    expect(h.provider.requests).toHaveLength(3)
    const sentBack = lastUserText(h.provider.requests[1] as never)
    // What goes to the model is redacted like every tool result.
    expect(sentBack).toContain('The check failed:')
    expect(sentBack).not.toContain('sk-secret-0123456789')
    // The model's ended turn stays in the conversation, unchanged (append-only).
    expect(h.provider.requests[1].messages.at(-2)).toMatchObject({
      role: 'assistant',
      content: [{ type: 'text', text: 'Done, I think.' }],
    })
    expect(h.logs.some((l) => l.includes('the end-of-turn check sent the model back'))).toBe(true)
  })

  it('is told it may not continue when the turn budget is spent, and the run completes anyway', async () => {
    const asked: boolean[] = []
    const h = await run(
      [reply([use('t')], 'tool_use'), reply([text('Done.')])],
      async ({ mayContinue }) => {
        asked.push(mayContinue)
        return 'failed again'
      },
      { budgets: { maxTurns: 2, maxCostUsd: 5, timeoutMs: 30_000 } },
    )
    expect(asked).toEqual([false])
    expect(h.result).toMatchObject({ status: 'completed', turns: 2 })
    expect(h.provider.requests).toHaveLength(2)
  })

  it('is not asked when the run stops for another reason', async () => {
    let asked = 0
    const h = await run([reply([text('cut')], 'refusal')], async () => {
      asked++
      return 'x'
    })
    expect(h.result.status).toBe('refused')
    expect(asked).toBe(0)
  })

  it('a check cut short by the time budget leaves the finished work completed; a cancellation cancels', async () => {
    const h = await run(
      [reply([text('Done.')])],
      ({ signal }) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve('late'), { once: true })),
      { budgets: { maxTurns: 10, maxCostUsd: 5, timeoutMs: 50 } },
    )
    expect(h.result.status).toBe('completed')
    expect(h.provider.requests).toHaveLength(1)
    const cancel = new AbortController()
    const c = await run(
      [reply([text('Done.')])],
      ({ signal }) => {
        setTimeout(() => cancel.abort(), 10)
        return new Promise((resolve) =>
          signal.addEventListener('abort', () => resolve('late'), { once: true }),
        )
      },
      { ctx: { workspace: '/nowhere', sandbox: unusedSandbox, signal: cancel.signal } },
    )
    expect(c.result.status).toBe('cancelled')
  })
})
