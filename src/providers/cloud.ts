/** What the cloud providers (Bedrock, Vertex AI, Foundry) share: their options and how they check credentials. */

export interface CloudProviderOptions {
  /** The environment the cloud's setup action left (credentials, region, project, the SDK's base-URL variable). */
  env: NodeJS.ProcessEnv
  /** Called with every credential the provider resolves or mints, to be masked and redacted. */
  onSecret: (secret: string) => void
  /** Retries of 408/409/429/5xx and connection failures. Default 4. */
  maxRetries?: number
  /** Per-request timeout until the response starts, in ms. Default: the SDK's (10 minutes). */
  timeoutMs?: number
}

/**
 * What Amazon Bedrock and Vertex AI charge over the global endpoint for a regional one (data kept in a region
 * or a geography), for the Claude models since Sonnet 4.5: every model in the table.
 */
export const REGIONAL_PREMIUM = 1.1

/**
 * Environment variables that hold a cloud credential (or the token that gets one from GitHub): masked and
 * redacted whichever provider runs. None of them reaches the sandbox either (its environment is an allowlist).
 */
export const CREDENTIAL_VARIABLES = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  'ANTHROPIC_FOUNDRY_API_KEY',
  'AZURE_CLIENT_SECRET',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
]

/** How long resolving or minting credentials may take before the run stops with what to set. */
export const CREDENTIALS_TIMEOUT_MS = 60_000

/** `p`, or a rejection once `ms` have passed without an answer. */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** The first line of an error's message (credential libraries write several). */
export function firstLine(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err)
  return m.split('\n')[0].trim() || 'unknown error'
}
