export interface TemplateFrontmatter {
  'argument-hint'?: string
  description?: string
  model?: string
  'allowed-tools'?: string | string[]
  [key: string]: unknown
}

export interface Template {
  /** Where it came from: a repo-relative path, or "(bundled default)". */
  origin: string
  frontmatter: TemplateFrontmatter
  body: string
}

export interface PromptArgs {
  specName: string
  issueId: string
  notes: string
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
}
