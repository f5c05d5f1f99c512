import Anthropic from '@anthropic-ai/sdk'
import type { ModelClient } from './types.js'

export interface AnthropicClientOptions {
  apiKey: string
  /** Defaults to the SDK's (https://api.anthropic.com, or ANTHROPIC_BASE_URL). */
  baseURL?: string
  /** Retries of 408/409/429/5xx/529 and connection failures, honouring retry-after(-ms). Default 4. */
  maxRetries?: number
  /** Per-request timeout until the response starts, in ms. Default: the SDK's (10 minutes). */
  timeoutMs?: number
}

/**
 * The real model client on @anthropic-ai/sdk. Every request is streamed (long generations never hit the
 * non-streaming timeout) and the final message is returned; the SDK retries rate limits, overload and server
 * errors before the stream starts. Temperature is never sent.
 */
export function createAnthropicModelClient(opts: AnthropicClientOptions): ModelClient {
  const client = new Anthropic({
    apiKey: opts.apiKey,
    baseURL: opts.baseURL,
    maxRetries: opts.maxRetries ?? 4,
    timeout: opts.timeoutMs,
    // No telemetry of prompts or outputs from inside a CI job.
    openTelemetry: false,
  })
  return {
    async send(request, signal) {
      // Drop fields this client never sends, whatever the caller built (temperature is not even typed here).
      const {
        stream: _stream,
        temperature: _temperature,
        ...params
      } = request as typeof request & {
        temperature?: number
      }
      return client.messages.stream(params, { signal }).finalMessage()
    },
  }
}
