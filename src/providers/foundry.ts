import { UserError } from '../errors.js'
import { CREDENTIALS_TIMEOUT_MS, firstLine, withTimeout, type CloudProviderOptions } from './cloud.js'
import { entraTokenProvider, FOUNDRY_SCOPE, hasEntraCredentials } from './entra.js'
import { createMessagesProvider, type MessagesClient } from './messages-provider.js'
import { highestKnownPrices, modelInfo } from './models.js'
import type { ModelProvider } from './types.js'

const HINTS = {
  401: 'Check ANTHROPIC_FOUNDRY_API_KEY, or the Entra app (AZURE_CLIENT_ID) and its access to the Foundry resource.',
  403: 'Check that the key or the Entra app may use this Foundry resource (the Cognitive Services User role).',
  404: 'Check the model id: it must name a Claude deployment of this Foundry resource.',
}

/**
 * Claude on Microsoft Foundry through @anthropic-ai/foundry-sdk: the resource `ANTHROPIC_FOUNDRY_RESOURCE` (or
 * `ANTHROPIC_FOUNDRY_BASE_URL`), with a key (`ANTHROPIC_FOUNDRY_API_KEY`) or Microsoft Entra ID (`AZURE_CLIENT_ID`
 * and `AZURE_TENANT_ID`, proved by GitHub's OIDC token, a federated token file or a client secret). Ids are the
 * deployments' names, Anthropic's ids by default; prices are Anthropic's.
 */
export function createFoundryProvider(o: CloudProviderOptions): ModelProvider {
  const env = o.env
  const baseURL = env.ANTHROPIC_FOUNDRY_BASE_URL || undefined
  const resource = baseURL ? undefined : env.ANTHROPIC_FOUNDRY_RESOURCE || undefined
  if (!baseURL && !resource)
    throw new UserError(
      '`provider: foundry` needs the Foundry resource, and `ANTHROPIC_FOUNDRY_RESOURCE` is not set.',
      'Set `ANTHROPIC_FOUNDRY_RESOURCE` (the resource’s name) or `ANTHROPIC_FOUNDRY_BASE_URL` in the step’s `env`.',
    )
  const apiKey = env.ANTHROPIC_FOUNDRY_API_KEY || undefined
  if (!apiKey && !hasEntraCredentials(env))
    throw new UserError(
      '`provider: foundry` found no credentials: neither `ANTHROPIC_FOUNDRY_API_KEY` nor an Entra app.',
      'Set `ANTHROPIC_FOUNDRY_API_KEY` from a secret, or `AZURE_CLIENT_ID` and `AZURE_TENANT_ID` of an app with a federated credential for this repository (the job needs `permissions: id-token: write`).',
    )
  const token = apiKey ? undefined : entraTokenProvider(env, FOUNDRY_SCOPE, o.onSecret)
  return createMessagesProvider({
    label: 'Microsoft Foundry',
    hints: HINTS,
    isCredentialFailure: (err) =>
      err instanceof Error && /azureADTokenProvider|^Entra ID answered/.test(err.message),
    credentialHint:
      'An Entra ID token could not be had during the run; check the app’s federated credential.',
    model: (aliasOrId) => modelInfo(aliasOrId),
    highestPrices: highestKnownPrices,
    async client(): Promise<MessagesClient> {
      const { AnthropicFoundry } = await import('@anthropic-ai/foundry-sdk')
      return new AnthropicFoundry({
        // null: the other variable is not read (the SDK refuses both).
        ...(baseURL ? { baseURL, resource: null } : { resource }),
        ...(token ? { azureADTokenProvider: token } : { apiKey }),
        maxRetries: o.maxRetries ?? 4,
        timeout: o.timeoutMs,
        openTelemetry: false,
      })
    },
    async prepare() {
      if (!token) return
      try {
        await withTimeout(token(), CREDENTIALS_TIMEOUT_MS)
      } catch (err) {
        throw new UserError(
          `\`provider: foundry\` could not get an Entra ID token: ${firstLine(err)}`,
          'Check AZURE_CLIENT_ID and AZURE_TENANT_ID, the app’s federated credential for this repository, and `permissions: id-token: write`.',
        )
      }
    },
  })
}
