import { describe, expect, it } from 'vitest'
import {
  CLEARED_TOOL_RESULT,
  clearOldToolResults,
  Conversation,
  dropThinkingAfter,
  DEFAULT_CONTEXT_THRESHOLD,
  KEEP_TOOL_RESULTS,
  lastBlock,
  shouldClearContext,
  toParams,
  withBreakpoints,
  type MessageParam,
} from '../../src/agent/conversation.js'
import { modelInfo } from '../../src/providers/models.js'
import type { ModelInfo } from '../../src/providers/types.js'
import { reply, text, use } from './fakes.js'

const EPHEMERAL = { type: 'ephemeral' }

/** Where the breakpoints of a conversation sit, as `message:block`. */
function breakpoints(messages: MessageParam[]): string[] {
  const out: string[] = []
  messages.forEach((m, i) => {
    if (typeof m.content === 'string') return
    m.content.forEach((b, j) => {
      if ('cache_control' in b && b.cache_control) out.push(`${i}:${j}`)
    })
  })
  return out
}

const result = (id: string, content: string) => ({ type: 'tool_result' as const, tool_use_id: id, content })

describe('clearing with thinking', () => {
  it("keeps a breakpoint on the previous request's end after the thinking under it was dropped", () => {
    const c = new Conversation('s', 'p')
    c.addAssistant(
      reply([{ type: 'thinking', thinking: 'x', signature: 's' }, use('t', {}, 'toolu_0')], 'tool_use')
        .content,
    )
    c.addReply([result('toolu_0', 'out 0')], 'tool_use', false)
    // pause_turn: the next request ends on the assistant turn, so its end is a block of an assistant message.
    c.addAssistant(
      reply([{ type: 'thinking', thinking: 'y', signature: 's' }, text('a'), text('b')], 'pause_turn')
        .content,
    )
    c.addReply([], 'pause_turn', false)
    c.addAssistant(reply([use('t', {}, 'toolu_1')], 'tool_use').content)
    c.addReply([result('toolu_1', 'out 1')], 'tool_use', false)
    const { cleared, firstMessage } = clearOldToolResults(c.messages, 1)
    expect([cleared, firstMessage]).toEqual([1, 2])
    expect(dropThinkingAfter(c.messages, firstMessage!)).toBe(1)
    // Message 1 keeps its thinking (before the change); message 3 lost its own: its end is now block 1.
    expect(c.messages[1].content[0]).toMatchObject({ type: 'thinking', thinking: 'x' })
    expect(c.messages[3].content).toHaveLength(2)
    expect(breakpoints(c.request('m', 1, []).messages)).toEqual(['3:1', '5:0'])
  })

  it('keepThinking leaves every thinking block where it was', () => {
    const c = new Conversation('s', 'p')
    for (let i = 0; i < 5; i++) {
      c.addAssistant(
        reply(
          [{ type: 'thinking', thinking: `t${i}`, signature: 's' }, use('t', {}, `toolu_${i}`)],
          'tool_use',
        ).content,
      )
      c.addReply([result(`toolu_${i}`, `out ${i}`)], 'tool_use', false)
    }
    expect(c.clearOldToolResults({ keepThinking: true })).toBe(2)
    expect(
      c.messages
        .filter((m) => m.role === 'assistant')
        .every((m) => (m.content as Array<{ type: string }>)[0].type === 'thinking'),
    ).toBe(true)
  })
})

describe('withBreakpoints', () => {
  const messages: MessageParam[] = [
    { role: 'user', content: [{ type: 'text', text: 'go' }] },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'looking' },
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'redacted_thinking', data: 'xx' },
      ],
    },
    { role: 'user', content: [result('a', 'A'), result('b', 'B')] },
  ]

  it('marks the last block and the previous request’s last block, leaving the conversation as it was', () => {
    const before = structuredClone(messages)
    const sent = withBreakpoints(messages, { m: 0, b: 0 })
    expect(breakpoints(sent)).toEqual(['0:0', '2:1'])
    expect(sent[2].content[1]).toMatchObject({ cache_control: EPHEMERAL })
    expect(messages).toEqual(before)
    expect(breakpoints(messages)).toEqual([])
  })

  it('marks one block when both are the same', () => {
    expect(breakpoints(withBreakpoints(messages, { m: 2, b: 1 }))).toEqual(['2:1'])
    expect(breakpoints(withBreakpoints(messages, undefined))).toEqual(['2:1'])
  })

  it('never puts a breakpoint on a thinking block: the nearest block before one takes it', () => {
    const sent = withBreakpoints(messages, { m: 1, b: 2 })
    expect(breakpoints(sent)).toEqual(['1:0', '2:1'])
    const content = sent[1].content as unknown as Array<Record<string, unknown>>
    expect(content[1]).not.toHaveProperty('cache_control')
    expect(content[2]).not.toHaveProperty('cache_control')
  })

  it('leaves a message of thinking blocks alone', () => {
    const thinkingOnly: MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }] },
    ]
    expect(breakpoints(withBreakpoints(thinkingOnly, { m: 0, b: 0 }))).toEqual(['0:0'])
  })
})

describe('lastBlock', () => {
  it('points at the last block of the last message, if any', () => {
    expect(
      lastBlock([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'a' },
            { type: 'text', text: 'b' },
          ],
        },
      ]),
    ).toEqual({
      m: 0,
      b: 1,
    })
    expect(lastBlock([])).toBeUndefined()
    expect(lastBlock([{ role: 'user', content: 'plain' }])).toBeUndefined()
    expect(lastBlock([{ role: 'user', content: [] }])).toBeUndefined()
  })
})

describe('clearOldToolResults', () => {
  it('clears all but the last three tool results, once each', () => {
    const messages: MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'user', content: [result('1', 'one'), result('2', 'two')] },
      { role: 'assistant', content: [{ type: 'text', text: 'tool_result lookalike' }] },
      { role: 'user', content: [result('3', 'three'), result('4', 'four'), result('5', 'five')] },
    ]
    expect(KEEP_TOOL_RESULTS).toBe(3)
    expect(clearOldToolResults(messages, KEEP_TOOL_RESULTS).cleared).toBe(2)
    const contents = messages.flatMap((m) =>
      typeof m.content === 'string'
        ? []
        : m.content.flatMap((b) => (b.type === 'tool_result' ? [b.content] : [])),
    )
    expect(contents).toEqual([CLEARED_TOOL_RESULT, CLEARED_TOOL_RESULT, 'three', 'four', 'five'])
    expect(clearOldToolResults(messages, KEEP_TOOL_RESULTS).cleared).toBe(0)
    messages.push({ role: 'user', content: [result('6', 'six')] })
    expect(clearOldToolResults(messages, KEEP_TOOL_RESULTS).cleared).toBe(1)
  })

  it('clears nothing with three results or fewer', () => {
    const messages: MessageParam[] = [
      { role: 'user', content: [result('1', 'a'), result('2', 'b'), result('3', 'c')] },
    ]
    expect(clearOldToolResults(messages, 3).cleared).toBe(0)
  })
})

describe('toParams', () => {
  it('turns response blocks into params, dropping empty text and non-object tool input', () => {
    const message = reply([
      text(''),
      text('hi'),
      use('t', { a: 1 }, 'toolu_1'),
      use('t', 'oops', 'toolu_2'),
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
    ])
    expect(toParams(message.content)).toEqual([
      { type: 'text', text: 'hi' },
      { type: 'tool_use', id: 'toolu_1', name: 't', input: { a: 1 } },
      { type: 'tool_use', id: 'toolu_2', name: 't', input: {} },
      { type: 'thinking', thinking: 'hmm', signature: 'sig' },
    ])
    expect(toParams(reply([text('')]).content)).toEqual([{ type: 'text', text: '(no output)' }])
  })
})

describe('Conversation', () => {
  it('sends the system block with a breakpoint and moves the conversation breakpoints each turn', () => {
    const c = new Conversation('system text', 'the prompt')
    const first = c.request('model-x', 100, [])
    expect(first).toMatchObject({
      model: 'model-x',
      max_tokens: 100,
      tools: [],
      system: [{ type: 'text', text: 'system text', cache_control: EPHEMERAL }],
    })
    expect(breakpoints(first.messages)).toEqual(['0:0'])

    c.addAssistant(reply([use('t', {}, 'toolu_1')], 'tool_use').content)
    c.addReply([result('toolu_1', 'out')], 'tool_use', false)
    expect(breakpoints(c.request('model-x', 100, []).messages)).toEqual(['0:0', '2:0'])

    c.addAssistant(reply([use('t', {}, 'toolu_2')], 'tool_use').content)
    c.addReply([result('toolu_2', 'out')], 'tool_use', false)
    expect(breakpoints(c.request('model-x', 100, []).messages)).toEqual(['2:0', '4:0'])
    expect(breakpoints(c.messages)).toEqual([])
  })

  it('nudges after a cut-off response or an empty turn; sends nothing back after pause_turn', () => {
    const c = new Conversation('s', 'p')
    c.addAssistant(reply([text('part')], 'max_tokens').content)
    c.addReply([], 'max_tokens', false)
    expect(c.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        {
          type: 'text',
          text: 'Your response was cut off by the output limit. Continue exactly where you stopped.',
        },
      ],
    })
    c.addAssistant(reply([text('more')], 'tool_use').content)
    c.addReply([], 'tool_use', false)
    expect(c.messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'Continue. When the work is done, end your turn with a short summary.' },
      ],
    })
    c.addAssistant(reply([text('paused')], 'pause_turn').content)
    c.addReply([], 'pause_turn', false)
    expect(c.messages.at(-1)?.role).toBe('assistant')
    // A call cut off by max_tokens is answered by its result alone.
    c.addReply([result('toolu_9', 'Not run')], 'max_tokens', true)
    expect(c.messages.at(-1)).toEqual({ role: 'user', content: [result('toolu_9', 'Not run')] })
  })

  it('clears old tool results, keeping the last three', () => {
    const c = new Conversation('s', 'p')
    for (let i = 0; i < 5; i++) {
      c.addAssistant(reply([use('t', {}, `toolu_${i}`)], 'tool_use').content)
      c.addReply([result(`toolu_${i}`, `out ${i}`)], 'tool_use', false)
    }
    expect(c.clearOldToolResults()).toBe(2)
    const contents = c.messages.flatMap((m) =>
      typeof m.content === 'string'
        ? []
        : m.content.flatMap((b) => (b.type === 'tool_result' ? [b.content] : [])),
    )
    expect(contents).toEqual([CLEARED_TOOL_RESULT, CLEARED_TOOL_RESULT, 'out 2', 'out 3', 'out 4'])
  })
})

describe('shouldClearContext', () => {
  const prices = { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 }
  const tiered: ModelInfo = { id: 'banded-model', prices, longPrompt: { aboveTokens: 100_000, prices } }
  const flat: ModelInfo = { id: 'flat-model', prices }

  it('a model without a long-prompt tier is cleared once the last prompt passed the threshold, as before', () => {
    const at = (prompt: number, threshold?: number) =>
      shouldClearContext({ model: flat, prompt, output: 30_000, replyChars: 200_000, threshold })
    expect(DEFAULT_CONTEXT_THRESHOLD).toBe(120_000)
    expect(at(119_000)).toBe(false)
    expect(at(120_000)).toBe(false)
    expect(at(120_001)).toBe(true)
    expect(at(5_001, 5_000)).toBe(true)
    expect(at(4_999, 5_000)).toBe(false)
  })

  it('a model with a tier is cleared before the next prompt could reach the tier', () => {
    const next = (prompt: number, output: number, replyChars: number) =>
      shouldClearContext({ model: tiered, prompt, output, replyChars })
    // Far below: nothing to do.
    expect(next(50_000, 2_000, 30_000)).toBe(false)
    // 85k + 2k + 30k characters (10k tokens at 3 a token) = 97k: within 10% of the tier, cleared now.
    expect(next(85_000, 2_000, 30_000)).toBe(true)
    // The same prompt with a small reply stays (87.1k).
    expect(next(85_000, 2_000, 300)).toBe(false)
    // A large output counts as much as a large reply.
    expect(next(60_000, 31_000, 0)).toBe(true)
    // A threshold the caller set below the tier still applies.
    expect(
      shouldClearContext({ model: tiered, prompt: 1_001, output: 0, replyChars: 0, threshold: 1_000 }),
    ).toBe(true)
  })

  it("Haiku 5.5's tier is read from the model table: cleared below 100k, where other models would go on", () => {
    const haiku = modelInfo('haiku')
    const state = { prompt: 92_000, output: 1_000, replyChars: 3_000 }
    expect(haiku.longPrompt?.aboveTokens).toBe(100_000)
    expect(shouldClearContext({ model: haiku, ...state })).toBe(true)
    expect(shouldClearContext({ model: modelInfo('sonnet'), ...state })).toBe(false)
  })
})
