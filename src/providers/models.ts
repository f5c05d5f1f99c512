import type { Effort, EffortSupport, ModelInfo, ModelPrices, ModelRequest, ThinkingSupport } from './types.js'

export type ModelSource = 'input' | 'label' | 'frontmatter' | 'default'

/** Prices with the standard cache multipliers: 5-minute write 1.25x input, read 0.1x input. */
function std(input: number, output: number): ModelPrices {
  return { input, output, cacheWrite: round(input * 1.25), cacheRead: round(input * 0.1) }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6
}

interface ModelEntry {
  prices: ModelPrices
  longPrompt?: { aboveTokens: number; prices: ModelPrices }
  thinking: ThinkingSupport
  effort: EffortSupport
}

/**
 * THE model table: aliases and known ids with USD prices per million tokens.
 *
 * Chosen 2026-11-24 from the `Model` union of @anthropic-ai/sdk 1.13.0 (the newest id of each family) and
 * Anthropic's published pricing. Models of the 5.x generation are not all on the standard cache multipliers;
 * their cache prices are listed as published. Ids whose prices were not confirmed (claude-mythos-5-2,
 * claude-mythos-preview) are left out on purpose: their cost shows as n/a rather than a guess.
 */
export const MODEL_ALIASES: Readonly<Record<string, string>> = {
  haiku: 'claude-haiku-5-5',
  sonnet: 'claude-sonnet-5-5',
  opus: 'claude-opus-5-5',
}

/** The alias used when nothing else chooses a model. */
export const DEFAULT_ALIAS = 'sonnet'

/**
 * What a model id may look like wherever one is taken from the user (the `model` input, a `model:` label): no
 * white space, no shell or markdown characters (`/` for a Bedrock ARN, `:` and `@` for Bedrock and Vertex AI
 * versions).
 */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9._:@/-]+$/

/** True for an alias of {@link MODEL_ALIASES} (haiku, sonnet, opus), in any case; white space is not trimmed. */
export function isModelAlias(value: string): boolean {
  return Object.hasOwn(MODEL_ALIASES, value.toLowerCase())
}

/** Thinking and effort as the 2026 model pages give them (see {@link ThinkingSupport}, {@link EffortSupport}). */
const ALWAYS = { thinking: 'always', effort: 'all' } as const
const ADAPTIVE = { thinking: 'adaptive', effort: 'all' } as const
const ADAPTIVE_NO_XHIGH = { thinking: 'adaptive', effort: 'no-xhigh' } as const

export const MODELS: Readonly<Record<string, ModelEntry>> = {
  // Haiku 5.5 is priced in two bands by prompt size (input + cache write + cache read tokens of a request).
  'claude-haiku-5-5': {
    prices: { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 },
    longPrompt: {
      aboveTokens: 100_000,
      prices: { input: 0.5, output: 2.5, cacheWrite: 0.625, cacheRead: 0.05 },
    },
    ...ADAPTIVE,
  },
  'claude-sonnet-5-5': { prices: { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 }, ...ADAPTIVE },
  'claude-opus-5-5': { prices: { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 }, ...ALWAYS },
  'claude-fable-5-2': { prices: { input: 8, output: 40, cacheWrite: 10, cacheRead: 0.2 }, ...ALWAYS },
  'claude-fable-5-1': { prices: { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 }, ...ALWAYS },
  'claude-mythos-5-1': { prices: { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 0.25 }, ...ALWAYS },
  'claude-fable-5': { prices: std(10, 50), ...ALWAYS },
  'claude-mythos-5': { prices: std(10, 50), ...ALWAYS },
  'claude-opus-5': { prices: std(5, 25), ...ADAPTIVE },
  'claude-sonnet-5': { prices: std(2, 10), ...ADAPTIVE },
  'claude-opus-4-8': { prices: std(5, 25), ...ADAPTIVE },
  'claude-opus-4-7': { prices: std(5, 25), ...ALWAYS },
  'claude-opus-4-6': { prices: std(5, 25), ...ADAPTIVE_NO_XHIGH },
  'claude-opus-4-5': { prices: std(5, 25), thinking: 'budget', effort: 'no-xhigh' },
  'claude-sonnet-4-6': { prices: std(3, 15), ...ADAPTIVE_NO_XHIGH },
  'claude-sonnet-4-5': { prices: std(3, 15), thinking: 'budget', effort: 'none' },
  'claude-haiku-4-5': { prices: std(1, 5), thinking: 'budget', effort: 'none' },
}

/**
 * Chooses the model: `input` > `label` > `frontmatter` > default (sonnet). Aliases (haiku, sonnet, opus;
 * case-insensitive) map through {@link MODEL_ALIASES}; a full id passes through, with prices when the table knows
 * it (a dated snapshot such as `claude-haiku-4-5-20251001` is priced as its base id). A frontmatter value of
 * `inherit` or `default` counts as unset.
 */
export function resolveModel(
  sources: {
    input?: string
    label?: string
    frontmatter?: string
  },
  lookup: (aliasOrId: string) => ModelInfo = modelInfo,
): ModelInfo & { source: ModelSource } {
  const order: Array<[Exclude<ModelSource, 'default'>, string | undefined]> = [
    ['input', sources.input],
    ['label', sources.label],
    ['frontmatter', sources.frontmatter],
  ]
  for (const [source, raw] of order) {
    const v = raw?.trim()
    if (!v || /^(inherit|default)$/i.test(v)) continue
    return { ...lookup(v), source }
  }
  return { ...lookup(DEFAULT_ALIAS), source: 'default' }
}

/**
 * Model info for an alias or id, without precedence. `providerId` names an alias's model as the provider does
 * (Bedrock's `global.anthropic.claude-sonnet-5-5`); a full id is taken as given. Prices, thinking and effort
 * come from the table by the id's family ({@link modelFamily}), whichever provider's form the id has.
 */
export function modelInfo(
  aliasOrId: string,
  providerId: (anthropicId: string) => string = (id) => id,
): ModelInfo {
  const v = aliasOrId.trim()
  const alias = v.toLowerCase()
  const known = isModelAlias(alias)
  const id = known ? providerId(MODEL_ALIASES[alias]) : v
  const entry = tableEntry(modelFamily(id))
  const info: ModelInfo = { id }
  if (known) info.alias = alias
  if (entry) {
    info.thinking = entry.thinking
    info.effort = entry.effort
    info.prices = { ...entry.prices }
    if (entry.longPrompt) info.longPrompt = { ...entry.longPrompt, prices: { ...entry.longPrompt.prices } }
  }
  return info
}

/**
 * The Anthropic model id a provider's id is named after, for the table: Bedrock's
 * `global.anthropic.claude-sonnet-4-5-20250929-v1:0` (an inference profile; also inside an ARN), Vertex AI's
 * `claude-sonnet-4-5@20250929` and the dated `claude-sonnet-4-5-20250929` all give `claude-sonnet-4-5`. An id
 * that names no family (an application inference profile's ARN) is returned as it is, and so stays unpriced.
 */
export function modelFamily(id: string): string {
  return id
    .slice(id.lastIndexOf('/') + 1)
    .replace(/^(?:[a-z]{2,6}\.)?anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/(?:@|-)\d{8}$/, '')
}

/**
 * The info with every price multiplied by `factor` (a provider's surcharge, such as the 10% of Bedrock's and
 * Vertex AI's regional endpoints); unpriced info stays unpriced.
 */
export function withPriceFactor(info: ModelInfo, factor: number): ModelInfo {
  if (factor === 1 || !info.prices) return info
  const out: ModelInfo = { ...info, prices: scalePrices(info.prices, factor) }
  if (info.longPrompt)
    out.longPrompt = { ...info.longPrompt, prices: scalePrices(info.longPrompt.prices, factor) }
  return out
}

export function scalePrices(p: ModelPrices, factor: number): ModelPrices {
  return {
    input: round(p.input * factor),
    output: round(p.output * factor),
    cacheWrite: round(p.cacheWrite * factor),
    cacheRead: round(p.cacheRead * factor),
  }
}

/** The table's entry for exactly this id (never an Object.prototype member such as `constructor`). */
function tableEntry(id: string): ModelEntry | undefined {
  return Object.hasOwn(MODELS, id) ? MODELS[id] : undefined
}

/** Output token limit per response that every model of the family accepts. */
export function maxOutputTokens(modelId: string): number {
  if (/claude-3-haiku/.test(modelId)) return 4096
  if (/claude-3-(5|opus|sonnet)/.test(modelId)) return 8192
  return 32_000
}

/** Each price at its highest over the table (long-prompt tiers included): a safe stand-in for unknown prices. */
export function highestKnownPrices(): ModelPrices {
  const all = Object.values(MODELS).flatMap((m) => [m.prices, ...(m.longPrompt ? [m.longPrompt.prices] : [])])
  return {
    input: Math.max(...all.map((p) => p.input)),
    output: Math.max(...all.map((p) => p.output)),
    cacheWrite: Math.max(...all.map((p) => p.cacheWrite)),
    cacheRead: Math.max(...all.map((p) => p.cacheRead)),
  }
}

/** What the user asked of thinking (`thinking`, `effort` inputs); unset means the model's own default. */
export interface ThinkingWanted {
  thinking?: 'adaptive' | 'off'
  effort?: Effort
}

/** The request fields for thinking and effort, and lines saying where a wish could not be honoured. */
export interface ThinkingSettings {
  params: Pick<ModelRequest, 'thinking' | 'output_config'>
  notes: string[]
}

/**
 * The `thinking` and `output_config.effort` of every request for this model. By default, models that think
 * adaptively do (said explicitly), older ones do not; `off` turns it off where the model allows it; `adaptive` on
 * a model that only knows budgets gets half the output limit as its budget. An effort the model does not take is
 * left out (xhigh becomes high where only that is missing). A model the table does not know gets exactly what
 * was asked, and nothing more.
 */
export function thinkingSettings(
  model: ModelInfo,
  wanted: ThinkingWanted,
  maxTokens: number,
): ThinkingSettings {
  const notes: string[] = []
  const params: ThinkingSettings['params'] = {}
  const support = model.thinking
  if (wanted.thinking === 'off') {
    if (support === 'always')
      notes.push(`Thinking cannot be turned off for ${model.id}; it stays on (adaptive).`)
    else if (support !== 'budget') params.thinking = { type: 'disabled' }
  } else if (support === 'adaptive' || support === 'always' || (!support && wanted.thinking)) {
    params.thinking = { type: 'adaptive' }
  } else if (support === 'budget' && wanted.thinking === 'adaptive') {
    // Budgets must be at least 1024 and below max_tokens; thinking counts toward the output limit.
    params.thinking = {
      type: 'enabled',
      budget_tokens: Math.max(1024, Math.min(16_000, Math.floor(maxTokens / 2))),
    }
  }
  const effort = effortFor(model, wanted.effort, notes)
  if (effort) params.output_config = { effort }
  return { params, notes }
}

function effortFor(model: ModelInfo, wanted: Effort | undefined, notes: string[]): Effort | undefined {
  if (!wanted || !model.effort || model.effort === 'all') return wanted
  if (model.effort === 'none') {
    notes.push(`${model.id} takes no effort setting; \`effort: ${wanted}\` is not sent.`)
    return undefined
  }
  if (wanted !== 'xhigh') return wanted
  notes.push(`${model.id} has no \`xhigh\` effort; \`high\` is sent instead.`)
  return 'high'
}
