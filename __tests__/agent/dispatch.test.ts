import { describe, expect, it } from 'vitest'
import type { ToolUseBlock } from '../../src/agent/conversation.js'
import { dispatchToolCalls, Transcript, type DispatchOptions } from '../../src/agent/dispatch.js'
import { Redactor } from '../../src/report/redact.js'
import { createToolset } from '../../src/tools/toolset.js'
import type { Tool } from '../../src/tools/types.js'
import { fakeTool, reply, unusedSandbox, use } from './fakes.js'

function uses(...blocks: ReturnType<typeof use>[]): ToolUseBlock[] {
  return reply(blocks, 'tool_use').content as ToolUseBlock[]
}

function setup(tools: Tool[], over: Partial<DispatchOptions> = {}, redactor = new Redactor()) {
  const redact = (s: string): string => redactor.redact(s)
  const transcript = new Transcript(redact)
  const opts: DispatchOptions = {
    tools: createToolset(tools),
    ctx: { workspace: '/nowhere', sandbox: unusedSandbox, signal: new AbortController().signal },
    transcript,
    redact,
    turn: 7,
    maxTokens: 4321,
    ...over,
  }
  return { opts, transcript }
}

/** A tool whose calls wait until `expected` of them are running at once (or 200 ms pass). */
function barrier(name: string, readOnly: boolean, expected: number) {
  let active = 0
  let maxActive = 0
  const waiters: Array<() => void> = []
  const order: number[] = []
  const tool = fakeTool(name, {
    readOnly,
    async run(input) {
      active++
      maxActive = Math.max(maxActive, active)
      if (active >= expected) waiters.splice(0).forEach((w) => w())
      else await new Promise<void>((resolve) => (waiters.push(resolve), setTimeout(resolve, 200)))
      active--
      order.push(input.n as number)
      return { content: `done ${String(input.n)}` }
    },
  })
  return { tool, maxActive: () => maxActive, order }
}

describe('dispatchToolCalls', () => {
  it('runs consecutive read-only calls together and returns results in call order', async () => {
    const reads = barrier('probe', true, 3)
    const { opts } = setup([reads.tool])
    const calls = uses(use('probe', { n: 1 }, 'a'), use('probe', { n: 2 }, 'b'), use('probe', { n: 3 }, 'c'))
    const { results } = await dispatchToolCalls(calls, opts)
    expect(reads.maxActive()).toBe(3)
    expect(results).toEqual([
      { type: 'tool_result', tool_use_id: 'a', content: 'done 1' },
      { type: 'tool_result', tool_use_id: 'b', content: 'done 2' },
      { type: 'tool_result', tool_use_id: 'c', content: 'done 3' },
    ])
  })

  it('runs every other call alone, in order, and a write splits the read-only batches', async () => {
    const writes = barrier('mutate', false, 2)
    const reads = barrier('probe', true, 2)
    const { opts } = setup([writes.tool, reads.tool])
    const calls = uses(
      use('mutate', { n: 1 }),
      use('mutate', { n: 2 }),
      use('probe', { n: 3 }),
      use('mutate', { n: 4 }),
      use('probe', { n: 5 }),
    )
    const { results } = await dispatchToolCalls(calls, opts)
    expect(writes.maxActive()).toBe(1)
    expect(reads.maxActive()).toBe(1)
    expect(writes.order).toEqual([1, 2, 4])
    expect(results.map((r) => r.content)).toEqual(['done 1', 'done 2', 'done 3', 'done 4', 'done 5'])
  })

  it('answers the call cut off by max_tokens without running it, after the calls before it', async () => {
    const t = fakeTool('t')
    const { opts, transcript } = setup([t])
    const calls = uses(use('t', { n: 1 }, 'a'), use('t', { n: 2 }, 'b'))
    const { results } = await dispatchToolCalls(calls, { ...opts, cutOff: calls[1] })
    expect(t.calls).toEqual([{ n: 1 }])
    expect(results[0]).toEqual({ type: 'tool_result', tool_use_id: 'a', content: 't ran' })
    expect(results[1]).toEqual({
      type: 'tool_result',
      tool_use_id: 'b',
      is_error: true,
      content:
        'Not run: your response hit the output limit (max_tokens 4321) while writing this call, so its input is ' +
        'incomplete. Call it again; split very large content (e.g. create a file, then add to it).',
    })
    expect(transcript.entries.filter((e) => e.isError)).toHaveLength(1)
  })

  it('sends failures back as is_error results and empty output as "(no output)"', async () => {
    const quiet = fakeTool('quiet', { run: () => ({ content: '' }) })
    const failing = fakeTool('failing', { run: () => ({ content: 'it broke', isError: true }) })
    const { opts } = setup([quiet, failing])
    const { results } = await dispatchToolCalls(
      uses(use('quiet', {}, 'q'), use('failing', {}, 'f'), use('nope', {}, 'n'), use('quiet', 'bad', 'b')),
      opts,
    )
    expect(results[0]).toEqual({ type: 'tool_result', tool_use_id: 'q', content: '(no output)' })
    expect(results[1]).toEqual({ type: 'tool_result', tool_use_id: 'f', content: 'it broke', is_error: true })
    expect(results[2]).toMatchObject({
      is_error: true,
      content: expect.stringContaining('Unknown tool "nope"'),
    })
    expect(results[3]).toMatchObject({ is_error: true, content: 'input must be an object' })
  })

  it('redacts what goes back to the model and the transcript, which uses the tool’s summary', async () => {
    const redactor = new Redactor()
    redactor.add('hunter2-known-secret-value')
    const leaky = fakeTool('leaky', { run: () => ({ content: 'PASS=hunter2-known-secret-value' }) })
    const { opts, transcript } = setup([leaky], {}, redactor)
    const { results } = await dispatchToolCalls(
      uses(use('leaky', { path: 'hunter2-known-secret-value' })),
      opts,
    )
    expect(results[0].content).toBe('PASS=***')
    expect(transcript.entries).toEqual([
      { turn: 7, kind: 'tool_use', name: 'leaky', text: 'leaky {"path":"***"}' },
      { turn: 7, kind: 'tool_result', name: 'leaky', text: 'PASS=***' },
    ])
  })

  it('keeps the questions of the first call that asked, and still answers the others', async () => {
    const ask = fakeTool('ask', { run: (i) => ({ content: 'asked', clarification: i.q as string[] }) })
    const t = fakeTool('t')
    const { opts } = setup([ask, t])
    const out = await dispatchToolCalls(
      uses(use('ask', { q: ['one?'] }), use('t'), use('ask', { q: ['two?'] })),
      opts,
    )
    expect(out.questions).toEqual(['one?'])
    expect(out.results).toHaveLength(3)
  })

  it('starts no call once the signal has fired', async () => {
    const controller = new AbortController()
    const t = fakeTool('t', {
      run: () => {
        controller.abort()
        return { content: 'ran' }
      },
    })
    const { opts } = setup([t], {})
    const { results } = await dispatchToolCalls(uses(use('t', { n: 1 }), use('t', { n: 2 })), {
      ...opts,
      ctx: { ...opts.ctx, signal: controller.signal },
    })
    expect(t.calls).toEqual([{ n: 1 }])
    expect(results).toHaveLength(1)
  })
})

describe('Transcript', () => {
  it('keeps entries short and on one line, redacting before it cuts', () => {
    const redactor = new Redactor()
    const secret = 'x-secret-value-' + 'y'.repeat(20)
    redactor.add(secret)
    const t = new Transcript((s) => redactor.redact(s))
    t.add(1, 'text', `line one\n\n  line two ${'z'.repeat(185)}${secret}`)
    t.add(2, 'tool_result', 'failed', 'bash', true)
    expect(t.entries[0].text).toHaveLength(200)
    expect(t.entries[0].text.startsWith('line one line two zzz')).toBe(true)
    expect(t.entries[0].text.endsWith('…')).toBe(true)
    expect(JSON.stringify(t.entries)).not.toContain('x-secret-value')
    expect(t.entries[1]).toEqual({
      turn: 2,
      kind: 'tool_result',
      name: 'bash',
      text: 'failed',
      isError: true,
    })
  })
})
