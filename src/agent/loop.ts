import type { ModelInfo, ModelProvider, ModelRequest, ModelResponse } from '../providers/types.js'
import type { Redactor } from '../report/redact.js'
import type { ToolContext, Toolset } from '../tools/types.js'
import { Conversation, shouldClearContext, type ToolUseBlock } from './conversation.js'
import { dispatchToolCalls, Transcript } from './dispatch.js'
import { Meter, startDeadline } from './meter.js'
import { sendTurn } from './send.js'
import type { AgentBudgets, AgentResult, AgentStatus, EndOfTurn, Usage } from './types.js'
import { cacheHitShare, totalInputTokens, usageFromApi } from './usage.js'

export type { AgentBudgets } from './types.js'
export { CLEARED_TOOL_RESULT } from './conversation.js'

export interface RunAgentOptions {
  provider: ModelProvider
  model: ModelInfo
  system: string
  prompt: string
  tools: Toolset
  ctx: ToolContext
  budgets: AgentBudgets
  redactor: Redactor
  /** Output token limit per response (default: the provider's for the model). */
  maxTokens?: number
  /**
   * Clear old tool results once a request's input passes this many tokens (default 120000); a model with a
   * long-prompt price tier is also kept below its tier (see shouldClearContext).
   */
  contextClearThresholdTokens?: number
  log?: (line: string) => void
  /** Step debug logging: each model request (model, time, stop reason, tokens) and each tool call's time. */
  debug?: (line: string) => void
  now?: () => number
  /** Wait before re-sending a turn whose stream broke; doubles each time (default 1000 ms). */
  streamRetryDelayMs?: number
  /** Asked each time the model ends its turn; its message sends the model back to work (see {@link EndOfTurn}). */
  endOfTurn?: EndOfTurn
  /** Fields added to every request as they are (thinking, effort): the loop does not interpret them. */
  requestParams?: Partial<ModelRequest>
  /**
   * Keep thinking blocks when old tool results are cleared (models whose thinking signatures are not bound to
   * the conversation before them); by default they are dropped after the first cleared result.
   */
  keepThinkingOnClear?: boolean
}

/** How a run ended. */
type Ending =
  | { status: Exclude<AgentStatus, 'error' | 'clarification'> }
  | { status: 'error'; error: string }
  | { status: 'clarification'; questions: string[] }

/** One run's state, shared by its turns. */
interface Run {
  opts: RunAgentOptions
  /** `opts.ctx` with the run's deadline as its signal. */
  ctx: ToolContext & { signal: AbortSignal }
  conversation: Conversation
  meter: Meter
  transcript: Transcript
  maxTokens: number
  redact: (s: string) => string
  log: (line: string) => void
  debug: (line: string) => void
  /** The model's last non-empty text: the run's summary. */
  lastText: string
}

/**
 * Runs the model against the tools until it ends its turn, asks for clarification, a budget runs out, or
 * `ctx.signal` fires (status 'cancelled': the request in flight and every tool process are stopped at once).
 *
 * Our own loop (not the SDK's tool runner): each turn sends the whole conversation (see {@link Conversation}
 * for prompt caching), runs the returned tool calls (see {@link dispatchToolCalls}) and answers with their
 * results in the same order. Never throws: failures end in status 'error'.
 */
export async function runAgent(opts: RunAgentOptions): Promise<AgentResult> {
  const now = opts.now ?? Date.now
  const started = now()
  const redact = (s: string): string => opts.redactor.redact(s)
  const deadline = startDeadline(opts.budgets.timeoutMs, opts.ctx.signal)
  const run: Run = {
    opts,
    ctx: { ...opts.ctx, signal: deadline.signal },
    conversation: new Conversation(opts.system, opts.prompt),
    meter: new Meter(opts.model, opts.provider.highestPrices(), opts.budgets),
    transcript: new Transcript(redact),
    maxTokens: opts.maxTokens ?? opts.provider.maxOutputTokens(opts.model.id),
    redact,
    log: (line) => opts.log?.(redact(line)),
    debug: (line) => opts.debug?.(redact(line)),
    lastText: '',
  }
  if (!run.meter.pricesKnown) {
    run.log(
      `Prices for model ${opts.model.id} are unknown: its cost shows as n/a, and the max-cost budget is enforced as if it cost as much as the dearest known model.`,
    )
  }
  let ending: Ending
  try {
    ending = await turns(run)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    run.log(`Agent loop failed: ${message}`)
    ending = { status: 'error', error: `Agent loop failed: ${message}` }
  } finally {
    deadline.dispose()
  }
  return result(run, ending, now() - started)
}

/** Turns until one ends the run. */
async function turns(run: Run): Promise<Ending> {
  for (;;) {
    const ending = await turn(run)
    if (ending) return ending
  }
}

/** One turn: a request, its tool calls and the reply. Returns how the run ended, if this turn ended it. */
async function turn(run: Run): Promise<Ending | undefined> {
  const { opts, conversation, meter } = run
  if (run.ctx.signal.aborted) return interrupted(run)
  if (meter.turnsExhausted) return { status: 'max-turns' }

  const request = {
    ...opts.requestParams,
    ...conversation.request(opts.model.id, run.maxTokens, opts.tools.definitions),
  }
  const sentAt = (opts.now ?? Date.now)()
  const sent = await sendTurn(opts.provider, request, {
    signal: run.ctx.signal,
    log: run.log,
    retryDelayMs: opts.streamRetryDelayMs ?? 1000,
  })
  if (!sent.ok) {
    if (sent.aborted) return interrupted(run)
    run.log(`Model request failed: ${sent.error}`)
    return { status: 'error', error: sent.error }
  }
  const message = sent.message
  const usage = usageFromApi(message.usage)
  run.debug(
    `Model request ${meter.turns + 1}: ${request.model}, ${request.messages.length} messages, ${(opts.now ?? Date.now)() - sentAt} ms, stop ${message.stop_reason}, tokens in ${usage.inputTokens} + cache write ${usage.cacheCreationInputTokens} + cache read ${usage.cacheReadInputTokens}, out ${usage.outputTokens}`,
  )
  meter.addTurn(usage)
  const uses = message.content.filter((b): b is ToolUseBlock => b.type === 'tool_use')
  recordTexts(run, message)
  conversation.addAssistant(message.content)
  run.log(turnLine(meter.turns, message, uses, usage, meter.cost))

  const stopped = endingFor(message.stop_reason)
  if (stopped?.status === 'completed') return endTurn(run)
  if (stopped) return stopped
  return answer(run, message, uses, usage)
}

/** The model ended its turn: the run completes, unless the end-of-turn check sends the model back to work. */
async function endTurn(run: Run): Promise<Ending | undefined> {
  const check = run.opts.endOfTurn
  if (!check) return { status: 'completed' }
  const mayContinue = !run.meter.turnsExhausted && !run.meter.costExhausted
  const again = await check({ signal: run.ctx.signal, mayContinue })
  // The model had finished: a check the time budget cut short leaves the work complete (and unchecked, which
  // the check reports); only a cancellation stops the run as such.
  if (run.ctx.signal.aborted) return run.opts.ctx.signal?.aborted ? interrupted(run) : { status: 'completed' }
  if (!again || !mayContinue) return { status: 'completed' }
  run.conversation.addUserText(run.redact(again))
  run.log(`Turn ${run.meter.turns}: the end-of-turn check sent the model back to work.`)
  return undefined
}

/** Runs the turn's calls and replies; ends the run on a timeout, a question or the cost budget. */
async function answer(
  run: Run,
  message: ModelResponse,
  uses: ToolUseBlock[],
  usage: Usage,
): Promise<Ending | undefined> {
  const stop = message.stop_reason
  const last = message.content[message.content.length - 1]
  const cutOff = stop === 'max_tokens' && last?.type === 'tool_use' ? last : undefined
  const { results, questions } = await dispatchToolCalls(uses, {
    tools: run.opts.tools,
    ctx: run.ctx,
    transcript: run.transcript,
    redact: run.redact,
    turn: run.meter.turns,
    cutOff,
    maxTokens: run.maxTokens,
    debug: run.debug,
  })
  if (run.ctx.signal.aborted) return interrupted(run)
  if (questions) return { status: 'clarification', questions }
  run.conversation.addReply(results, stop, cutOff !== undefined)

  if (run.meter.costExhausted) return { status: 'max-cost' }
  const input = totalInputTokens(usage)
  const context = {
    model: run.opts.model,
    prompt: input,
    output: usage.outputTokens,
    replyChars: JSON.stringify(results).length,
    threshold: run.opts.contextClearThresholdTokens,
  }
  if (shouldClearContext(context)) {
    const cleared = run.conversation.clearOldToolResults({ keepThinking: run.opts.keepThinkingOnClear })
    if (cleared)
      run.log(`Context: cleared ${cleared} older tool result(s) (last request had ${input} input tokens).`)
  }
  return undefined
}

/** Why the run's signal fired: the caller cancelled it, or else the time budget ran out. */
function interrupted(run: Run): Ending {
  return { status: run.opts.ctx.signal?.aborted ? 'cancelled' : 'timeout' }
}

/** The stop reasons that end the run before any tool call runs. */
function endingFor(stop: ModelResponse['stop_reason']): Ending | undefined {
  if (stop === 'end_turn' || stop === 'stop_sequence') return { status: 'completed' }
  if (stop === 'refusal') return { status: 'refused' }
  if (stop === 'model_context_window_exceeded')
    return { status: 'error', error: "The conversation exceeded the model's context window." }
  return undefined
}

/** Puts the response's non-empty texts in the transcript; the last of them is the run's summary so far. */
function recordTexts(run: Run, message: ModelResponse): void {
  const texts: string[] = []
  for (const b of message.content) if (b.type === 'text' && b.text.trim() !== '') texts.push(b.text)
  for (const t of texts) run.transcript.add(run.meter.turns, 'text', t)
  if (texts.length) run.lastText = texts.join('\n\n')
}

/** The log line of one turn. */
function turnLine(
  turn: number,
  message: ModelResponse,
  uses: ToolUseBlock[],
  usage: Usage,
  cost: number | null,
): string {
  const calls = uses.length
    ? `${uses.length} tool call(s) (${uses.map((u) => u.name).join(', ')})`
    : 'no tool calls'
  return (
    `Turn ${turn}: ${calls}` +
    ` · stop ${message.stop_reason} · input ${totalInputTokens(usage)} (cache read ${usage.cacheReadInputTokens},` +
    ` write ${usage.cacheCreationInputTokens}) · output ${usage.outputTokens}` +
    (usage.thinkingTokens ? ` (thinking ${usage.thinkingTokens})` : '') +
    (cost === null ? '' : ` · total $${cost.toFixed(4)}`)
  )
}

function result(run: Run, ending: Ending, durationMs: number): AgentResult {
  const { meter, redact } = run
  const out: AgentResult = {
    status: ending.status,
    summary: redact(run.lastText).trim(),
    usage: meter.usage,
    costUsd: meter.cost,
    turns: meter.turns,
    durationMs,
    cacheHitShare: cacheHitShare(meter.usage),
    transcript: run.transcript.entries,
  }
  if (ending.status === 'clarification') out.questions = ending.questions.map(redact)
  if (ending.status === 'error' && ending.error) out.error = redact(ending.error)
  return out
}
