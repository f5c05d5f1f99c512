/**
 * A scripted stand-in for the Anthropic Messages API: a real HTTP server on 127.0.0.1 that speaks the same
 * server-sent events as the real API, validates requests the way the real API would reject them, and computes
 * usage (including an honest prompt-cache simulation) instead of taking it from the script.
 */
import { createHmac, randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export type ScriptBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id?: string; name: string; input: unknown }
  /** Streamed as the API streams thinking; its signature is minted from the conversation before it. */
  | { type: 'thinking'; thinking: string }
  | { type: 'redacted_thinking'; data: string }

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal'

/** A normal streamed reply. stop_reason defaults to 'tool_use' when a tool_use block is present, else 'end_turn'. */
export interface ReplyStep {
  content: ScriptBlock[]
  stop_reason?: StopReason
  /** Wait this long before answering (the client may abort meanwhile). */
  delayMs?: number
}

/** An HTTP error before any streaming, shaped like the real API's. */
export interface FaultStep {
  status: 429 | 529 | 500
  retryAfterMs?: number
  delayMs?: number
}

/** Starts the stream (message_start and part of a text block), then sends `event: error`. */
export interface StreamErrorStep {
  streamError: 'overloaded_error' | 'api_error'
  delayMs?: number
}

/** Starts the stream, then drops the connection (a reset in the middle of a response). */
export interface DropStep {
  drop: true
  delayMs?: number
}

export type ScriptStep = ReplyStep | FaultStep | StreamErrorStep | DropStep

/** The parsed request body, loosely typed: tests inspect whatever they need. */
export type RequestBody = Record<string, any>

export type Script = ScriptStep[] | ((body: RequestBody, index: number) => ScriptStep)

export interface ComputedUsage {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  output_tokens: number
}

export interface RecordedRequest {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  /** Parsed JSON body (undefined when the body was not JSON). */
  body: RequestBody | undefined
  /** HTTP status answered. */
  status: number
  /** Index of the script step used, or -1 when the request was rejected before reaching the script. */
  step: number
  /** Usage reported for a streamed reply. */
  usage?: ComputedUsage
  /** The 400 message, when rejected. */
  rejection?: string
}

export interface AnthropicServer {
  /** Base URL to give the SDK (`baseURL`). */
  url: string
  requests: RecordedRequest[]
  /** Requests that reached the script (i.e. not rejected as invalid). */
  readonly scripted: RecordedRequest[]
  close(): Promise<void>
}

export interface AnthropicServerOptions {
  /** When set, `Authorization: Bearer <apiKey>` must match exactly (else 401). */
  apiKey?: string
  /** Prefixes shorter than this many tokens are never cached (the real API: 1024–4096 by model). Default 0. */
  minCacheableTokens?: number
  /** Characters per token for the usage estimate. Default 4. */
  charsPerToken?: number
  /** The loopback port to listen on; default a free one. */
  port?: number
}

const MAX_BREAKPOINTS = 4
/** The real API looks back this many blocks before each breakpoint for an earlier cache entry. */
const CACHE_LOOKBACK_BLOCKS = 20

/** Starts the stand-in on 127.0.0.1, on `options.port` or an OS-chosen port. */
export async function startAnthropicServer(
  script: Script,
  options: AnthropicServerOptions = {},
): Promise<AnthropicServer> {
  const requests: RecordedRequest[] = []
  const cached = new Set<string>()
  const charsPerToken = options.charsPerToken ?? 4
  let stepIndex = 0
  const sockets = new Set<import('node:net').Socket>()

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent)
          sendError(res, 500, 'api_error', `anthropic-server crashed: ${String(err)}`, false)
        else res.destroy()
      })
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const record: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: undefined,
      status: 0,
      step: -1,
    }
    requests.push(record)
    const reject = (status: number, type: string, message: string): void => {
      record.status = status
      record.rejection = message
      sendError(res, status, type, message, false)
    }

    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/messages') {
      return reject(404, 'not_found_error', `anthropic-server: no route for ${req.method} ${req.url}`)
    }
    const auth = req.headers['authorization']
    if (typeof auth !== 'string' || !/^Bearer \S+$/.test(auth)) {
      return reject(401, 'authentication_error', 'Missing or malformed Authorization: Bearer header')
    }
    if (options.apiKey !== undefined && auth !== `Bearer ${options.apiKey}`) {
      return reject(401, 'authentication_error', 'invalid x-api-key')
    }
    if (!req.headers['anthropic-version']) {
      return reject(400, 'invalid_request_error', 'anthropic-version: header is required')
    }
    let body: RequestBody
    try {
      body = JSON.parse(raw) as RequestBody
    } catch {
      return reject(400, 'invalid_request_error', 'Request body is not valid JSON')
    }
    record.body = body
    const invalid = validate(body)
    if (invalid) return reject(400, 'invalid_request_error', invalid)

    const index = stepIndex++
    record.step = index
    let step: ScriptStep | undefined
    if (typeof script === 'function') step = script(body, index)
    else step = script[index]
    if (!step) {
      const count = Array.isArray(script) ? script.length : index
      record.status = 500
      record.rejection = `script exhausted after ${count} step(s)`
      return sendError(
        res,
        500,
        'api_error',
        `anthropic-server: script exhausted — request #${index + 1} has no scripted step (script has ${count})`,
        false,
      )
    }

    if (step.delayMs) {
      const closed = await delay(step.delayMs, res)
      if (closed) {
        record.status = 499
        return
      }
    }

    if ('status' in step) {
      record.status = step.status
      const type =
        step.status === 429 ? 'rate_limit_error' : step.status === 529 ? 'overloaded_error' : 'api_error'
      const message =
        step.status === 429
          ? 'Number of request tokens has exceeded your per-minute rate limit'
          : step.status === 529
            ? 'Overloaded'
            : 'Internal server error'
      return sendError(res, step.status, type, message, true, step.retryAfterMs)
    }

    const usage = computeUsage(body)
    record.usage = usage
    record.status = 200
    const model = typeof body.model === 'string' ? body.model : 'unknown'
    const sse = startStream(res)
    sse('message_start', {
      type: 'message_start',
      message: {
        id: `msg_${randomBytes(12).toString('hex')}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    })
    sse('ping', { type: 'ping' })

    if ('streamError' in step) {
      sse('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      })
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'Let me ' },
      })
      sse('error', {
        type: 'error',
        error: {
          type: step.streamError,
          message: step.streamError === 'overloaded_error' ? 'Overloaded' : 'Internal',
        },
      })
      res.end()
      return
    }
    if ('drop' in step) {
      sse('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      })
      await new Promise((r) => setTimeout(r, 10))
      res.socket?.destroy()
      return
    }

    step.content.forEach((block, index) => {
      if (block.type === 'thinking' || block.type === 'redacted_thinking') {
        streamThinking(sse, block, index, body)
      } else if (block.type === 'text') {
        sse('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'text', text: '' },
        })
        for (const part of split(block.text, 3)) {
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'text_delta', text: part },
          })
        }
      } else {
        const id = block.id ?? `toolu_${randomBytes(12).toString('hex')}`
        sse('content_block_start', {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id, name: block.name, input: {} },
        })
        // The real API opens with an empty partial_json, then sends the JSON in arbitrary slices.
        for (const part of ['', ...split(JSON.stringify(block.input ?? {}), 4)]) {
          sse('content_block_delta', {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: part },
          })
        }
      }
      sse('content_block_stop', { type: 'content_block_stop', index })
    })
    const stopReason =
      step.stop_reason ?? (step.content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn')
    usage.output_tokens = Math.max(1, Math.ceil(JSON.stringify(step.content).length / charsPerToken))
    const thought = step.content.reduce((n, b) => n + (b.type === 'thinking' ? b.thinking.length : 0), 0)
    sse('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
        // Part of output_tokens, as the API counts it.
        ...(thought
          ? { output_tokens_details: { thinking_tokens: Math.ceil(thought / charsPerToken) } }
          : {}),
      },
    })
    sse('message_stop', { type: 'message_stop' })
    res.end()
  }

  /** The checks the real API makes that matter to our client. Returns the 400 message, or undefined. */
  function validate(body: RequestBody): string | undefined {
    if (body.stream !== true)
      return 'anthropic-server: this stand-in only serves streamed requests (stream: true)'
    if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required'
    if (typeof body.model !== 'string' || !body.model) return 'model: Field required'
    if ('temperature' in body) return 'anthropic-server: temperature must not be sent by this client'
    if (!Array.isArray(body.messages) || body.messages.length === 0)
      return 'messages: at least one message is required'
    const thinking = validateThinking(body)
    if (thinking) return thinking
    const breakpoints = countBreakpoints(body)
    if (breakpoints > MAX_BREAKPOINTS) {
      return `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${breakpoints}.`
    }
    // tool_use / tool_result pairing, as the real API enforces it.
    const messages = body.messages as Array<{ role: string; content: unknown }>
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]
      if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: must be user or assistant`
      if (m.role !== 'assistant' || !Array.isArray(m.content)) continue
      const ids = (m.content as Array<{ type: string; id?: string }>)
        .filter((b) => b.type === 'tool_use')
        .map((b) => b.id)
      if (ids.length === 0) continue
      const next = messages[i + 1]
      if (!next) continue // a trailing assistant turn (continuation) is allowed
      const results = Array.isArray(next.content)
        ? (next.content as Array<{ type: string; tool_use_id?: string }>)
            .filter((b) => b.type === 'tool_result')
            .map((b) => b.tool_use_id)
        : []
      for (const id of ids) {
        if (!results.includes(id)) {
          return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${id}`
        }
      }
    }
    return undefined
  }

  /** Splits the request into cacheable blocks in API order: tools, system, then each message's content blocks. */
  function blocks(body: RequestBody): Array<{ key: string; breakpoint: boolean }> {
    const out: Array<{ key: string; breakpoint: boolean }> = []
    const push = (value: unknown, label: string): void => {
      const v = value as { cache_control?: unknown }
      const breakpoint = typeof v === 'object' && v !== null && v.cache_control != null
      out.push({ key: `${label}:${stableJson(stripCacheControl(value))}`, breakpoint })
    }
    for (const tool of (body.tools as unknown[] | undefined) ?? []) push(tool, 'tool')
    if (typeof body.system === 'string') push({ type: 'text', text: body.system }, 'system')
    else for (const b of (body.system as unknown[] | undefined) ?? []) push(b, 'system')
    for (const m of body.messages as Array<{ role: string; content: unknown }>) {
      if (typeof m.content === 'string') push({ type: 'text', text: m.content }, m.role)
      else for (const b of m.content as unknown[]) push(b, m.role)
    }
    // Automatic caching: a top-level cache_control puts a breakpoint on the last block.
    if (body.cache_control != null && out.length > 0) out[out.length - 1].breakpoint = true
    return out
  }

  function computeUsage(body: RequestBody): ComputedUsage {
    const list = blocks(body)
    const prefixTokens: number[] = []
    const prefixKeys: string[] = []
    let chars = 0
    let key = ''
    for (const b of list) {
      chars += b.key.length
      key += `\u0000${b.key}`
      prefixTokens.push(Math.ceil(chars / charsPerToken))
      prefixKeys.push(key)
    }
    const total = prefixTokens[prefixTokens.length - 1] ?? 0
    const min = options.minCacheableTokens ?? 0
    // Read: the longest earlier-cached prefix ending at a breakpoint or up to 20 blocks before one.
    let read = 0
    list.forEach((b, i) => {
      if (!b.breakpoint) return
      for (let j = i; j >= 0 && j >= i - CACHE_LOOKBACK_BLOCKS; j--) {
        if (cached.has(prefixKeys[j])) {
          read = Math.max(read, prefixTokens[j])
          break
        }
      }
    })
    // Write: every breakpoint prefix long enough is stored; tokens beyond what was read count as creation.
    let written = read
    list.forEach((b, i) => {
      if (!b.breakpoint || prefixTokens[i] < min) return
      if (!cached.has(prefixKeys[i])) written = Math.max(written, prefixTokens[i])
      cached.add(prefixKeys[i])
    })
    return {
      input_tokens: total - written,
      cache_creation_input_tokens: written - read,
      cache_read_input_tokens: read,
      output_tokens: 0,
    }
  }

  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen(options.port ?? 0, '127.0.0.1', resolve),
  )
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get scripted() {
      return requests.filter((r) => r.step >= 0)
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

const SIGNING_KEY = randomBytes(16).toString('hex')

/**
 * A thinking block's signature as the newer models bind it ("preserved thinking"): a MAC of everything before the
 * block (system, tools, earlier messages; cache_control aside), its place and its text. A block sent back after
 * anything before it changed no longer matches.
 */
export function thinkingSignature(
  body: RequestBody,
  messageIndex: number,
  blockIndex: number,
  text: string,
): string {
  const prefix = stableJson(
    stripCacheControl({
      system: body.system,
      tools: body.tools,
      messages: body.messages.slice(0, messageIndex),
    }),
  )
  return createHmac('sha256', SIGNING_KEY)
    .update(`${prefix}\u0000${blockIndex}\u0000${text}`)
    .digest('base64')
}

/** Streams a thinking block (thinking_delta slices, then its signature) or a redacted one, as the API does. */
function streamThinking(
  sse: (event: string, data: unknown) => void,
  block: { type: 'thinking'; thinking: string } | { type: 'redacted_thinking'; data: string },
  index: number,
  body: RequestBody,
): void {
  // The response is the assistant message that follows the request's messages.
  const at = body.messages.length
  if (block.type === 'redacted_thinking') {
    const data = `${block.data}.${thinkingSignature(body, at, index, block.data)}`
    sse('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'redacted_thinking', data },
    })
  } else {
    sse('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'thinking', thinking: '', signature: '' },
    })
    for (const part of split(block.thinking, 3))
      sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'thinking_delta', thinking: part },
      })
    const signature = thinkingSignature(body, at, index, block.thinking)
    sse('content_block_delta', {
      type: 'content_block_delta',
      index,
      delta: { type: 'signature_delta', signature },
    })
  }
  sse('content_block_stop', { type: 'content_block_stop', index })
}

const EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max']

/** The `thinking` and `output_config` checks, and every thinking block's binding to its prefix. */
function validateThinking(body: RequestBody): string | undefined {
  const t = body.thinking
  if (t !== undefined) {
    if (!['adaptive', 'disabled', 'enabled'].includes(t?.type))
      return 'thinking.type: Input should be adaptive, disabled or enabled'
    if (t.type === 'enabled') {
      if (!Number.isInteger(t.budget_tokens) || t.budget_tokens < 1024)
        return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'
      if (t.budget_tokens >= body.max_tokens)
        return '`max_tokens` must be greater than `thinking.budget_tokens`'
    }
  }
  const effort = body.output_config?.effort
  if (effort !== undefined && !EFFORTS.includes(effort))
    return `output_config.effort: Input should be ${EFFORTS.map((e) => `'${e}'`).join(', ')}`
  const messages = body.messages as Array<{ role: string; content: unknown }>
  for (let i = 0; i < messages.length; i++) {
    if (messages[i].role !== 'assistant' || !Array.isArray(messages[i].content)) continue
    const blocks = messages[i].content as Array<{
      type: string
      thinking?: string
      signature?: string
      data?: string
    }>
    for (let j = 0; j < blocks.length; j++) {
      const b = blocks[j]
      const ok =
        b.type === 'thinking'
          ? b.signature === thinkingSignature(body, i, j, b.thinking ?? '')
          : b.type === 'redacted_thinking'
            ? b.data?.split('.').slice(1).join('.') ===
              thinkingSignature(body, i, j, b.data?.split('.')[0] ?? '')
            : true
      if (!ok)
        return `messages.${i}.content.${j}: Invalid \`signature\` in \`${b.type}\` block. The block is bound to a different conversation. Remove the block, or set \`thinking.block_binding.prefix_mismatch_behavior\` to "drop_block".`
    }
  }
  return undefined
}

function countBreakpoints(body: RequestBody): number {
  let n = body.cache_control != null ? 1 : 0
  const count = (list: unknown): void => {
    if (!Array.isArray(list)) return
    for (const b of list as Array<{ cache_control?: unknown }>) if (b && b.cache_control != null) n++
  }
  count(body.tools)
  count(body.system)
  for (const m of (body.messages as Array<{ content: unknown }> | undefined) ?? []) count(m.content)
  return n
}

function sendError(
  res: http.ServerResponse,
  status: number,
  type: string,
  message: string,
  retryable: boolean,
  retryAfterMs?: number,
): void {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'request-id': `req_${randomBytes(12).toString('hex')}`,
    'x-should-retry': String(retryable),
  }
  if (retryAfterMs !== undefined) {
    headers['retry-after-ms'] = String(retryAfterMs)
    headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterMs / 1000)))
  }
  res.writeHead(status, headers)
  res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: headers['request-id'] }))
}

function startStream(res: http.ServerResponse): (event: string, data: unknown) => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'request-id': `req_${randomBytes(12).toString('hex')}`,
  })
  return (event, data) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }
}

/** Resolves true when the client went away before the delay ended. */
function delay(ms: number, res: http.ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer)
      resolve(true)
    }
    const timer = setTimeout(() => {
      res.off('close', onClose)
      resolve(false)
    }, ms)
    res.on('close', onClose)
  })
}

/** Splits a string into up to n roughly equal, non-empty parts. */
function split(s: string, n: number): string[] {
  if (s.length === 0) return []
  const size = Math.max(1, Math.ceil(s.length / n))
  const out: string[] = []
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size))
  return out
}

function stripCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripCacheControl)
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) if (k !== 'cache_control') out[k] = stripCacheControl(v)
    return out
  }
  return value
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}
