import { readFile } from 'node:fs/promises'
import * as core from '@actions/core'
import { UserError } from '../errors.js'

/** The scope of Microsoft Foundry's Claude endpoint. */
export const FOUNDRY_SCOPE = 'https://ai.azure.com/.default'
/** The audience Entra expects of a federated GitHub token. */
const GITHUB_AUDIENCE = 'api://AzureADTokenExchange'
/** A token is fetched again this long before it expires. */
const REFRESH_MARGIN_MS = 5 * 60_000

/** How the app proves itself to Entra: a secret, or a federated token (GitHub's OIDC token, or a token file). */
type Proof = { kind: 'secret'; secret: string } | { kind: 'assertion'; assertion: () => Promise<string> }

/**
 * True when the environment names an Entra app and a way to prove it: `AZURE_CLIENT_ID` and `AZURE_TENANT_ID`,
 * with `AZURE_CLIENT_SECRET`, `AZURE_FEDERATED_TOKEN_FILE`, or GitHub's OIDC token (`permissions: id-token:
 * write` puts `ACTIONS_ID_TOKEN_REQUEST_URL` in the environment).
 */
export function hasEntraCredentials(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.AZURE_CLIENT_ID && env.AZURE_TENANT_ID && proofFrom(env))
}

/**
 * A token provider for Microsoft Entra ID, as @azure/identity's environment and workload identity credentials
 * get one: the client-credentials grant at `AZURE_AUTHORITY_HOST` (default login.microsoftonline.com) for
 * `scope`. Tokens are kept until shortly before they expire; each is handed to `onSecret`.
 */
export function entraTokenProvider(
  env: NodeJS.ProcessEnv,
  scope: string,
  onSecret: (secret: string) => void,
): () => Promise<string> {
  const clientId = env.AZURE_CLIENT_ID ?? ''
  const tenant = env.AZURE_TENANT_ID ?? ''
  const proof = proofFrom(env, onSecret)
  if (!clientId || !tenant || !proof)
    throw new UserError('Entra ID needs AZURE_CLIENT_ID, AZURE_TENANT_ID and a secret or a federated token.')
  const authority = (env.AZURE_AUTHORITY_HOST || 'https://login.microsoftonline.com').replace(/\/+$/, '')
  const url = `${authority}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`
  let cached: { token: string; refreshAt: number } | undefined
  let pending: Promise<string> | undefined
  const fetchToken = async (): Promise<string> => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope })
    if (proof.kind === 'secret') form.set('client_secret', proof.secret)
    else {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      form.set('client_assertion', await proof.assertion())
    }
    const res = await fetch(url, { method: 'POST', body: form, signal: AbortSignal.timeout(30_000) })
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: string
      expires_in?: number
      error?: string
      error_description?: string
    }
    if (!res.ok || !body.access_token)
      throw new Error(
        `Entra ID answered ${res.status}: ${body.error ?? 'no token'}${body.error_description ? ` (${body.error_description.split('\n')[0]})` : ''}`,
      )
    onSecret(body.access_token)
    const lifetime = (Number(body.expires_in) || 3600) * 1000
    cached = { token: body.access_token, refreshAt: Date.now() + Math.max(0, lifetime - REFRESH_MARGIN_MS) }
    return body.access_token
  }
  return () => {
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.token)
    pending ??= fetchToken().finally(() => (pending = undefined))
    return pending
  }
}

function proofFrom(
  env: NodeJS.ProcessEnv,
  onSecret: (secret: string) => void = () => undefined,
): Proof | undefined {
  if (env.AZURE_CLIENT_SECRET) return { kind: 'secret', secret: env.AZURE_CLIENT_SECRET }
  const file = env.AZURE_FEDERATED_TOKEN_FILE
  if (file) return { kind: 'assertion', assertion: async () => (await readFile(file, 'utf8')).trim() }
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    return {
      kind: 'assertion',
      assertion: async () => {
        const token = await core.getIDToken(GITHUB_AUDIENCE)
        onSecret(token)
        return token
      },
    }
  return undefined
}
