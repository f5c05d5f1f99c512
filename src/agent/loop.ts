import type Anthropic from '@anthropic-ai/sdk'
import type { ModelInfo } from '../prompt/types.js'
import type { Redactor } from '../report/redact.js'
import type { Tool, ToolContext, ToolOutcome } from '../tools/types.js'
import type { AgentResult, AgentStatus, ModelClient, TranscriptEntry, Usage } from './types.js'
import { highestKnownPrices, requestCost } from '../prompt/models.js'
import { addUsage, cacheHitShare, emptyUsage, totalInputTokens, usageFromApi } from './usage.js'

type MessageParam = Anthropic.Messages.MessageParam
type ContentBlockParam = Anthropic.Messages.ContentBlockParam
type ToolUseBlock = Anthropic.Messages.ToolUseBlock
type ToolResultBlockParam = Anthropic.Messages.ToolResultBlockParam

export interface AgentBudgets {
  maxTurns: number
  maxCostUsd: number
  timeoutMs: number
}

export interface RunAgentOptions {
  client: ModelClient
  model: ModelInfo
  system: string
  prompt: string
  tools: Tool[]
  ctx: ToolContext
  budgets: AgentBudgets
  redactor: Redactor
  /** Output token limit per response (default by model: 32000 for Claude 4 models). */
  maxTokens?: number
  /** Clear old tool results once a request's input passes this many tokens (default 120000). */
  contextClearThresholdTokens?: number
  log?: (line: string) => void
  now?: () => number
  /** Wait before re-sending a turn whose stream broke; doubles each time (default 1000 ms). */
  streamRetryDelayMs?: number
}

export const CLEARED_TOOL_RESULT = '[older tool output cleared to save context]'
/** Tool results kept whole when clearing context. */
const KEEP_TOOL_RESULTS = 3
/** Extra attempts for a turn whose stream failed after it started (the SDK retries only before it starts). */
const STREAM_RETRIES = 2
const DEFAULT_CONTEXT_THRESHOLD = 120_000
const ENTRY_CHARS = 200
const EPHEMERAL = { type: 'ephemeral' } as const

/** Where a block sits in the conversation: message index, block index. */
interface BlockRef {
  m: number
  b: number
}

class Stop {
  constructor(
    readonly status: AgentStatus,
    readonly extra: { error?: string; questions?: string[] } = {},
  ) {}
}

/**
 * Runs the model against the tools until it ends its turn, asks for clarification, or a budget runs out.
 *
 * Our own loop (not the SDK's tool runner): each turn sends the whole conversation, runs the returned tool_use
 * blocks (consecutive read-only calls concurrently, everything else one at a time in order) and answers with
 * tool_result blocks in the same order. Prompt caching: one breakpoint on the system block (covering tools and
 * system) and moving breakpoints on the last block of the conversation and of the previous request, so every
 * turn reads the previous turn's prefix from cache. Never throws: failures end in status 'error'.
 */
export async function runAgent(opts: RunAgentOptions): Promise<AgentResult> {
  const now = opts.now ?? Date.now
  const started = now()
  const redact = (s: string): string => opts.redactor.redact(s)
  const log = (line: string): void => opts.log?.(redact(line))

  const controller = new AbortController()
  const outer = opts.ctx.signal
  const onOuterAbort = (): void => controller.abort()
  if (outer?.aborted) controller.abort()
  else outer?.addEventListener('abort', onOuterAbort, { once: true })
  const timer = setTimeout(
    () => controller.abort(),
    Math.max(0, Math.min(opts.budgets.timeoutMs, 2 ** 31 - 1)),
  )
  const ctx: ToolContext = { ...opts.ctx, signal: controller.signal }

  let usage: Usage = emptyUsage()
  // Priced per request: a model's price can depend on that request's prompt size (long-prompt tiers).
  let cost: number | null = opts.model.prices ? 0 : null
  // For the budget, a model without known prices is priced as the dearest known model: the budget still holds.
  const budgetModel: ModelInfo = opts.model.prices
    ? opts.model
    : { ...opts.model, prices: highestKnownPrices() }
  let budgetCost = 0
  let turns = 0
  let lastText = ''
  const transcript: TranscriptEntry[] = []

  const result = (
    status: AgentStatus,
    extra: { error?: string; questions?: string[]; summary?: string } = {},
  ) => {
    const summary = redact(extra.summary || lastText).trim()
    const out: AgentResult = {
      status,
      summary,
      usage,
      costUsd: cost,
      turns,
      durationMs: now() - started,
      cacheHitShare: cacheHitShare(usage),
      transcript,
    }
    if (extra.questions) out.questions = extra.questions.map(redact)
    if (extra.error) out.error = redact(extra.error)
    return out
  }

  const toolsByName = new Map(opts.tools.map((t) => [t.name, t]))
  const system: Anthropic.Messages.TextBlockParam[] = [
    { type: 'text', text: opts.system, cache_control: EPHEMERAL },
  ]
  const messages: MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: opts.prompt }] }]
  const maxTokens = opts.maxTokens ?? defaultMaxTokens(opts.model.id)
  const threshold = opts.contextClearThresholdTokens ?? DEFAULT_CONTEXT_THRESHOLD
  let previousEnd: BlockRef | undefined

  if (!opts.model.prices) {
    log(
      `Prices for model ${opts.model.id} are unknown: its cost shows as n/a, and the max-cost budget is enforced as if it cost as much as the dearest known model.`,
    )
  }

  const entry = (
    turn: number,
    kind: TranscriptEntry['kind'],
    text: string,
    name?: string,
    isError?: boolean,
  ) => {
    const e: TranscriptEntry = { turn, kind, text: short(redact(text)) }
    if (name !== undefined) e.name = name
    if (isError) e.isError = true
    transcript.push(e)
  }

  /** Sends one turn, re-sending it when the stream broke after it started. */
  const send = async (request: Anthropic.MessageCreateParamsNonStreaming): Promise<Anthropic.Message> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await opts.client.send(request, controller.signal)
      } catch (err) {
        if (controller.signal.aborted || !isStreamFailure(err) || attempt >= STREAM_RETRIES) throw err
        log(
          `Model response broke off (${describeApiError(err)}); retrying the turn (${attempt + 1}/${STREAM_RETRIES}).`,
        )
        await sleep((opts.streamRetryDelayMs ?? 1000) * 2 ** attempt, controller.signal)
      }
    }
  }

  /** Runs one tool call; every failure becomes an is_error result the model can react to. */
  const runOne = async (
    use: ToolUseBlock,
  ): Promise<{ block: ToolResultBlockParam; outcome: ToolOutcome }> => {
    const tool = toolsByName.get(use.name)
    let outcome: ToolOutcome
    if (!tool) {
      outcome = {
        content: `Unknown tool "${use.name}". Available tools: ${[...toolsByName.keys()].join(', ')}.`,
        isError: true,
      }
    } else {
      try {
        outcome = await tool.run(use.input, ctx)
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err)
        if (!(err instanceof Error && err.name === 'ToolError'))
          log(`Tool ${use.name} failed unexpectedly: ${message}`)
        outcome = { content: message, isError: true }
      }
    }
    // What goes back to the model is redacted too: a secret it read must not end up in a file or a PR.
    const content = redact(outcome.content) || '(no output)'
    const block: ToolResultBlockParam = { type: 'tool_result', tool_use_id: use.id, content }
    if (outcome.isError) block.is_error = true
    return { block, outcome: { ...outcome, content } }
  }

  /** Runs a turn's calls: consecutive read-only calls together, others alone, results in call order. */
  const runTools = async (
    uses: ToolUseBlock[],
    turn: number,
    truncated: ToolUseBlock | undefined,
  ): Promise<{ blocks: ToolResultBlockParam[]; questions?: string[] }> => {
    const blocks: ToolResultBlockParam[] = []
    let questions: string[] | undefined
    const record = (use: ToolUseBlock, r: { block: ToolResultBlockParam; outcome: ToolOutcome }): void => {
      entry(turn, 'tool_use', summarizeInput(use.name, use.input), use.name)
      entry(turn, 'tool_result', r.outcome.content, use.name, r.outcome.isError)
      blocks.push(r.block)
      if (r.outcome.clarification && !questions) questions = r.outcome.clarification
    }
    let batch: ToolUseBlock[] = []
    const flush = async (): Promise<void> => {
      const results = await Promise.all(batch.map((u) => runOne(u)))
      results.forEach((r, i) => record(batch[i], r))
      batch = []
    }
    for (const use of uses) {
      if (controller.signal.aborted) break // timed out: the loop ends right after
      if (use === truncated) {
        await flush()
        const content =
          `Not run: your response hit the output limit (max_tokens ${maxTokens}) while writing this call, so its ` +
          'input is incomplete. Call it again; split very large content (e.g. create a file, then add to it).'
        record(use, {
          block: { type: 'tool_result', tool_use_id: use.id, content, is_error: true },
          outcome: { content, isError: true },
        })
        continue
      }
      const tool = toolsByName.get(use.name)
      if (tool && safeIsReadOnly(tool, use.input)) {
        batch.push(use)
      } else {
        await flush()
        batch = [use]
        await flush()
      }
    }
    await flush()
    return { blocks, questions }
  }

  try {
    for (;;) {
      if (controller.signal.aborted) throw new Stop('timeout')
      if (turns >= opts.budgets.maxTurns) throw new Stop('max-turns')

      const request: Anthropic.MessageCreateParamsNonStreaming = {
        model: opts.model.id,
        max_tokens: maxTokens,
        system,
        tools: opts.tools.map((t) => t.definition),
        messages: withBreakpoints(messages, previousEnd),
      }
      let message: Anthropic.Message
      try {
        message = await send(request)
      } catch (err) {
        if (controller.signal.aborted) throw new Stop('timeout')
        log(`Model request failed: ${describeApiError(err)}`)
        throw new Stop('error', { error: describeApiError(err) })
      }
      turns++
      const turn = turns
      const turnUsage = usageFromApi(message.usage)
      usage = addUsage(usage, turnUsage)
      const turnCost = requestCost(opts.model, turnUsage)
      cost = cost === null || turnCost === null ? null : cost + turnCost
      budgetCost += requestCost(budgetModel, turnUsage) ?? 0
      previousEnd = lastBlock(messages)

      const texts = message.content.filter(
        (b): b is Anthropic.Messages.TextBlock => b.type === 'text' && b.text.trim() !== '',
      )
      for (const t of texts) entry(turn, 'text', t.text)
      const turnText = texts.map((t) => t.text).join('\n\n')
      if (turnText) lastText = turnText
      const uses = message.content.filter((b): b is ToolUseBlock => b.type === 'tool_use')
      messages.push({ role: 'assistant', content: toParams(message.content) })

      log(
        `Turn ${turn}: ${uses.length ? `${uses.length} tool call(s) (${uses.map((u) => u.name).join(', ')})` : 'no tool calls'}` +
          ` · stop ${message.stop_reason} · input ${totalInputTokens(turnUsage)} (cache read ${turnUsage.cacheReadInputTokens},` +
          ` write ${turnUsage.cacheCreationInputTokens}) · output ${turnUsage.outputTokens}` +
          (cost === null ? '' : ` · total $${cost.toFixed(4)}`),
      )

      const stop = message.stop_reason
      if (stop === 'end_turn' || stop === 'stop_sequence') throw new Stop('completed')
      if (stop === 'refusal')
        throw new Stop('error', { error: 'The model declined to continue (stop_reason "refusal").' })
      if (stop === 'model_context_window_exceeded') {
        throw new Stop('error', { error: "The conversation exceeded the model's context window." })
      }

      const lastContent = message.content[message.content.length - 1]
      const truncated = stop === 'max_tokens' && lastContent?.type === 'tool_use' ? lastContent : undefined
      const { blocks, questions } = await runTools(uses, turn, truncated)
      if (controller.signal.aborted) throw new Stop('timeout')
      if (questions) throw new Stop('clarification', { questions })

      const reply: ContentBlockParam[] = [...blocks]
      if (stop === 'max_tokens' && !truncated) {
        reply.push({
          type: 'text',
          text: 'Your response was cut off by the output limit. Continue exactly where you stopped.',
        })
      } else if (stop !== 'pause_turn' && reply.length === 0) {
        reply.push({
          type: 'text',
          text: 'Continue. When the work is done, end your turn with a short summary.',
        })
      }
      // pause_turn: the assistant turn is sent back as it is and the model carries on.
      if (reply.length) messages.push({ role: 'user', content: reply })

      if (budgetCost >= opts.budgets.maxCostUsd) throw new Stop('max-cost')
      if (totalInputTokens(turnUsage) > threshold) {
        const cleared = clearOldToolResults(messages, KEEP_TOOL_RESULTS)
        if (cleared)
          log(
            `Context: cleared ${cleared} older tool result(s) (last request had ${totalInputTokens(turnUsage)} input tokens).`,
          )
      }
    }
  } catch (err) {
    if (err instanceof Stop) return result(err.status, err.extra)
    const message = err instanceof Error ? err.message : String(err)
    log(`Agent loop failed: ${message}`)
    return result('error', { error: `Agent loop failed: ${message}` })
  } finally {
    clearTimeout(timer)
    outer?.removeEventListener('abort', onOuterAbort)
  }
}

/** Output token limit that every model of the family accepts. */
export function defaultMaxTokens(modelId: string): number {
  if (/claude-3-haiku/.test(modelId)) return 4096
  if (/claude-3-(5|opus|sonnet)/.test(modelId)) return 8192
  return 32_000
}

/** The conversation as sent: a cache breakpoint on its last block and on the previous request's last block. */
function withBreakpoints(messages: MessageParam[], previousEnd: BlockRef | undefined): MessageParam[] {
  const out = [...messages]
  const mark = (ref: BlockRef | undefined): void => {
    if (!ref) return
    const m = out[ref.m]
    if (!m || typeof m.content === 'string') return
    const content = [...m.content]
    // Thinking blocks cannot carry cache_control: use the nearest block before one.
    let b = ref.b
    while (b >= 0 && (content[b].type === 'thinking' || content[b].type === 'redacted_thinking')) b--
    if (b < 0) return
    content[b] = { ...content[b], cache_control: EPHEMERAL } as ContentBlockParam
    out[ref.m] = { ...m, content } as MessageParam
  }
  const last = lastBlock(messages)
  mark(last)
  if (previousEnd && !(last && previousEnd.m === last.m && previousEnd.b === last.b)) mark(previousEnd)
  return out
}

function lastBlock(messages: MessageParam[]): BlockRef | undefined {
  const m = messages.length - 1
  const content = messages[m]?.content
  if (!content || typeof content === 'string' || content.length === 0) return undefined
  return { m, b: content.length - 1 }
}

/** Replaces the content of all but the last `keep` tool results with a short note. Returns how many changed. */
export function clearOldToolResults(messages: MessageParam[], keep: number): number {
  const results: ToolResultBlockParam[] = []
  for (const m of messages) {
    if (m.role !== 'user' || typeof m.content === 'string') continue
    for (const b of m.content) if (b.type === 'tool_result') results.push(b)
  }
  let cleared = 0
  for (const r of results.slice(0, Math.max(0, results.length - keep))) {
    if (r.content === CLEARED_TOOL_RESULT) continue
    r.content = CLEARED_TOOL_RESULT
    cleared++
  }
  return cleared
}

/** The response's blocks as request params (empty text dropped: the API refuses it). */
function toParams(content: Anthropic.Messages.ContentBlock[]): ContentBlockParam[] {
  const out: ContentBlockParam[] = []
  for (const b of content) {
    if (b.type === 'text') {
      if (b.text !== '') out.push({ type: 'text', text: b.text })
    } else if (b.type === 'tool_use') {
      const input = b.input && typeof b.input === 'object' && !Array.isArray(b.input) ? b.input : {}
      out.push({ type: 'tool_use', id: b.id, name: b.name, input })
    } else if (b.type === 'thinking') {
      out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature })
    } else if (b.type === 'redacted_thinking') {
      out.push({ type: 'redacted_thinking', data: b.data })
    } else {
      out.push(b as unknown as ContentBlockParam)
    }
  }
  if (out.length === 0) out.push({ type: 'text', text: '(no output)' })
  return out
}

function safeIsReadOnly(tool: Tool, input: unknown): boolean {
  try {
    return tool.isReadOnly(input)
  } catch {
    return false
  }
}

/** True for failures after the response started (in-stream error event, connection reset), not HTTP errors. */
function isStreamFailure(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false
  const e = err as { status?: unknown; name?: unknown }
  if (typeof e.status === 'number') return false
  if (e.name === 'APIUserAbortError' || e.name === 'AbortError') return false
  return true
}

/** A one-line description of an SDK/API error, with a hint for the statuses a user can fix. */
export function describeApiError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const e = err as Error & {
    status?: number
    type?: string | null
    apiMessage?: string | null
    requestID?: string | null
  }
  if (typeof e.status !== 'number') {
    const type = e.type ? `${e.type}: ` : ''
    return `${type}${e.apiMessage ?? e.message}`
  }
  const hint =
    e.status === 401
      ? ' Check the anthropic-api-key secret.'
      : e.status === 403
        ? ' The API key lacks permission for this model or organization.'
        : e.status === 404
          ? ' Check the model id.'
          : e.status === 429 || e.status === 529
            ? ' Still failing after retries; try again later.'
            : ''
  const id = e.requestID ? ` (request-id ${e.requestID})` : ''
  return `Anthropic API error ${e.status}${e.type ? ` ${e.type}` : ''}: ${e.apiMessage ?? e.message}${id}.${hint}`
}

/** A short one-line description of a tool call's input for the transcript. */
function summarizeInput(name: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v))
  switch (name) {
    case 'bash':
      return i.restart === true ? '(restart)' : str(i.command)
    case 'str_replace_based_edit_tool': {
      const extra =
        i.command === 'view' && Array.isArray(i.view_range)
          ? ` [${(i.view_range as unknown[]).join(', ')}]`
          : i.command === 'insert'
            ? ` after line ${str(i.insert_line)}`
            : ''
      return `${str(i.command)} ${str(i.path)}${extra}`
    }
    case 'glob':
      return `${str(i.pattern)}${i.path ? ` in ${str(i.path)}` : ''}`
    case 'grep':
      return `/${str(i.pattern)}/${i.path ? ` in ${str(i.path)}` : ''}${i.glob ? ` (${str(i.glob)})` : ''}`
    case 'ask_for_clarification':
      return Array.isArray(i.questions) ? (i.questions as unknown[]).map(str).join(' | ') : str(i.questions)
    default:
      return JSON.stringify(input ?? {})
  }
}

/** Whitespace collapsed, at most 200 characters. Redact before calling: cutting first could split a secret. */
function short(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length > ENTRY_CHARS ? `${one.slice(0, ENTRY_CHARS - 1)}…` : one
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'))
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(new Error('aborted'))
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
