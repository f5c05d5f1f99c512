import type Anthropic from '@anthropic-ai/sdk'
import { createMessagesProvider } from './messages-provider.js'
import { highestKnownPrices, modelInfo } from './models.js'
import type { ModelProvider } from './types.js'

export interface AnthropicProviderOptions {
  apiKey: string
  /** Defaults to the SDK's (https://api.anthropic.com, or ANTHROPIC_BASE_URL). */
  baseURL?: string
  /** Retries of 408/409/429/5xx/529 and connection failures, honouring retry-after(-ms). Default 4. */
  maxRetries?: number
  /** Per-request timeout until the response starts, in ms. Default: the SDK's (10 minutes). */
  timeoutMs?: number
}

const HINTS = {
  401: 'Check the anthropic-api-key secret.',
  403: 'The API key lacks permission for this model or organization.',
  404: 'Check the model id.',
}

/**
 * The Anthropic API on @anthropic-ai/sdk. Models, prices and output limits come from the table in models.ts.
 * The SDK (1.4 MB of the bundle) is imported with the first request, as the cloud SDKs are: a run that ends
 * before the model (no permission, a bad id) never loads it.
 */
export function createAnthropicProvider(opts: AnthropicProviderOptions): ModelProvider {
  // Called once: createMessagesProvider keeps the client it gets.
  const connect = async (): Promise<Anthropic> => {
    const { default: Sdk } = await import('@anthropic-ai/sdk')
    return new Sdk({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL,
      maxRetries: opts.maxRetries ?? 4,
      timeout: opts.timeoutMs,
      // No telemetry of prompts or outputs from inside a CI job.
      openTelemetry: false,
    })
  }
  return createMessagesProvider({
    label: 'Anthropic API',
    client: connect,
    hints: HINTS,
    model: (aliasOrId) => modelInfo(aliasOrId),
    highestPrices: highestKnownPrices,
  })
}
