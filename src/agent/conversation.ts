import type { ModelInfo, ModelRequest, ModelResponse } from '../providers/types.js'

export type MessageParam = ModelRequest['messages'][number]
export type ContentBlockParam = Exclude<MessageParam['content'], string>[number]
export type ToolResultBlockParam = Extract<ContentBlockParam, { type: 'tool_result' }>
export type ContentBlock = ModelResponse['content'][number]
export type ToolUseBlock = Extract<ContentBlock, { type: 'tool_use' }>
type StopReason = ModelResponse['stop_reason']

export const CLEARED_TOOL_RESULT = '[older tool output cleared to save context]'
/** Tool results kept whole when clearing context. */
export const KEEP_TOOL_RESULTS = 3
/** Old tool results are cleared once a request's prompt passes this many tokens (unless the caller sets another). */
export const DEFAULT_CONTEXT_THRESHOLD = 120_000
/** Share of a long-prompt price tier kept free of the estimated next prompt, for the estimate's error. */
export const LONG_PROMPT_MARGIN = 0.1
/** Characters per token when a reply's tokens are estimated (dense: code and JSON run at 3–4, prose above). */
export const CHARS_PER_TOKEN_ESTIMATE = 3
const EPHEMERAL = { type: 'ephemeral' } as const

/** Where a block sits in the conversation: message index, block index. */
export interface BlockRef {
  m: number
  b: number
}

/**
 * The conversation of one run and how it is sent. Prompt caching: one breakpoint on the system block (covering
 * tools and system) and moving breakpoints on the last block of the conversation and of the previous request,
 * so every turn reads the previous turn's prefix from cache. The messages themselves never carry a breakpoint:
 * they are added to each request as it is built.
 */
export class Conversation {
  readonly messages: MessageParam[]
  private readonly system: ModelRequest['system']
  /** The last block of the request that was answered last. */
  private previousEnd: BlockRef | undefined

  constructor(system: string, prompt: string) {
    this.system = [{ type: 'text', text: system, cache_control: EPHEMERAL }]
    this.messages = [{ role: 'user', content: [{ type: 'text', text: prompt }] }]
  }

  /** The next request: the whole conversation with its cache breakpoints. */
  request(model: string, maxTokens: number, tools: ModelRequest['tools']): ModelRequest {
    return {
      model,
      max_tokens: maxTokens,
      system: this.system,
      tools,
      messages: withBreakpoints(this.messages, this.previousEnd),
    }
  }

  /** Adds the model's answer to the last request. */
  addAssistant(content: ContentBlock[]): void {
    this.previousEnd = lastBlock(this.messages)
    this.messages.push({ role: 'assistant', content: toParams(content) })
  }

  /**
   * Answers the model's turn: the tool results, with a nudge when it was cut off (`max_tokens` with no call cut
   * off) or when there is nothing else to send. After `pause_turn` with no results nothing is sent back: the
   * assistant turn goes back as it is and the model carries on.
   */
  addReply(results: ToolResultBlockParam[], stop: StopReason, callCutOff: boolean): void {
    const reply: ContentBlockParam[] = [...results]
    if (stop === 'max_tokens' && !callCutOff) {
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
    if (reply.length) this.messages.push({ role: 'user', content: reply })
  }

  /** A user turn of text after the model ended its turn (the conversation stays append-only). */
  addUserText(text: string): void {
    this.messages.push({ role: 'user', content: [{ type: 'text', text }] })
  }

  /**
   * See {@link clearOldToolResults}; keeps the last {@link KEEP_TOOL_RESULTS}. A thinking block is bound to
   * everything before it (its signature covers that prefix, and newer models reject a block whose prefix changed),
   * so the thinking of every turn after the first cleared result goes too; earlier blocks stay byte for byte.
   * `keepThinking`: for models whose thinking is not bound to its prefix, and which want the last turn's kept.
   */
  clearOldToolResults(o: { keepThinking?: boolean } = {}): number {
    const { cleared, firstMessage } = clearOldToolResults(this.messages, KEEP_TOOL_RESULTS)
    if (firstMessage !== undefined && !o.keepThinking) dropThinkingAfter(this.messages, firstMessage)
    return cleared
  }
}

/** Where a run stands after a turn, for {@link shouldClearContext}. */
export interface ContextState {
  model: ModelInfo
  /** The last request's prompt, in tokens (input + cache write + cache read). */
  prompt: number
  /** Its response's output tokens (thinking included): they go back in the next prompt. */
  output: number
  /** Characters of what was added to answer it (tool results, text). */
  replyChars: number
  /** The caller's threshold (DEFAULT_CONTEXT_THRESHOLD by default). */
  threshold?: number
}

/**
 * Whether to clear old tool results before the next request. Every model's are once the last prompt passed the
 * threshold. A model priced higher above some prompt size (`longPrompt`) is also kept below that size: its old
 * tool results are cleared as soon as the next prompt could come within LONG_PROMPT_MARGIN of it, the next prompt
 * being estimated as the last one, plus the output that goes back, plus the reply at CHARS_PER_TOKEN_ESTIMATE.
 */
export function shouldClearContext(s: ContextState): boolean {
  if (s.prompt > (s.threshold ?? DEFAULT_CONTEXT_THRESHOLD)) return true
  const tier = s.model.longPrompt?.aboveTokens
  if (tier === undefined) return false
  const next = s.prompt + s.output + Math.ceil(s.replyChars / CHARS_PER_TOKEN_ESTIMATE)
  return next > tier * (1 - LONG_PROMPT_MARGIN)
}

/** Removes the thinking blocks of the assistant turns after message `index` (never emptying a turn). */
export function dropThinkingAfter(messages: MessageParam[], index: number): number {
  let dropped = 0
  for (let i = index + 1; i < messages.length; i++) {
    const m = messages[i]
    if (m.role !== 'assistant' || typeof m.content === 'string') continue
    const kept = m.content.filter((b) => b.type !== 'thinking' && b.type !== 'redacted_thinking')
    if (kept.length === m.content.length) continue
    dropped += m.content.length - kept.length
    messages[i] = { ...m, content: kept.length ? kept : [{ type: 'text', text: '(no output)' }] }
  }
  return dropped
}

/** The conversation as sent: a cache breakpoint on its last block and on the previous request's last block. */
export function withBreakpoints(messages: MessageParam[], previousEnd: BlockRef | undefined): MessageParam[] {
  const out = [...messages]
  const mark = (ref: BlockRef | undefined): void => {
    if (!ref) return
    const m = out[ref.m]
    if (!m || typeof m.content === 'string') return
    const content = [...m.content]
    // Thinking blocks cannot carry cache_control: use the nearest block before one. Clearing may have removed
    // blocks under the reference since (an assistant turn ended a request after pause_turn): the message's last
    // block is then its end.
    let b = Math.min(ref.b, content.length - 1)
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

/** The last block of the last message, if it has one. */
export function lastBlock(messages: MessageParam[]): BlockRef | undefined {
  const m = messages.length - 1
  const content = messages[m]?.content
  if (!content || typeof content === 'string' || content.length === 0) return undefined
  return { m, b: content.length - 1 }
}

/**
 * Replaces the content of all but the last `keep` tool results with a short note. Returns how many changed, and
 * the index of the first message that changed.
 */
export function clearOldToolResults(
  messages: MessageParam[],
  keep: number,
): { cleared: number; firstMessage?: number } {
  const results: Array<{ block: ToolResultBlockParam; message: number }> = []
  messages.forEach((m, message) => {
    if (m.role !== 'user' || typeof m.content === 'string') return
    for (const b of m.content) if (b.type === 'tool_result') results.push({ block: b, message })
  })
  let cleared = 0
  let firstMessage: number | undefined
  for (const { block, message } of results.slice(0, Math.max(0, results.length - keep))) {
    if (block.content === CLEARED_TOOL_RESULT) continue
    block.content = CLEARED_TOOL_RESULT
    cleared++
    firstMessage ??= message
  }
  return { cleared, firstMessage }
}

/** The response's blocks as request params (empty text dropped: the API refuses it). */
export function toParams(content: ContentBlock[]): ContentBlockParam[] {
  const out: ContentBlockParam[] = []
  for (const b of content) {
    if (b.type === 'text') {
      if (b.text !== '') out.push({ type: 'text', text: b.text })
    } else if (b.type === 'tool_use') {
      const input = b.input && typeof b.input === 'object' && !Array.isArray(b.input) ? b.input : {}
      out.push({ type: 'tool_use', id: b.id, name: b.name, input })
    } else if (b.type === 'thinking') {
      // A block the output limit cut before its signature came cannot be sent back (it could not be verified).
      if (b.signature) out.push({ type: 'thinking', thinking: b.thinking, signature: b.signature })
    } else if (b.type === 'redacted_thinking') {
      out.push({ type: 'redacted_thinking', data: b.data })
    } else {
      out.push(b as unknown as ContentBlockParam)
    }
  }
  if (out.length === 0) out.push({ type: 'text', text: '(no output)' })
  return out
}
