/**
 * Loopback stand-ins for the clouds that serve Claude, each speaking its own wire protocol in front of the
 * Anthropic stand-in (anthropic-server.ts), which still runs the script, checks the request and counts the cache:
 * - Amazon Bedrock: `POST /model/{id}/invoke-with-response-stream`, SigV4 checked by this file's own
 *   implementation (or a Bedrock API key as a bearer token), the answer in AWS event-stream frames;
 * - Vertex AI: `POST /v1/projects/{p}/locations/{r}/publishers/anthropic/models/{id}:streamRawPredict` with a
 *   bearer token the Google token stand-in minted (GitHub OIDC → STS → IAM impersonation, as Workload Identity
 *   Federation goes);
 * - Microsoft Foundry: `POST /anthropic/v1/messages` with `x-api-key` or an Entra token (client credentials, by
 *   a secret or a GitHub OIDC token as the client assertion).
 */
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { crc32 } from 'node:zlib'

export interface CloudRequest {
  method: string
  path: string
  headers: http.IncomingHttpHeaders
  /** The model id the route named (Bedrock, Vertex AI) or the body carried (Foundry). */
  model?: string
  status: number
  rejection?: string
  /** The form or JSON body of a token request. */
  form?: Record<string, string>
}

export interface CloudServer {
  url: string
  requests: CloudRequest[]
  close(): Promise<void>
}

/** Where the cloud forwards to: the Anthropic stand-in and its key. */
export interface Upstream {
  url: string
  apiKey: string
}

type Handler = (
  req: http.IncomingMessage,
  body: string,
  res: http.ServerResponse,
  rec: CloudRequest,
) => Promise<void>

/** An HTTP server on 127.0.0.1 that records each request and hands it, with its whole body, to `handle`. */
async function serve(
  handle: Handler,
): Promise<{ url: string; requests: CloudRequest[]; close(): Promise<void> }> {
  const requests: CloudRequest[] = []
  const sockets = new Set<import('node:net').Socket>()
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const rec: CloudRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        status: 0,
      }
      requests.push(rec)
      res.on('finish', () => (rec.status = res.statusCode))
      handle(req, Buffer.concat(chunks).toString('utf8'), res, rec).catch((err: unknown) => {
        rec.rejection = `stand-in crashed: ${String(err)}`
        if (!res.headersSent) json(res, 500, { message: rec.rejection })
        else res.destroy()
      })
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

function json(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

const token = (prefix: string): string => `${prefix}${randomBytes(18).toString('base64url')}`

/** Sends a Messages body to the Anthropic stand-in, as the cloud's front end does. */
function forward(upstream: Upstream, body: Record<string, unknown>, model: string): Promise<Response> {
  const { anthropic_version: version, anthropic_beta: beta, ...rest } = body
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${upstream.apiKey}`,
    'anthropic-version': String(version ?? ''),
  }
  if (Array.isArray(beta)) headers['anthropic-beta'] = beta.join(',')
  return fetch(`${upstream.url}/v1/messages`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...rest, model, stream: true }),
  })
}

/** The events of an SSE body, as they arrive. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const decoder = new TextDecoder()
  let buffer = ''
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true })
    let at: number
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, at)
      buffer = buffer.slice(at + 2)
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message'
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? ''
      yield { event, data }
    }
  }
}

/** Passes an upstream SSE answer (or its error) through unchanged. */
async function pipeSse(up: Response, res: http.ServerResponse): Promise<void> {
  const headers: Record<string, string> = {
    'content-type': up.headers.get('content-type') ?? 'application/json',
  }
  res.writeHead(up.status, headers)
  if (up.body) for await (const chunk of up.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk)
  res.end()
}

// ---------------------------------------------------------------------------------------------------------
// Amazon Bedrock

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/** Bedrock's runtime endpoint. Give `url` as ANTHROPIC_BEDROCK_BASE_URL. */
export async function startBedrockServer(o: {
  anthropic: Upstream
  region: string
  credentials?: AwsCredentials
  bedrockApiKey?: string
}): Promise<CloudServer> {
  return serve(async (req, raw, res, rec) => {
    const m = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec((req.url ?? '').split('?')[0])
    const refuse = (status: number, type: string, message: string): void => {
      rec.rejection = message
      json(
        res,
        status,
        { message },
        {
          'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
          'x-amzn-requestid': token('req-'),
        },
      )
    }
    if (req.method !== 'POST' || !m)
      return refuse(404, 'UnknownOperationException', `no route ${req.method} ${req.url}`)
    rec.model = decodeURIComponent(m[1])
    const auth = checkBedrockAuth(req, raw, o)
    if (auth) return refuse(auth.status, auth.type, auth.message)
    if (m[2] === 'invoke') return refuse(400, 'ValidationException', 'this stand-in only streams')
    const body = JSON.parse(raw) as Record<string, unknown>
    if ('model' in body || 'stream' in body)
      return refuse(400, 'ValidationException', 'model and stream belong in the path, not the body')
    // The runtime API takes the version in the body (the client moves it there from its header).
    if (
      typeof body.anthropic_version !== 'string' ||
      !body.anthropic_version ||
      req.headers['anthropic-version']
    )
      return refuse(400, 'ValidationException', 'anthropic_version belongs in the body, and only there')
    const up = await forward(o.anthropic, body, rec.model)
    if (up.status !== 200) {
      const error = ((await up.json().catch(() => ({}))) as { error?: { message?: string } }).error
      const [status, type] =
        up.status === 429
          ? [429, 'ThrottlingException']
          : up.status >= 500
            ? [503, 'ServiceUnavailableException']
            : [400, 'ValidationException']
      return refuse(status, type, error?.message ?? `upstream ${up.status}`)
    }
    res.writeHead(200, {
      'content-type': 'application/vnd.amazon.eventstream',
      'x-amzn-requestid': token(''),
    })
    for await (const { event, data } of sseEvents(up.body!)) {
      if (event === 'ping') continue
      if (event === 'error') {
        const error = (JSON.parse(data) as { error?: { type?: string; message?: string } }).error
        const kind =
          error?.type === 'overloaded_error' ? 'serviceUnavailableException' : 'internalServerException'
        res.write(
          eventFrame(
            { ':message-type': 'exception', ':exception-type': kind, ':content-type': 'application/json' },
            JSON.stringify({ message: error?.message ?? 'error' }),
          ),
        )
        continue
      }
      const bytes = Buffer.from(data).toString('base64')
      res.write(
        eventFrame(
          { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
          JSON.stringify({ bytes, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123' }),
        ),
      )
    }
    res.end()
  })
}

/** Undefined when the request is authorized: a Bedrock API key as a bearer token, or a good SigV4 signature. */
function checkBedrockAuth(
  req: http.IncomingMessage,
  raw: string,
  o: { region: string; credentials?: AwsCredentials; bedrockApiKey?: string },
): { status: number; type: string; message: string } | undefined {
  const auth = req.headers.authorization ?? ''
  if (auth.startsWith('Bearer ')) {
    if (o.bedrockApiKey && auth === `Bearer ${o.bedrockApiKey}`) return undefined
    return { status: 403, type: 'AccessDeniedException', message: 'Authentication failed: invalid API key' }
  }
  if (!o.credentials)
    return { status: 403, type: 'AccessDeniedException', message: 'SigV4 is not accepted here' }
  const why = sigV4Mismatch(req, raw, o.credentials, o.region, 'bedrock')
  if (why)
    return {
      status: 403,
      type: 'InvalidSignatureException',
      message: `The request signature we calculated does not match the signature you provided (${why}).`,
    }
  return undefined
}

/** Why a SigV4-signed request does not verify, or undefined when it does (AWS's algorithm, written out here). */
export function sigV4Mismatch(
  req: http.IncomingMessage,
  body: string,
  c: AwsCredentials,
  region: string,
  service: string,
): string | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      req.headers.authorization ?? '',
    )
  if (!m) return 'malformed Authorization header'
  const [, keyId, date, scopeRegion, scopeService, signedHeaders, signature] = m
  if (keyId !== c.accessKeyId) return 'unknown access key id'
  if (scopeRegion !== region || scopeService !== service) return `scope ${scopeRegion}/${scopeService}`
  const amzDate = String(req.headers['x-amz-date'] ?? '')
  if (!amzDate.startsWith(date)) return 'x-amz-date does not match the scope'
  if (c.sessionToken !== undefined && req.headers['x-amz-security-token'] !== c.sessionToken)
    return 'x-amz-security-token'
  const names = signedHeaders.split(';')
  if (!names.includes('host') || !names.includes('x-amz-date')) return 'host and x-amz-date must be signed'
  const payloadHash = createHash('sha256').update(body).digest('hex')
  const declared = req.headers['x-amz-content-sha256']
  if (declared !== undefined && declared !== payloadHash) return 'x-amz-content-sha256'
  const [rawPath, query = ''] = (req.url ?? '').split('?')
  const canonicalUri = rawPath.split('/').map(uriEscape).join('/')
  const canonicalQuery = query
    .split('&')
    .filter(Boolean)
    .map((kv) => kv.split('=').map((s) => uriEscape(decodeURIComponent(s))) as [string, string?])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&')
  const headerLines = names.map((n) => {
    const v = req.headers[n]
    return `${n}:${(Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ')}\n`
  })
  const canonical = [
    req.method,
    canonicalUri,
    canonicalQuery,
    headerLines.join(''),
    signedHeaders,
    payloadHash,
  ].join('\n')
  const scope = `${date}/${region}/${service}/aws4_request`
  const toSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonical).digest('hex'),
  ].join('\n')
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${c.secretAccessKey}`, date), region), service), 'aws4_request')
  const expected = createHmac('sha256', kSigning).update(toSign).digest('hex')
  return expected === signature ? undefined : 'signature'
}

/** RFC 3986 encoding of one path segment or query part, as SigV4 wants it (so `%3A` becomes `%253A`). */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** One AWS event-stream message: prelude (lengths and their CRC), string headers, payload, message CRC. */
export function eventFrame(headers: Record<string, string>, payload: string): Buffer {
  const headerBytes = Buffer.concat(
    Object.entries(headers).map(([name, value]) => {
      const n = Buffer.from(name)
      const v = Buffer.from(value)
      const head = Buffer.alloc(1 + n.length + 1 + 2)
      head.writeUInt8(n.length, 0)
      n.copy(head, 1)
      head.writeUInt8(7, 1 + n.length) // string
      head.writeUInt16BE(v.length, 2 + n.length)
      return Buffer.concat([head, v])
    }),
  )
  const body = Buffer.from(payload)
  const total = 12 + headerBytes.length + body.length + 4
  const prelude = Buffer.alloc(12)
  prelude.writeUInt32BE(total, 0)
  prelude.writeUInt32BE(headerBytes.length, 4)
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8)
  const message = Buffer.concat([prelude, headerBytes, body])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(message), 0)
  return Buffer.concat([message, crc])
}

// ---------------------------------------------------------------------------------------------------------
// GitHub's OIDC token endpoint (what `permissions: id-token: write` gives a job)

/** GitHub's OIDC token request endpoint: routes of a server that mints JWT-shaped tokens per audience. */
function oidcRoutes(requestToken: string, issued: Map<string, string>) {
  return (req: http.IncomingMessage, res: http.ServerResponse, rec: CloudRequest): boolean => {
    const url = new URL(req.url ?? '', 'http://x')
    if (req.method !== 'GET' || url.pathname !== '/oidc/token') return false
    if (req.headers.authorization !== `Bearer ${requestToken}`) {
      rec.rejection = 'bad request token'
      json(res, 401, { message: 'bad request token' })
      return true
    }
    const audience = url.searchParams.get('audience') ?? ''
    const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url')
    const jwt = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ aud: audience, iss: 'https://token.actions.githubusercontent.com', sub: 'repo:octo-org/octo-repo:ref:refs/heads/main', jti: token('') })}.${randomBytes(32).toString('base64url')}`
    issued.set(jwt, audience)
    json(res, 200, { value: jwt })
    return true
  }
}

function form(raw: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(raw))
}

// ---------------------------------------------------------------------------------------------------------
// Google: STS, IAM credentials, Vertex AI

export interface GoogleTokenServer {
  url: string
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  requestToken: string
  /** ACTIONS_ID_TOKEN_REQUEST_URL */
  oidcRequestUrl: string
  audience: string
  serviceAccount: string
  /** Every token minted (STS and IAM), in order. */
  minted: string[]
  requests: CloudRequest[]
  isValidAccessToken(t: string): boolean
  close(): Promise<void>
}

export async function startGoogleTokenServer(
  o: { audience?: string; serviceAccount?: string } = {},
): Promise<GoogleTokenServer> {
  const requestToken = token('gh-request-')
  const audience =
    o.audience ??
    '//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/github/providers/octo'
  const serviceAccount = o.serviceAccount ?? 'implement@octo-project.iam.gserviceaccount.com'
  const issued = new Map<string, string>()
  const sts = new Set<string>()
  const access = new Set<string>()
  const minted: string[] = []
  const oidc = oidcRoutes(requestToken, issued)
  const server = await serve(async (req, raw, res, rec) => {
    if (oidc(req, res, rec)) return
    const url = new URL(req.url ?? '', 'http://x')
    if (req.method === 'POST' && url.pathname === '/v1/token') {
      const f = (rec.form = form(raw))
      const ok =
        f.grant_type === 'urn:ietf:params:oauth:grant-type:token-exchange' &&
        f.subject_token_type === 'urn:ietf:params:oauth:token-type:jwt' &&
        f.audience === audience &&
        issued.has(f.subject_token ?? '')
      if (!ok) {
        rec.rejection = 'bad token exchange'
        return json(res, 400, { error: 'invalid_grant', error_description: 'bad token exchange' })
      }
      const t = token('sts-')
      sts.add(t)
      access.add(t)
      minted.push(t)
      return json(res, 200, {
        access_token: t,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      })
    }
    const imp = /^\/v1\/projects\/-\/serviceAccounts\/([^:]+):generateAccessToken$/.exec(url.pathname)
    if (req.method === 'POST' && imp) {
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      if (!sts.has(bearer) || decodeURIComponent(imp[1]) !== serviceAccount) {
        rec.rejection = 'impersonation refused'
        return json(res, 403, {
          error: { code: 403, message: 'impersonation refused', status: 'PERMISSION_DENIED' },
        })
      }
      const t = token('ya29.')
      access.add(t)
      minted.push(t)
      return json(res, 200, { accessToken: t, expireTime: new Date(Date.now() + 3600_000).toISOString() })
    }
    rec.rejection = 'no route'
    json(res, 404, { error: { code: 404, message: 'no route', status: 'NOT_FOUND' } })
  })
  return {
    ...server,
    requestToken,
    oidcRequestUrl: `${server.url}/oidc/token?api-version=2.0`,
    audience,
    serviceAccount,
    minted,
    isValidAccessToken: (t) => access.has(t),
  }
}

/**
 * The credentials file google-github-actions/auth writes for Workload Identity Federation (type
 * `external_account`, the subject token from GitHub's OIDC endpoint), pointing at the stand-in. Returns `file`.
 */
export async function writeExternalAccountFile(
  file: string,
  t: GoogleTokenServer,
  o: { impersonate?: boolean } = {},
): Promise<string> {
  const content = {
    type: 'external_account',
    audience: t.audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${t.url}/v1/token`,
    credential_source: {
      url: `${t.oidcRequestUrl}&audience=${encodeURIComponent(`https:${t.audience}`)}`,
      headers: { Authorization: `Bearer ${t.requestToken}` },
      format: { type: 'json', subject_token_field_name: 'value' },
    },
    ...(o.impersonate
      ? {
          service_account_impersonation_url: `${t.url}/v1/projects/-/serviceAccounts/${t.serviceAccount}:generateAccessToken`,
        }
      : {}),
  }
  await writeFile(file, JSON.stringify(content, null, 2))
  return file
}

/** Vertex AI's endpoint. Give `url` (ending in `/v1`) as ANTHROPIC_VERTEX_BASE_URL. */
export async function startVertexServer(o: {
  anthropic: Upstream
  project: string
  region: string
  tokens: GoogleTokenServer
}): Promise<CloudServer> {
  const server = await serve(async (req, raw, res, rec) => {
    const refuse = (code: number, status: string, message: string): void => {
      rec.rejection = message
      json(res, code, { error: { code, message, status } })
    }
    const m =
      /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/:]+):(streamRawPredict|rawPredict)$/.exec(
        (req.url ?? '').split('?')[0],
      )
    if (req.method !== 'POST' || !m) return refuse(404, 'NOT_FOUND', `no route ${req.method} ${req.url}`)
    rec.model = decodeURIComponent(m[3])
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    if (!o.tokens.isValidAccessToken(bearer))
      return refuse(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.')
    if (m[1] !== o.project || m[2] !== o.region)
      return refuse(404, 'NOT_FOUND', `Publisher model not found in projects/${m[1]}/locations/${m[2]}`)
    if (m[4] !== 'streamRawPredict') return refuse(400, 'INVALID_ARGUMENT', 'this stand-in only streams')
    const body = JSON.parse(raw) as Record<string, unknown>
    if ('model' in body) return refuse(400, 'INVALID_ARGUMENT', 'model belongs in the path')
    if (
      typeof body.anthropic_version !== 'string' ||
      !body.anthropic_version ||
      req.headers['anthropic-version']
    )
      return refuse(400, 'INVALID_ARGUMENT', 'anthropic_version belongs in the body, and only there')
    await pipeSse(await forward(o.anthropic, body, rec.model), res)
  })
  return { ...server, url: `${server.url}/v1` }
}

// ---------------------------------------------------------------------------------------------------------
// Microsoft Entra ID and Foundry

export interface EntraTokenServer {
  /** The authority host (AZURE_AUTHORITY_HOST). */
  url: string
  tenant: string
  clientId: string
  clientSecret: string
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  requestToken: string
  /** ACTIONS_ID_TOKEN_REQUEST_URL */
  oidcRequestUrl: string
  minted: string[]
  requests: CloudRequest[]
  isValidAccessToken(t: string): boolean
  close(): Promise<void>
}

export async function startEntraTokenServer(
  o: { tenant?: string; clientId?: string } = {},
): Promise<EntraTokenServer> {
  const tenant = o.tenant ?? '72f988bf-0000-4000-8000-000000000001'
  const clientId = o.clientId ?? '0b1c2d3e-0000-4000-8000-000000000002'
  const clientSecret = token('entra-secret-')
  const requestToken = token('gh-request-')
  const issued = new Map<string, string>()
  const minted: string[] = []
  const oidc = oidcRoutes(requestToken, issued)
  const server = await serve(async (req, raw, res, rec) => {
    if (oidc(req, res, rec)) return
    if (req.method !== 'POST' || req.url !== `/${tenant}/oauth2/v2.0/token`) {
      rec.rejection = 'no route'
      return json(res, 404, { error: 'not_found' })
    }
    const f = (rec.form = form(raw))
    const proved =
      f.client_secret !== undefined
        ? f.client_secret === clientSecret
        : f.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
          issued.get(f.client_assertion ?? '') === 'api://AzureADTokenExchange'
    if (
      f.grant_type !== 'client_credentials' ||
      f.client_id !== clientId ||
      f.scope !== 'https://ai.azure.com/.default' ||
      !proved
    ) {
      rec.rejection = 'invalid_client'
      return json(res, 401, {
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret or assertion.',
      })
    }
    const t = token('eyJ0eXAiOiJKV1Qi.entra-')
    minted.push(t)
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: t })
  })
  return {
    ...server,
    tenant,
    clientId,
    clientSecret,
    requestToken,
    oidcRequestUrl: `${server.url}/oidc/token?api-version=2.0`,
    minted,
    isValidAccessToken: (t) => minted.includes(t),
  }
}

/** Foundry's endpoint. Give `url` (ending in `/anthropic`) as ANTHROPIC_FOUNDRY_BASE_URL. */
export async function startFoundryServer(o: {
  anthropic: Upstream
  apiKey?: string
  entra?: EntraTokenServer
}): Promise<CloudServer> {
  const server = await serve(async (req, raw, res, rec) => {
    const refuse = (status: number, code: string, message: string): void => {
      rec.rejection = message
      json(res, status, { error: { code, message } })
    }
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/anthropic/v1/messages')
      return refuse(404, 'NotFound', `no route ${req.method} ${req.url}`)
    const key = req.headers['x-api-key']
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    const ok = (o.apiKey !== undefined && key === o.apiKey) || (o.entra?.isValidAccessToken(bearer) ?? false)
    if (!ok)
      return refuse(
        401,
        'PermissionDenied',
        'Access denied due to invalid subscription key or wrong API endpoint.',
      )
    const body = JSON.parse(raw) as Record<string, unknown>
    rec.model = String(body.model)
    const version = req.headers['anthropic-version']
    await pipeSse(await forward(o.anthropic, { ...body, anthropic_version: version }, rec.model), res)
  })
  return { ...server, url: `${server.url}/anthropic` }
}
