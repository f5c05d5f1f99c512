import type { ModelResponse, Usage } from '../providers/types.js'

/** A Usage with every counter at zero. */
export function emptyUsage(): Usage {
  return {
    inputTokens: 0,
    outputTokens: 0,
    cacheCreationInputTokens: 0,
    cacheReadInputTokens: 0,
    thinkingTokens: 0,
  }
}

/** Converts the API's usage block (nullable counters) to ours. */
export function usageFromApi(u: Partial<ModelResponse['usage']> | null | undefined): Usage {
  return {
    inputTokens: u?.input_tokens ?? 0,
    outputTokens: u?.output_tokens ?? 0,
    cacheCreationInputTokens: u?.cache_creation_input_tokens ?? 0,
    cacheReadInputTokens: u?.cache_read_input_tokens ?? 0,
    thinkingTokens: u?.output_tokens_details?.thinking_tokens ?? 0,
  }
}

/** Sum of two usages (a new object; neither argument is changed). */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
    thinkingTokens: a.thinkingTokens + b.thinkingTokens,
  }
}

/** Every input token of the usage: uncached + cache writes + cache reads. */
export function totalInputTokens(u: Usage): number {
  return u.inputTokens + u.cacheCreationInputTokens + u.cacheReadInputTokens
}

/** Share of input tokens read from cache: cache_read / (input + cache_read + cache_write); 0 when none. */
export function cacheHitShare(usage: Usage): number {
  const total = totalInputTokens(usage)
  return total === 0 ? 0 : usage.cacheReadInputTokens / total
}
