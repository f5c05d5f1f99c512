import type { AuthClient } from 'google-auth-library'
import { UserError } from '../errors.js'
import {
  CREDENTIALS_TIMEOUT_MS,
  firstLine,
  REGIONAL_PREMIUM,
  withTimeout,
  type CloudProviderOptions,
} from './cloud.js'
import { createMessagesProvider, type MessagesClient } from './messages-provider.js'
import { highestKnownPrices, modelInfo, scalePrices, withPriceFactor } from './models.js'
import type { ModelProvider } from './types.js'

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform'

const HINTS = {
  401: 'Check the Google credentials (google-github-actions/auth, and `permissions: id-token: write`).',
  403: 'Check that the service account has the Vertex AI User role (roles/aiplatform.user) in this project.',
  404: 'Check the model id and that the model is enabled in Vertex AI’s Model Garden for this project and CLOUD_ML_REGION.',
}

/** Where google-github-actions/auth (and gcloud) leave the project id, in the order they are looked at. */
const PROJECT_VARIABLES = [
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'GOOGLE_CLOUD_PROJECT',
  'CLOUDSDK_CORE_PROJECT',
  'CLOUDSDK_PROJECT',
  'GCLOUD_PROJECT',
  'GCP_PROJECT',
]

/**
 * Claude on Vertex AI through @anthropic-ai/vertex-sdk, with Google application default credentials as
 * google-github-actions/auth leaves them (a credentials file through Workload Identity Federation), or a
 * self-hosted runner's own. The region is `CLOUD_ML_REGION` (`global`, `us`, `eu` or a region such as
 * `us-east5`) and the project `ANTHROPIC_VERTEX_PROJECT_ID` (else the project the auth action exported);
 * `ANTHROPIC_VERTEX_BASE_URL` moves the endpoint. Ids are Anthropic's; a regional endpoint is priced 10% above
 * the global one, as Google prices it.
 */
export function createVertexProvider(o: CloudProviderOptions): ModelProvider {
  const env = o.env
  const region = env.CLOUD_ML_REGION?.trim()
  if (!region)
    throw new UserError(
      '`provider: vertex` needs a region, and `CLOUD_ML_REGION` is not set.',
      'Set `CLOUD_ML_REGION` in the step’s `env` (for example `global`, or a region such as `us-east5`).',
    )
  const variable = PROJECT_VARIABLES.find((name) => env[name]?.trim())
  if (!variable)
    throw new UserError(
      '`provider: vertex` needs a Google Cloud project, and `ANTHROPIC_VERTEX_PROJECT_ID` is not set.',
      'Set `ANTHROPIC_VERTEX_PROJECT_ID` in the step’s `env`, or give google-github-actions/auth its `project_id`.',
    )
  const project = env[variable]!.trim()
  const factor = region === 'global' ? 1 : REGIONAL_PREMIUM
  let authClient: Promise<AuthClient> | undefined
  const auth = (): Promise<AuthClient> => (authClient ??= googleClient(project, o))
  return createMessagesProvider({
    label: 'Vertex AI',
    hints: HINTS,
    isCredentialFailure: (err) =>
      err instanceof Error && /^Failed to acquire Google OAuth credentials/.test(err.message),
    credentialHint:
      'Google credentials could not be refreshed during the run; check google-github-actions/auth.',
    model: (aliasOrId) => withPriceFactor(modelInfo(aliasOrId), factor),
    highestPrices: () => scalePrices(highestKnownPrices(), factor),
    async client(): Promise<MessagesClient> {
      const [{ AnthropicVertex }, client] = await Promise.all([import('@anthropic-ai/vertex-sdk'), auth()])
      return new AnthropicVertex({
        region,
        projectId: project,
        baseURL: env.ANTHROPIC_VERTEX_BASE_URL || undefined,
        authClient: client,
        maxRetries: o.maxRetries ?? 4,
        timeout: o.timeoutMs,
        openTelemetry: false,
      })
    },
    async prepare() {
      try {
        // Mints the first access token; the client keeps it and refreshes it before it expires.
        await withTimeout(
          auth().then((c) => c.getRequestHeaders()),
          CREDENTIALS_TIMEOUT_MS,
        )
      } catch (err) {
        authClient = undefined
        throw new UserError(
          `\`provider: vertex\` could not get Google credentials: ${firstLine(err)}`,
          'Add google-github-actions/auth with `workload_identity_provider` (and `service_account`) before this step; the job needs `permissions: id-token: write`.',
        )
      }
    },
  })
}

/**
 * Google's client for the application default credentials (`GOOGLE_APPLICATION_CREDENTIALS`, pointing at the
 * credentials file moved out of the workspace), whose every access token is handed to `onSecret` as minted.
 */
async function googleClient(project: string, o: CloudProviderOptions): Promise<AuthClient> {
  const { GoogleAuth } = await import('google-auth-library')
  const google = new GoogleAuth({ scopes: SCOPE, projectId: project })
  const client = await google.getClient()
  const headers = client.getRequestHeaders.bind(client)
  client.getRequestHeaders = async (url) => {
    const h = await headers(url)
    const token = /^Bearer\s+(\S+)/i.exec(h.get('authorization') ?? '')?.[1]
    if (token) o.onSecret(token)
    return h
  }
  return client
}
