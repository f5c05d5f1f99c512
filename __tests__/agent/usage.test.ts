import { describe, expect, it } from 'vitest'
import { addUsage, cacheHitShare, emptyUsage, usageFromApi } from '../../src/agent/usage.js'
import { requestCost } from '../../src/agent/meter.js'

describe('usage', () => {
  it('converts nullable API counters and adds usages', () => {
    const a = usageFromApi({
      input_tokens: 10,
      output_tokens: 5,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: 100,
    })
    expect(a).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 100,
      thinkingTokens: 0,
    })
    expect(
      addUsage(a, {
        inputTokens: 1,
        outputTokens: 2,
        cacheCreationInputTokens: 3,
        cacheReadInputTokens: 4,
        thinkingTokens: 0,
      }),
    ).toEqual({
      inputTokens: 11,
      outputTokens: 7,
      cacheCreationInputTokens: 3,
      cacheReadInputTokens: 104,
      thinkingTokens: 0,
    })
  })

  it('prices each kind of token per million, and is null (not 0) when prices are unknown', () => {
    const u = {
      inputTokens: 1_000_000,
      outputTokens: 100_000,
      cacheCreationInputTokens: 200_000,
      cacheReadInputTokens: 2_000_000,
      thinkingTokens: 0,
    }
    const prices = { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 }
    expect(requestCost({ id: 'm', prices }, u)).toBeCloseTo(3 + 1.5 + 0.75 + 0.6, 10)
    expect(requestCost({ id: 'm' }, u)).toBeNull()
    expect(requestCost({ id: 'm' }, emptyUsage())).toBeNull()
  })

  it('computes the cache hit share over all input tokens', () => {
    expect(
      cacheHitShare({
        inputTokens: 100,
        outputTokens: 999,
        cacheCreationInputTokens: 100,
        cacheReadInputTokens: 800,
        thinkingTokens: 0,
      }),
    ).toBe(0.8)
    expect(cacheHitShare(emptyUsage())).toBe(0)
  })
})
