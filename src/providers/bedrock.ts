import { UserError } from '../errors.js'
import { createMessagesProvider, type MessagesClient } from './messages-provider.js'
import { highestKnownPrices, modelInfo, scalePrices, withPriceFactor } from './models.js'
import {
  CREDENTIALS_TIMEOUT_MS,
  firstLine,
  REGIONAL_PREMIUM,
  withTimeout,
  type CloudProviderOptions,
} from './cloud.js'
import type { ModelProvider } from './types.js'

/** AWS credentials as the SDK's chain resolves them. */
interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  expiration?: Date
}
type CredentialProvider = () => Promise<AwsCredentials>

/** How long before they expire resolved credentials are resolved again. */
const REFRESH_MARGIN_MS = 5 * 60_000

const HINTS = {
  401: 'Check the AWS credentials (aws-actions/configure-aws-credentials) or AWS_BEARER_TOKEN_BEDROCK.',
  403: 'Check that the role may call bedrock:InvokeModelWithResponseStream on this model and inference profile, and that the model is enabled in this account and region.',
  404: 'Check the model id (a Bedrock model id or inference profile, such as `global.anthropic.claude-sonnet-5-5`) and that it is offered in AWS_REGION.',
}

/** With a Bedrock API key, a refusal is about the key. */
const KEY_HINTS = {
  401: 'Check AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key).',
  403: 'Check AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key) and that it may invoke this model in AWS_REGION.',
}

const EXPIRED_HINT =
  'The AWS session expired during the run: give aws-actions/configure-aws-credentials a `role-duration-seconds` longer than the run (`timeout-minutes`), within the role’s maximum session duration.'

/**
 * Claude on Amazon Bedrock through @anthropic-ai/bedrock-sdk: a Bedrock API key (`AWS_BEARER_TOKEN_BEDROCK`) or
 * AWS credentials as aws-actions/configure-aws-credentials leaves them (environment variables, through GitHub's
 * OIDC), else the rest of the SDK's default chain (a web identity token file, a profile, the instance's role on a
 * self-hosted runner). The region is `AWS_REGION` (or `AWS_DEFAULT_REGION`); `ANTHROPIC_BEDROCK_BASE_URL` moves
 * the endpoint. An alias names the global cross-region inference profile (`global.anthropic.claude-sonnet-5-5`);
 * any other id is regional, and priced 10% above the global one, as AWS prices its regional endpoints.
 */
export function createBedrockProvider(o: CloudProviderOptions): ModelProvider {
  const env = o.env
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION
  if (!region)
    throw new UserError(
      '`provider: bedrock` needs an AWS region, and `AWS_REGION` is not set.',
      'aws-actions/configure-aws-credentials sets it from its `aws-region` input; or set `AWS_REGION` in the step’s `env`.',
    )
  const apiKey = env.AWS_BEARER_TOKEN_BEDROCK || undefined
  const credentials = apiKey ? undefined : awsCredentials(o.onSecret)
  const model = (aliasOrId: string) => {
    const info = modelInfo(aliasOrId, (id) => `global.anthropic.${id}`)
    return withPriceFactor(info, isGlobal(info.id) ? 1 : REGIONAL_PREMIUM)
  }
  return createMessagesProvider({
    label: 'Amazon Bedrock',
    hints: apiKey ? { ...HINTS, ...KEY_HINTS } : HINTS,
    hintFor: (status, message) => (status === 403 && /expired/i.test(message) ? EXPIRED_HINT : undefined),
    isCredentialFailure: (err) =>
      err instanceof Error && /^Failed to resolve AWS credentials/.test(err.message),
    credentialHint:
      'The AWS credentials could not be resolved again during the run; check the role session (`role-duration-seconds`).',
    model,
    highestPrices: () => scalePrices(highestKnownPrices(), REGIONAL_PREMIUM),
    async client(): Promise<MessagesClient> {
      const { AnthropicBedrock } = await import('@anthropic-ai/bedrock-sdk')
      return new AnthropicBedrock({
        awsRegion: region,
        baseURL: env.ANTHROPIC_BEDROCK_BASE_URL || undefined,
        // null: sign with AWS credentials, never fall back to the environment's key.
        apiKey: apiKey ?? null,
        ...(credentials ? { providerChainResolver: () => Promise.resolve(credentials as never) } : {}),
        maxRetries: o.maxRetries ?? 4,
        timeout: o.timeoutMs,
        openTelemetry: false,
      })
    },
    async prepare() {
      if (!credentials) return
      try {
        await withTimeout(credentials(), CREDENTIALS_TIMEOUT_MS)
      } catch (err) {
        throw new UserError(
          `\`provider: bedrock\` found no AWS credentials: ${firstLine(err)}`,
          'Add aws-actions/configure-aws-credentials with `role-to-assume` before this step (the job needs `permissions: id-token: write`), or set `AWS_BEARER_TOKEN_BEDROCK` to a Bedrock API key.',
        )
      }
    },
  })
}

/** The global cross-region inference profile (no regional surcharge), also when named by its ARN. */
function isGlobal(id: string): boolean {
  return /(?:^|\/)global\.anthropic\./.test(id)
}

/**
 * The SDK's default chain (the environment first, then the rest of the Node chain), resolved once and again
 * only shortly before the credentials expire. Each resolved secret is handed to `onSecret` (to be masked).
 */
function awsCredentials(onSecret: (secret: string) => void): CredentialProvider {
  let chain: Promise<CredentialProvider> | undefined
  let current: Promise<AwsCredentials> | undefined
  let expires = 0
  const resolve = async (): Promise<AwsCredentials> => {
    chain ??= import('@aws-sdk/credential-providers').then(
      ({ createCredentialChain, fromEnv, fromNodeProviderChain }) =>
        createCredentialChain(fromEnv(), fromNodeProviderChain()) as unknown as CredentialProvider,
    )
    const c = await (await chain)()
    onSecret(c.secretAccessKey)
    if (c.sessionToken) onSecret(c.sessionToken)
    return c
  }
  return () => {
    if (!current || Date.now() >= expires) {
      expires = Infinity
      const next = resolve()
      current = next
      next.then(
        (c) => {
          expires = c.expiration ? c.expiration.getTime() - REFRESH_MARGIN_MS : Infinity
        },
        () => {
          // Not kept: the next request tries again.
          if (current === next) current = undefined
        },
      )
    }
    return current
  }
}
