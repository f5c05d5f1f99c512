import { afterEach, describe, expect, it, vi } from 'vitest'
import { Meter, startDeadline } from '../../src/agent/meter.js'
import type { ModelInfo, Usage } from '../../src/providers/types.js'
import { DEAREST } from './fakes.js'

const usage = (inputTokens: number, outputTokens = 0, cacheWrite = 0, cacheRead = 0): Usage => ({
  inputTokens,
  outputTokens,
  cacheCreationInputTokens: cacheWrite,
  cacheReadInputTokens: cacheRead,
  thinkingTokens: 0,
})
const BUDGETS = { maxTurns: 10, maxCostUsd: 1 }

describe('Meter', () => {
  it('counts turns and sums usage', () => {
    const m = new Meter({ id: 'm', prices: { input: 1, output: 1, cacheWrite: 1, cacheRead: 1 } }, DEAREST, {
      maxTurns: 2,
      maxCostUsd: 100,
    })
    expect(m.turns).toBe(0)
    expect(m.cost).toBe(0)
    expect(m.turnsExhausted).toBe(false)
    m.addTurn(usage(1, 2, 3, 4))
    m.addTurn(usage(10, 20, 30, 40))
    expect(m.turns).toBe(2)
    expect(m.usage).toEqual(usage(11, 22, 33, 44))
    expect(m.turnsExhausted).toBe(true)
  })

  it('prices each request on its own, so a long-prompt tier applies only to the requests above it', () => {
    const tiered: ModelInfo = {
      id: 'tiered',
      prices: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
      longPrompt: { aboveTokens: 1000, prices: { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 } },
    }
    const m = new Meter(tiered, DEAREST, BUDGETS)
    m.addTurn(usage(400, 100, 300, 300)) // prompt 1000: not above the tier
    m.addTurn(usage(400, 100, 300, 301)) // prompt 1001: above it
    const low = (400 * 1 + 100 * 5 + 300 * 1.25 + 300 * 0.1) / 1e6
    const high = (400 * 10 + 100 * 50 + 300 * 12.5 + 301 * 1) / 1e6
    expect(m.cost).toBeCloseTo(low + high, 12)
    // Pricing the summed usage once would put both requests in the high tier.
    expect(m.cost).not.toBeCloseTo((800 * 10 + 200 * 50 + 600 * 12.5 + 601 * 1) / 1e6, 6)
  })

  it('ends the cost budget once the cost reaches it', () => {
    const m = new Meter(
      { id: 'm', prices: { input: 1, output: 0, cacheWrite: 0, cacheRead: 0 } },
      DEAREST,
      BUDGETS,
    )
    m.addTurn(usage(999_999))
    expect(m.costExhausted).toBe(false)
    m.addTurn(usage(1))
    expect(m.costExhausted).toBe(true)
  })

  it('reports unknown prices as null but budgets them as the dearest prices given', () => {
    const m = new Meter({ id: 'claude-future-9' }, DEAREST, { maxTurns: 10, maxCostUsd: 0.01 })
    expect(m.pricesKnown).toBe(false)
    m.addTurn(usage(50, 0)) // 50 * 100 / 1e6 = 0.005
    expect(m.cost).toBeNull()
    expect(m.costExhausted).toBe(false)
    m.addTurn(usage(0, 10)) // 10 * 500 / 1e6 = 0.005: 0.01 in all
    expect(m.cost).toBeNull()
    expect(m.costExhausted).toBe(true)
    expect(new Meter({ id: 'm', prices: DEAREST }, DEAREST, BUDGETS).pricesKnown).toBe(true)
  })
})

describe('startDeadline', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('aborts when the time is up, not before', () => {
    vi.useFakeTimers()
    const d = startDeadline(1000)
    vi.advanceTimersByTime(999)
    expect(d.signal.aborted).toBe(false)
    vi.advanceTimersByTime(1)
    expect(d.signal.aborted).toBe(true)
    d.dispose()
  })

  it('aborts with the outer signal, and at once when it has already fired', () => {
    const outer = new AbortController()
    const d = startDeadline(60_000, outer.signal)
    expect(d.signal.aborted).toBe(false)
    outer.abort()
    expect(d.signal.aborted).toBe(true)
    d.dispose()
    expect(startDeadline(60_000, outer.signal).signal.aborted).toBe(true)
  })

  it('lets go of the timer and the outer signal when disposed', () => {
    vi.useFakeTimers()
    const outer = new AbortController()
    const d = startDeadline(1000, outer.signal)
    d.dispose()
    vi.advanceTimersByTime(5000)
    outer.abort()
    expect(d.signal.aborted).toBe(false)
  })

  it('caps delays setTimeout cannot hold instead of firing at once', async () => {
    // Node fires a setTimeout longer than 2^31-1 ms after 1 ms.
    const d = startDeadline(2 ** 32)
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(d.signal.aborted).toBe(false)
    d.dispose()
  })
})
