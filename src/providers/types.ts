import type Anthropic from '@anthropic-ai/sdk'

/** One request of the loop: the Messages API's shape, whoever serves it. */
export type ModelRequest = Anthropic.MessageCreateParamsNonStreaming
/** The final message of one streamed response. */
export type ModelResponse = Anthropic.Message

/** Tokens of one response (or of a run, summed). */
export interface Usage {
  inputTokens: number // uncached input
  outputTokens: number
  cacheCreationInputTokens: number
  cacheReadInputTokens: number
  /** Output tokens spent thinking (part of `outputTokens`, not on top of it). */
  thinkingTokens: number
}

/** USD per million tokens. `cacheWrite` is the 5-minute cache write price. */
export interface ModelPrices {
  input: number
  output: number
  cacheWrite: number
  cacheRead: number
}

export interface ModelInfo {
  id: string
  /** USD per million tokens; undefined when unknown (cost shows as n/a, never $0). */
  prices?: ModelPrices
  /**
   * Prices for requests whose prompt (input + cache write + cache read tokens) is above `aboveTokens`, for
   * models priced in bands (Claude Haiku 5.5). Undefined when the model has one price.
   */
  longPrompt?: { aboveTokens: number; prices: ModelPrices }
  /** The alias the id came from (haiku, sonnet, opus), if any. */
  alias?: string
  /** How the model thinks (see {@link ThinkingSupport}); undefined when the table does not know the model. */
  thinking?: ThinkingSupport
  /** Which `effort` levels the model takes; undefined when the table does not know the model. */
  effort?: EffortSupport
}

/**
 * How a model thinks: `adaptive` (it decides; on by default, can be turned off), `always` (adaptive and cannot be
 * turned off), `budget` (only the older form with a token budget; off by default).
 */
export type ThinkingSupport = 'adaptive' | 'always' | 'budget'
/** `all` levels (low … max, xhigh included), `no-xhigh` (low, medium, high, max), or `none`. */
export type EffortSupport = 'all' | 'no-xhigh' | 'none'
export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max'
export const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max']

/**
 * Who serves the model (the Anthropic API, Amazon Bedrock, Vertex AI, Microsoft Foundry). The loop talks only to
 * this: it holds no provider's wording, no model-id patterns and no price table.
 */
export interface ModelProvider {
  /** Streams one request and returns the final message. */
  send(request: ModelRequest, signal?: AbortSignal): Promise<ModelResponse>
  /** One line describing a failed request, with what the user can do about it where there is something. */
  describeError(err: unknown): string
  /** True when the response broke off after it started (the turn is worth sending again). */
  isStreamFailure(err: unknown): boolean
  /** Output token limit per response that the model accepts. */
  maxOutputTokens(modelId: string): number
  /** Id and prices for an alias (haiku, sonnet, opus) or a full id of this provider. */
  model(aliasOrId: string): ModelInfo
  /** Prices to budget with when a model's own are unknown: the dearest this provider lists. */
  highestPrices(): ModelPrices
  /**
   * Checks the credentials before the model's first request (a cloud's credentials are resolved or minted here),
   * so a missing one stops the run with a message naming what to set. Absent where there is nothing to check.
   */
  prepare?(): Promise<void>
}
