import type { ModelInfo, ModelPrices, Usage } from '../providers/types.js'
import type { AgentBudgets } from './types.js'
import { addUsage, emptyUsage, totalInputTokens } from './usage.js'

/**
 * What a run has used so far: turns, tokens and cost, against its turn and cost budgets.
 *
 * Each request is priced on its own: a model's price can depend on that request's prompt size (long-prompt
 * tiers). For the budget, a model without known prices is priced at `fallbackPrices` (the dearest the provider
 * lists), so the budget still holds while the reported cost stays unknown (null, never $0).
 */
export class Meter {
  usage: Usage = emptyUsage()
  /** USD so far; null when the model's prices are unknown. */
  cost: number | null
  turns = 0
  private budgetCost = 0
  private readonly budgetModel: ModelInfo

  constructor(
    private readonly model: ModelInfo,
    fallbackPrices: ModelPrices,
    private readonly budgets: Pick<AgentBudgets, 'maxTurns' | 'maxCostUsd'>,
  ) {
    this.cost = model.prices ? 0 : null
    this.budgetModel = model.prices ? model : { ...model, prices: fallbackPrices }
  }

  /** False when the model's own prices are unknown (its cost shows as n/a). */
  get pricesKnown(): boolean {
    return this.model.prices !== undefined
  }

  /** Counts one answered request. */
  addTurn(usage: Usage): void {
    this.turns++
    this.usage = addUsage(this.usage, usage)
    const cost = requestCost(this.model, usage)
    this.cost = this.cost === null || cost === null ? null : this.cost + cost
    this.budgetCost += requestCost(this.budgetModel, usage) ?? 0
  }

  get turnsExhausted(): boolean {
    return this.turns >= this.budgets.maxTurns
  }

  get costExhausted(): boolean {
    return this.budgetCost >= this.budgets.maxCostUsd
  }
}

/** An abort signal that fires after `timeoutMs` or when `outer` aborts, whichever is first. */
export interface Deadline {
  readonly signal: AbortSignal
  /** Stops the timer and lets go of `outer`; the signal stays as it is. */
  dispose(): void
}

export function startDeadline(timeoutMs: number, outer?: AbortSignal): Deadline {
  const controller = new AbortController()
  const onOuterAbort = (): void => controller.abort()
  if (outer?.aborted) controller.abort()
  else outer?.addEventListener('abort', onOuterAbort, { once: true })
  // setTimeout takes at most a signed 32-bit delay; longer ones would fire at once.
  const timer = setTimeout(() => controller.abort(), Math.max(0, Math.min(timeoutMs, 2 ** 31 - 1)))
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
    },
  }
}

/**
 * The USD cost of ONE request's usage (banded prices depend on that request's prompt size), or null when the
 * model's prices are unknown.
 */
export function requestCost(model: ModelInfo, usage: Usage): number | null {
  if (!model.prices) return null
  const prompt = totalInputTokens(usage)
  const p = model.longPrompt && prompt > model.longPrompt.aboveTokens ? model.longPrompt.prices : model.prices
  return (
    (usage.inputTokens * p.input +
      usage.outputTokens * p.output +
      usage.cacheCreationInputTokens * p.cacheWrite +
      usage.cacheReadInputTokens * p.cacheRead) /
    1_000_000
  )
}
