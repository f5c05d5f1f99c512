import { UserError } from '../errors.js'
import { createAnthropicProvider } from './anthropic.js'
import { createBedrockProvider } from './bedrock.js'
import type { CloudProviderOptions } from './cloud.js'
import { createFoundryProvider } from './foundry.js'
import type { ModelProvider } from './types.js'
import { createVertexProvider } from './vertex.js'

/** Who serves the model: the `provider` input. */
export const PROVIDERS = ['anthropic', 'bedrock', 'vertex', 'foundry'] as const
export type ProviderName = (typeof PROVIDERS)[number]

export interface ProviderChoice extends CloudProviderOptions {
  name: ProviderName
  /** The `anthropic-api-key` input (only `anthropic` needs it). */
  apiKey: string
  /** The `anthropic-base-url` input. */
  baseURL?: string
}

/**
 * The provider the inputs name. What can be checked at once is (a key, a region, a project; a UserError names
 * what to set); what needs the network (resolving or minting a cloud's credentials) is left to `prepare`.
 */
export function createProvider(c: ProviderChoice): ModelProvider {
  switch (c.name) {
    case 'bedrock':
      return createBedrockProvider(c)
    case 'vertex':
      return createVertexProvider(c)
    case 'foundry':
      return createFoundryProvider(c)
    case 'anthropic':
      if (!c.apiKey)
        throw new UserError(
          'Input `anthropic-api-key` is empty.',
          'Add an `ANTHROPIC_API_KEY` repository secret and pass `anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}`, or choose a cloud with `provider: bedrock`, `vertex` or `foundry`.',
        )
      return createAnthropicProvider({
        apiKey: c.apiKey,
        baseURL: c.baseURL ?? (c.env.ANTHROPIC_BASE_URL || undefined),
      })
  }
}
