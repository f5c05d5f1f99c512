/**
 * Each cloud provider through its real SDK against the loopback stand-in of that cloud's wire protocol:
 * Bedrock's SigV4 and event stream, Vertex AI's token exchange and streamRawPredict, Foundry's key and Entra ID.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { describeError } from '../../src/errors.js'
import { createProvider, type ProviderChoice } from '../../src/providers/select.js'
import type { ModelRequest, ModelProvider } from '../../src/providers/types.js'
import { startAnthropicServer, type AnthropicServer, type Script } from '../support/anthropic-server.js'
import {
  startBedrockServer,
  startEntraTokenServer,
  startFoundryServer,
  startGoogleTokenServer,
  startVertexServer,
  writeExternalAccountFile,
} from '../support/cloud-servers.js'

const KEY = 'sk-ant-upstream-0123456789abcdef'
const AWS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE-session-token',
}
const SYSTEM = 'You implement one phase of a spec. '.repeat(40)
const request = (model: string): ModelRequest => ({
  model,
  max_tokens: 1024,
  system: [{ type: 'text', text: SYSTEM, cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Go.' }] }],
})
const reply = (text: string): Script => [
  { content: [{ type: 'text', text }] },
  { content: [{ type: 'text', text }] },
]

/** process.env for one test: what the SDKs' credential chains read; restored afterwards. */
const saved = { ...process.env }
const closers: Array<() => Promise<void>> = []
let anthropic: AnthropicServer
let dir: string
beforeEach(async () => {
  for (const name of Object.keys(process.env))
    if (/^(AWS_|GOOGLE_|CLOUDSDK_|AZURE_|ACTIONS_ID_TOKEN|ANTHROPIC_)/.test(name)) delete process.env[name]
  // Nothing probes a cloud's metadata address from here.
  process.env.AWS_EC2_METADATA_DISABLED = 'true'
  process.env.METADATA_SERVER_DETECTION = 'none'
  dir = await mkdtemp(path.join(os.tmpdir(), 'clouds-'))
  process.env.AWS_CONFIG_FILE = path.join(dir, 'no-config')
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials')
})
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
  process.env = { ...saved }
  await rm(dir, { recursive: true, force: true })
})

async function upstream(script: Script): Promise<{ url: string; apiKey: string }> {
  anthropic = await startAnthropicServer(script, { apiKey: KEY })
  closers.push(() => anthropic.close())
  return { url: anthropic.url, apiKey: KEY }
}

function provider(
  name: ProviderChoice['name'],
  env: NodeJS.ProcessEnv,
  secrets: string[] = [],
): ModelProvider {
  return createProvider({ name, apiKey: '', env, onSecret: (s) => secrets.push(s), maxRetries: 0 })
}

const text = (m: { content: Array<{ type: string; text?: string }> }): string =>
  m.content.map((b) => b.text ?? '').join('')

describe('Amazon Bedrock', () => {
  it('signs with the environment’s AWS credentials (SigV4 checked), streams the event stream, caches', async () => {
    const bedrock = await startBedrockServer({
      anthropic: await upstream(reply('Done.')),
      region: 'eu-west-1',
      credentials: AWS,
    })
    closers.push(bedrock.close)
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
      AWS_SESSION_TOKEN: AWS.sessionToken,
    })
    const secrets: string[] = []
    const p = provider(
      'bedrock',
      { AWS_REGION: 'eu-west-1', ANTHROPIC_BEDROCK_BASE_URL: bedrock.url },
      secrets,
    )
    await p.prepare?.()
    expect(secrets).toEqual([AWS.secretAccessKey, AWS.sessionToken])
    const model = p.model('sonnet').id
    const first = await p.send(request(model))
    const second = await p.send(request(model))
    expect(text(first)).toBe('Done.')
    expect(bedrock.requests.map((r) => [r.status, r.model, r.path])).toEqual([
      [
        200,
        'global.anthropic.claude-sonnet-5-5',
        '/model/global.anthropic.claude-sonnet-5-5/invoke-with-response-stream',
      ],
      [
        200,
        'global.anthropic.claude-sonnet-5-5',
        '/model/global.anthropic.claude-sonnet-5-5/invoke-with-response-stream',
      ],
    ])
    expect(bedrock.requests[0].headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
    )
    expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(0)
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens)
    expect(anthropic.scripted[0].body?.model).toBe('global.anthropic.claude-sonnet-5-5')
  })

  it('a wrong secret is refused by the signature check, and the error says what to check', async () => {
    const bedrock = await startBedrockServer({
      anthropic: await upstream(reply('x')),
      region: 'eu-west-1',
      credentials: AWS,
    })
    closers.push(bedrock.close)
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: 'not-the-secret',
    })
    const p = provider('bedrock', { AWS_REGION: 'eu-west-1', ANTHROPIC_BEDROCK_BASE_URL: bedrock.url })
    const err = await p.send(request('global.anthropic.claude-sonnet-5-5')).catch((e: unknown) => e)
    expect(bedrock.requests[0].status).toBe(403)
    expect(bedrock.requests[0].rejection).toMatch(/signature/)
    expect(p.describeError(err)).toMatch(
      /^Amazon Bedrock error 403.*signature.*Check that the role may call bedrock:InvokeModelWithResponseStream/s,
    )
    expect(anthropic.requests).toHaveLength(0)
  })

  it('a Bedrock API key is sent as a bearer token, and a wrong one is refused', async () => {
    const bedrock = await startBedrockServer({
      anthropic: await upstream(reply('Keyed.')),
      region: 'us-east-1',
      bedrockApiKey: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl',
    })
    closers.push(bedrock.close)
    const ok = provider('bedrock', {
      AWS_REGION: 'us-east-1',
      ANTHROPIC_BEDROCK_BASE_URL: bedrock.url,
      AWS_BEARER_TOKEN_BEDROCK: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl',
    })
    await ok.prepare?.()
    expect(text(await ok.send(request('us.anthropic.claude-haiku-5-5')))).toBe('Keyed.')
    expect(bedrock.requests[0].model).toBe('us.anthropic.claude-haiku-5-5')
    const bad = provider('bedrock', {
      AWS_REGION: 'us-east-1',
      ANTHROPIC_BEDROCK_BASE_URL: bedrock.url,
      AWS_BEARER_TOKEN_BEDROCK: 'ABSK-wrong',
    })
    const err = await bad.send(request('us.anthropic.claude-haiku-5-5')).catch((e: unknown) => e)
    // Once the status, the cloud's request id, and a hint about the key (not about an IAM role).
    expect(bad.describeError(err)).toMatch(
      /^Amazon Bedrock error 403: Authentication failed: invalid API key \(path: \/model\/us\.anthropic\.claude-haiku-5-5\/invoke-with-response-stream\) \(request-id req-[\w-]+\)\. Check AWS_BEARER_TOKEN_BEDROCK/,
    )
  })

  it('an error in the stream and a 5xx come back as errors the loop can tell apart', async () => {
    const bedrock = await startBedrockServer({
      anthropic: await upstream([{ streamError: 'overloaded_error' }, { status: 500 }]),
      region: 'us-east-1',
      bedrockApiKey: 'ABSK-key-0123456789',
    })
    closers.push(bedrock.close)
    const p = provider('bedrock', {
      AWS_REGION: 'us-east-1',
      ANTHROPIC_BEDROCK_BASE_URL: bedrock.url,
      AWS_BEARER_TOKEN_BEDROCK: 'ABSK-key-0123456789',
    })
    const inStream = await p.send(request('global.anthropic.claude-sonnet-5-5')).catch((e: unknown) => e)
    expect(p.isStreamFailure(inStream)).toBe(true)
    const http = await p.send(request('global.anthropic.claude-sonnet-5-5')).catch((e: unknown) => e)
    expect(p.isStreamFailure(http)).toBe(false)
    expect(p.describeError(http)).toMatch(/^Amazon Bedrock error 503/)
  })

  it('no credentials anywhere: prepare stops the run with what to set, and nothing is sent', async () => {
    const bedrock = await startBedrockServer({
      anthropic: await upstream(reply('x')),
      region: 'us-east-1',
      credentials: AWS,
    })
    closers.push(bedrock.close)
    const p = provider('bedrock', { AWS_REGION: 'us-east-1', ANTHROPIC_BEDROCK_BASE_URL: bedrock.url })
    const err = await p.prepare!().catch((e: unknown) => e)
    expect(describeError(err)).toMatch(
      /found no AWS credentials[\s\S]*configure-aws-credentials[\s\S]*id-token: write[\s\S]*AWS_BEARER_TOKEN_BEDROCK/,
    )
    expect(bedrock.requests).toHaveLength(0)
  })
})

describe('Vertex AI', () => {
  for (const impersonate of [false, true]) {
    it(`Workload Identity Federation${impersonate ? ' with impersonation' : ''}: OIDC → STS${impersonate ? ' → IAM' : ''}, then streamRawPredict`, async () => {
      const tokens = await startGoogleTokenServer()
      closers.push(tokens.close)
      const vertex = await startVertexServer({
        anthropic: await upstream(reply('From Vertex.')),
        project: 'octo-project',
        region: 'us-east5',
        tokens,
      })
      closers.push(vertex.close)
      process.env.GOOGLE_APPLICATION_CREDENTIALS = await writeExternalAccountFile(
        path.join(dir, 'gha-creds-1.json'),
        tokens,
        { impersonate },
      )
      const secrets: string[] = []
      const p = provider(
        'vertex',
        {
          CLOUD_ML_REGION: 'us-east5',
          ANTHROPIC_VERTEX_PROJECT_ID: 'octo-project',
          ANTHROPIC_VERTEX_BASE_URL: vertex.url,
        },
        secrets,
      )
      await p.prepare?.()
      const m = await p.send(request(p.model('opus').id))
      expect(text(m)).toBe('From Vertex.')
      expect(tokens.requests.map((r) => r.path.split('?')[0])).toEqual([
        '/oidc/token',
        '/v1/token',
        ...(impersonate
          ? [`/v1/projects/-/serviceAccounts/${tokens.serviceAccount}:generateAccessToken`]
          : []),
      ])
      expect(vertex.requests.map((r) => [r.status, r.model])).toEqual([[200, 'claude-opus-5-5']])
      // The token Vertex got is the last one minted, and the redactor knows it.
      expect(vertex.requests[0].headers.authorization).toBe(`Bearer ${tokens.minted.at(-1)}`)
      expect(secrets).toContain(tokens.minted.at(-1))
    })
  }

  it('a bearer token the token service never minted is refused', async () => {
    const tokens = await startGoogleTokenServer()
    closers.push(tokens.close)
    const vertex = await startVertexServer({
      anthropic: await upstream(reply('x')),
      project: 'p',
      region: 'global',
      tokens,
    })
    closers.push(vertex.close)
    const res = await fetch(
      `${vertex.url}/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-5-5:streamRawPredict`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer ya29.forged', 'content-type': 'application/json' },
        body: JSON.stringify({ anthropic_version: 'vertex-2023-10-16', max_tokens: 1, messages: [] }),
      },
    )
    expect(res.status).toBe(401)
  })

  it('credentials that cannot be exchanged: prepare names google-github-actions/auth', async () => {
    const tokens = await startGoogleTokenServer()
    closers.push(tokens.close)
    const file = await writeExternalAccountFile(path.join(dir, 'gha-creds-2.json'), {
      ...tokens,
      requestToken: 'wrong',
    })
    process.env.GOOGLE_APPLICATION_CREDENTIALS = file
    const p = provider('vertex', {
      CLOUD_ML_REGION: 'global',
      ANTHROPIC_VERTEX_PROJECT_ID: 'p',
      ANTHROPIC_VERTEX_BASE_URL: `${tokens.url}/v1`,
    })
    const err = await p.prepare!().catch((e: unknown) => e)
    expect(describeError(err)).toMatch(/could not get Google credentials[\s\S]*google-github-actions\/auth/)
  })
})

describe('Microsoft Foundry', () => {
  it('a resource key goes as x-api-key; a wrong one is refused with what to check', async () => {
    const foundry = await startFoundryServer({
      anthropic: await upstream(reply('From Foundry.')),
      apiKey: 'foundry-key-0123456789',
    })
    closers.push(foundry.close)
    const p = provider('foundry', {
      ANTHROPIC_FOUNDRY_BASE_URL: foundry.url,
      ANTHROPIC_FOUNDRY_API_KEY: 'foundry-key-0123456789',
    })
    expect(text(await p.send(request(p.model('sonnet').id)))).toBe('From Foundry.')
    expect(foundry.requests[0]).toMatchObject({ status: 200, model: 'claude-sonnet-5-5' })
    const bad = provider('foundry', {
      ANTHROPIC_FOUNDRY_BASE_URL: foundry.url,
      ANTHROPIC_FOUNDRY_API_KEY: 'wrong-key-0123456789',
    })
    const err = await bad.send(request('claude-sonnet-5-5')).catch((e: unknown) => e)
    expect(bad.describeError(err)).toMatch(/^Microsoft Foundry error 401[\s\S]*ANTHROPIC_FOUNDRY_API_KEY/)
  })

  for (const proof of ['GitHub OIDC token', 'client secret'] as const) {
    it(`Entra ID by ${proof}: the token is minted once, sent as a bearer token, and redacted`, async () => {
      const entra = await startEntraTokenServer()
      closers.push(entra.close)
      const foundry = await startFoundryServer({ anthropic: await upstream(reply('Entra.')), entra })
      closers.push(foundry.close)
      if (proof === 'GitHub OIDC token')
        Object.assign(process.env, {
          ACTIONS_ID_TOKEN_REQUEST_URL: entra.oidcRequestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: entra.requestToken,
        })
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ANTHROPIC_FOUNDRY_BASE_URL: foundry.url,
        AZURE_CLIENT_ID: entra.clientId,
        AZURE_TENANT_ID: entra.tenant,
        AZURE_AUTHORITY_HOST: entra.url,
        ...(proof === 'client secret' ? { AZURE_CLIENT_SECRET: entra.clientSecret } : {}),
      }
      const secrets: string[] = []
      const p = provider('foundry', env, secrets)
      await p.prepare?.()
      expect(text(await p.send(request('claude-sonnet-5-5')))).toBe('Entra.')
      expect(text(await p.send(request('claude-sonnet-5-5')))).toBe('Entra.')
      expect(entra.minted).toHaveLength(1)
      expect(foundry.requests.map((r) => r.headers.authorization)).toEqual([
        `Bearer ${entra.minted[0]}`,
        `Bearer ${entra.minted[0]}`,
      ])
      // The Entra token, and the GitHub OIDC token it was exchanged for.
      expect(secrets.at(-1)).toBe(entra.minted[0])
      expect(secrets).toHaveLength(proof === 'client secret' ? 1 : 2)
      const paths = entra.requests.map((r) => r.path.split('?')[0])
      expect(paths).toEqual(
        proof === 'client secret'
          ? [`/${entra.tenant}/oauth2/v2.0/token`]
          : ['/oidc/token', `/${entra.tenant}/oauth2/v2.0/token`],
      )
    })
  }

  it('an Entra app Entra refuses: prepare says what to check', async () => {
    const entra = await startEntraTokenServer()
    closers.push(entra.close)
    const p = provider('foundry', {
      ANTHROPIC_FOUNDRY_RESOURCE: 'octo',
      AZURE_CLIENT_ID: entra.clientId,
      AZURE_TENANT_ID: entra.tenant,
      AZURE_AUTHORITY_HOST: entra.url,
      AZURE_CLIENT_SECRET: 'wrong-secret',
    })
    const err = await p.prepare!().catch((e: unknown) => e)
    expect(describeError(err)).toMatch(
      /could not get an Entra ID token: Entra ID answered 401: invalid_client[\s\S]*AZURE_CLIENT_ID/,
    )
  })
})

describe('what a cloud’s own errors say', () => {
  /** A server that answers every request with this status, body and headers. */
  async function answering(
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): Promise<string> {
    const http = await import('node:http')
    const server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers })
        res.end(body)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    closers.push(() => new Promise<void>((r) => server.close(() => r())))
    return `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`
  }

  it('Bedrock: an expired role session says to lengthen it, with the request id and the status once', async () => {
    const url = await answering(403, '{"message":"The security token included in the request is expired"}', {
      'x-amzn-errortype': 'ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/',
      'x-amzn-requestid': 'b7c0a9e2-1111-4222-8333-944455556666',
    })
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: AWS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
    })
    const p = provider('bedrock', { AWS_REGION: 'us-east-1', ANTHROPIC_BEDROCK_BASE_URL: url })
    const err = await p.send(request('global.anthropic.claude-sonnet-5-5')).catch((e: unknown) => e)
    expect(p.describeError(err)).toBe(
      'Amazon Bedrock error 403: The security token included in the request is expired (path: /model/global.anthropic.claude-sonnet-5-5/invoke-with-response-stream) (request-id b7c0a9e2-1111-4222-8333-944455556666). The AWS session expired during the run: give aws-actions/configure-aws-credentials a `role-duration-seconds` longer than the run (`timeout-minutes`), within the role’s maximum session duration.',
    )
  })

  it('Vertex AI: an error body that is a JSON array gives its message, not the JSON', async () => {
    const url = await answering(
      404,
      '[{"error":{"code":404,"message":"Publisher Model `claude-nope` not found.","status":"NOT_FOUND"}}]',
    )
    const tokens = await startGoogleTokenServer()
    closers.push(tokens.close)
    process.env.GOOGLE_APPLICATION_CREDENTIALS = await writeExternalAccountFile(
      path.join(dir, 'c.json'),
      tokens,
    )
    const p = provider('vertex', {
      CLOUD_ML_REGION: 'global',
      ANTHROPIC_VERTEX_PROJECT_ID: 'p',
      ANTHROPIC_VERTEX_BASE_URL: url,
    })
    const err = await p.send(request('claude-nope')).catch((e: unknown) => e)
    expect(p.describeError(err)).toMatch(
      /^Vertex AI error 404: Publisher Model `claude-nope` not found\. \(path: \/projects\/p\/locations\/global\/publishers\/anthropic\/models\/claude-nope:streamRawPredict\)\. Check the model id/,
    )
  })

  it('credentials that cannot be had mid-run are not a broken stream (not sent again), and say so', async () => {
    const bedrock = await startBedrockServer({
      anthropic: await upstream(reply('x')),
      region: 'us-east-1',
      credentials: AWS,
    })
    closers.push(bedrock.close)
    // No credentials at all, and prepare skipped: the SDK's request fails to resolve them.
    const p = provider('bedrock', { AWS_REGION: 'us-east-1', ANTHROPIC_BEDROCK_BASE_URL: bedrock.url })
    const err = await p.send(request('global.anthropic.claude-sonnet-5-5')).catch((e: unknown) => e)
    expect(p.isStreamFailure(err)).toBe(false)
    expect(p.describeError(err)).toMatch(
      /Failed to resolve AWS credentials[\s\S]*could not be resolved again during the run/,
    )
    expect(bedrock.requests).toHaveLength(0)
  })
})
