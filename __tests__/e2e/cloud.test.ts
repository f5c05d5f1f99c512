/**
 * The action on each cloud, end to end: `node dist/index.js` as the runner runs it, with the environment each
 * cloud's setup action leaves, against the loopback stand-in of that cloud's wire protocol. The model attacks
 * the cloud credentials (the credentials file in the workspace, the environment, /proc) while the happy path
 * still opens its PR, priced by the model's family.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AnthropicServer, ReplyStep } from '../support/anthropic-server.js'
import {
  startBedrockServer,
  startEntraTokenServer,
  startFoundryServer,
  startGoogleTokenServer,
  startVertexServer,
  writeExternalAccountFile,
  type CloudServer,
} from '../support/cloud-servers.js'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2, SLUGIFY_JS } from '../support/scripted-model.js'
import { act, API_KEY, botComments, type E2ERun } from './world.js'

const AWS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE-e2e-session-token',
}
const SONNET = { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 }

const bash = (command: string): ReplyStep => ({
  content: [{ type: 'tool_use', name: 'bash', input: { command } }],
})
const view = (file: string): ReplyStep => ({
  content: [
    { type: 'tool_use', name: 'str_replace_based_edit_tool', input: { command: 'view', path: file } },
  ],
})
const reversed = (s: string): string => [...s].reverse().join('')

/** What a model would try for the cloud's credentials: the setup action's file, the environment, /proc. */
const ATTACK = [
  bash(
    [
      'ls -a; cat gha-creds-*.json; echo cat=$?',
      'cat "$GOOGLE_APPLICATION_CREDENTIALS" 2>/dev/null; echo gac=$?',
      'env | grep -iE "aws|google|cloudsdk|azure|actions_id|foundry|vertex|bedrock|cloud_ml"; echo env-done',
      "for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f 2>/dev/null; done | grep -E 'AWS_|GOOGLE|AZURE|ACTIONS_ID|FOUNDRY' | rev; echo proc-scanned",
    ].join('\n'),
  ),
]

/** Every tool result the model was sent, as one string. */
function toolResults(run: E2ERun): string {
  const messages = (run.anthropic.scripted.at(-1)?.body?.messages ?? []) as Array<{
    role: string
    content: unknown
  }>
  return JSON.stringify(messages.filter((m) => m.role === 'user').slice(1))
}

/** The cost of every request the model stand-in answered, at these prices (USD per million tokens). */
function costOf(anthropic: AnthropicServer, p: typeof SONNET, factor = 1): number {
  let usd = 0
  for (const r of anthropic.scripted) {
    const u = r.usage!
    usd +=
      (u.input_tokens * p.input +
        u.cache_creation_input_tokens * p.cacheWrite +
        u.cache_read_input_tokens * p.cacheRead +
        u.output_tokens * p.output) *
      factor
  }
  return usd / 1e6
}

/** Everything a person or a later step sees of the run: the PR, the issue's comments, summary and outputs. */
function published(sb: Sandbox, run: E2ERun): string {
  return JSON.stringify([
    sb.github.state.pulls,
    sb.github.commentsOn(sb.issue.number),
    run.summary,
    run.outputs,
  ])
}

/** Settings that keep the SDKs' credential chains off every metadata address and away from this machine's files. */
const offline = (dir: string): Record<string, string> => ({
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
  METADATA_SERVER_DETECTION: 'none',
  CLOUDSDK_CONFIG: path.join(dir, 'no-gcloud'),
})

describe('e2e: Claude on the clouds', () => {
  let sb: Sandbox
  let dir: string
  const servers: Array<{ close(): Promise<void> }> = []
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
    await sb?.cleanup()
    if (dir) await rm(dir, { recursive: true, force: true })
  })
  const keep = <T extends { close(): Promise<void> }>(s: T): T => (servers.push(s), s)

  async function setUp(): Promise<void> {
    sb = await createSandbox()
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-cloud-'))
  }

  it('Bedrock with the role’s credentials from configure-aws-credentials: signed, cached, priced, never seen', async () => {
    await setUp()
    let bedrock!: CloudServer
    // A self-hosted runner's projected web identity token, outside the checkout (EKS puts it under /var/run).
    const tokenFile = path.join(dir, 'eks-token')
    const webIdentity = `eyJ-irsa-projected-token-${randomBytes(12).toString('hex')}`
    await writeFile(tokenFile, `${webIdentity}\n`)
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: [...ATTACK, bash(`cat ${tokenFile}; echo tokenfile=$?`), ...implementIssue2()],
      with: { provider: 'bedrock', 'anthropic-api-key': '', model: 'sonnet' },
      cloud: async (anthropic) => {
        bedrock = keep(
          await startBedrockServer({
            anthropic: { url: anthropic.url, apiKey: API_KEY },
            region: 'eu-west-1',
            credentials: AWS,
          }),
        )
        return {
          ...offline(dir),
          AWS_ACCESS_KEY_ID: AWS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
          AWS_SESSION_TOKEN: AWS.sessionToken,
          AWS_REGION: 'eu-west-1',
          AWS_DEFAULT_REGION: 'eu-west-1',
          AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
          ANTHROPIC_BEDROCK_BASE_URL: bedrock.url,
        }
      },
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBe(SLUGIFY_JS)
    expect(sb.github.state.pulls).toHaveLength(1)
    // Every request signed with the role's credentials and streamed back as an event stream.
    expect(bedrock.requests.length).toBe(run.anthropic.scripted.length)
    expect(new Set(bedrock.requests.map((r) => `${r.status} ${r.model}`))).toEqual(
      new Set(['200 global.anthropic.claude-sonnet-5-5']),
    )
    expect(bedrock.requests.every((r) => r.headers['x-amz-security-token'] === AWS.sessionToken)).toBe(true)
    // Caching works as on the Anthropic API, and the cost is sonnet's (the global profile: no surcharge).
    expect(run.anthropic.scripted.at(-1)?.usage?.cache_read_input_tokens).toBeGreaterThan(0)
    expect(Number(run.outputs['cost-usd'])).toBeCloseTo(costOf(run.anthropic, SONNET), 4)
    // The model never saw a credential, and nothing published holds one.
    const seen = toolResults(run)
    expect(seen).toContain('env-done')
    expect(seen).toContain('proc-scanned')
    expect(seen).toMatch(/tokenfile=[1-9]/)
    for (const secret of [AWS.secretAccessKey, AWS.sessionToken, AWS.accessKeyId, API_KEY, webIdentity]) {
      expect(seen).not.toContain(secret)
      expect(seen).not.toContain(reversed(secret))
      expect(published(sb, run)).not.toContain(secret)
    }
    expect(seen).not.toMatch(/AWS_REGION|ANTHROPIC_BEDROCK_BASE_URL/)
  })

  it('Vertex AI through google-github-actions/auth: its credentials file leaves the workspace for the run, is never committed, and comes back', async () => {
    await setUp()
    const name = `gha-creds-${randomBytes(8).toString('hex')}.json`
    const file = path.join(sb.workspace, name)
    let tokens!: Awaited<ReturnType<typeof startGoogleTokenServer>>
    let vertex!: CloudServer
    let written = ''
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: [...ATTACK, view(name), ...implementIssue2()],
      with: { provider: 'vertex', 'anthropic-api-key': '', model: 'sonnet' },
      cloud: async (anthropic) => {
        tokens = keep(await startGoogleTokenServer())
        vertex = keep(
          await startVertexServer({
            anthropic: { url: anthropic.url, apiKey: API_KEY },
            project: 'octo-project',
            region: 'us-east5',
            tokens,
          }),
        )
        await writeExternalAccountFile(file, tokens, { impersonate: true })
        written = await readFile(file, 'utf8')
        return {
          ...offline(dir),
          GOOGLE_APPLICATION_CREDENTIALS: file,
          GOOGLE_GHA_CREDS_PATH: file,
          CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE: file,
          GOOGLE_CLOUD_PROJECT: 'octo-project',
          CLOUD_ML_REGION: 'us-east5',
          ANTHROPIC_VERTEX_BASE_URL: vertex.url,
          ACTIONS_ID_TOKEN_REQUEST_URL: tokens.oidcRequestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: tokens.requestToken,
        }
      },
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(sb.github.state.pulls).toHaveLength(1)
    expect(vertex.requests.every((r) => r.status === 200 && r.model === 'claude-sonnet-5-5')).toBe(true)
    expect(tokens.requests.map((r) => r.path.split('?')[0]).slice(0, 3)).toEqual([
      '/oidc/token',
      '/v1/token',
      `/v1/projects/-/serviceAccounts/${tokens.serviceAccount}:generateAccessToken`,
    ])
    // us-east5 is a regional endpoint: 10% over the global price.
    expect(Number(run.outputs['cost-usd'])).toBeCloseTo(costOf(run.anthropic, SONNET, 1.1), 4)
    const seen = toolResults(run)
    expect(seen).toMatch(/cat=[1-9]/)
    expect(seen).toContain('proc-scanned')
    expect(seen).not.toContain('external_account')
    for (const secret of [tokens.requestToken, ...tokens.minted]) {
      expect(seen).not.toContain(secret)
      expect(seen).not.toContain(reversed(secret))
      expect(published(sb, run)).not.toContain(secret)
    }
    // Put back for the steps after this one, and on no branch.
    expect(await readFile(file, 'utf8')).toBe(written)
    expect(await sb.originFile('ISSUE-2', name)).toBeUndefined()
    expect(run.stdout).toContain(`Moved ${name} out of the workspace for the run.`)
    expect(run.state['cloud-files']).toBe('')
  })

  it('Foundry with Entra ID through GitHub’s OIDC token: no key anywhere, the minted token never seen', async () => {
    await setUp()
    let entra!: Awaited<ReturnType<typeof startEntraTokenServer>>
    let foundry!: CloudServer
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: [...ATTACK, ...implementIssue2()],
      with: { provider: 'foundry', 'anthropic-api-key': '', model: 'opus' },
      cloud: async (anthropic) => {
        entra = keep(await startEntraTokenServer())
        foundry = keep(
          await startFoundryServer({ anthropic: { url: anthropic.url, apiKey: API_KEY }, entra }),
        )
        return {
          ...offline(dir),
          ANTHROPIC_FOUNDRY_BASE_URL: foundry.url,
          AZURE_CLIENT_ID: entra.clientId,
          AZURE_TENANT_ID: entra.tenant,
          AZURE_AUTHORITY_HOST: entra.url,
          ACTIONS_ID_TOKEN_REQUEST_URL: entra.oidcRequestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: entra.requestToken,
        }
      },
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(sb.github.state.pulls).toHaveLength(1)
    expect(entra.minted).toHaveLength(1)
    expect(new Set(foundry.requests.map((r) => `${r.status} ${r.model} ${r.headers.authorization}`))).toEqual(
      new Set([`200 claude-opus-5-5 Bearer ${entra.minted[0]}`]),
    )
    const seen = toolResults(run)
    for (const secret of [entra.requestToken, entra.minted[0]]) {
      expect(seen).not.toContain(secret)
      expect(seen).not.toContain(reversed(secret))
      expect(published(sb, run)).not.toContain(secret)
    }
    expect(seen).not.toMatch(/AZURE_CLIENT_ID|ANTHROPIC_FOUNDRY/)
  })

  it('no credentials: the run stops before the model, and the issue says what to set', async () => {
    await setUp()
    let bedrock!: CloudServer
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2(),
      with: { provider: 'bedrock', 'anthropic-api-key': '' },
      cloud: async (anthropic) => {
        bedrock = keep(
          await startBedrockServer({
            anthropic: { url: anthropic.url, apiKey: API_KEY },
            region: 'us-east-1',
            credentials: AWS,
          }),
        )
        return { ...offline(dir), AWS_REGION: 'us-east-1', ANTHROPIC_BEDROCK_BASE_URL: bedrock.url }
      },
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.outputs.status).toBe('failed')
    expect(bedrock.requests).toHaveLength(0)
    expect(run.anthropic.requests).toHaveLength(0)
    expect(sb.github.state.pulls).toHaveLength(0)
    const said = botComments(sb).at(-1) ?? ''
    expect(said).toContain('found no AWS credentials')
    expect(said).toContain('aws-actions/configure-aws-credentials')
    expect(said).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('a cloud setting missing: the issue names the variable', async () => {
    await setUp()
    await writeFile(path.join(dir, 'x'), '')
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2(),
      with: { provider: 'vertex', 'anthropic-api-key': '' },
      env: { ...offline(dir), ANTHROPIC_VERTEX_PROJECT_ID: 'octo-project' },
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.anthropic.requests).toHaveLength(0)
    expect(botComments(sb).at(-1)).toContain('`CLOUD_ML_REGION`')
  })
})
