import type { ToolCallResult, ToolContext, ToolOutcome, Toolset } from '../tools/types.js'
import type { ToolResultBlockParam, ToolUseBlock } from './conversation.js'
import type { TranscriptEntry } from './types.js'

const ENTRY_CHARS = 200

/** The run's transcript: short, redacted entries. */
export class Transcript {
  readonly entries: TranscriptEntry[] = []

  constructor(private readonly redact: (s: string) => string) {}

  add(turn: number, kind: TranscriptEntry['kind'], text: string, name?: string, isError?: boolean): void {
    const e: TranscriptEntry = { turn, kind, text: short(this.redact(text)) }
    if (name !== undefined) e.name = name
    if (isError) e.isError = true
    this.entries.push(e)
  }
}

export interface DispatchOptions {
  tools: Toolset
  /** Its signal ends the dispatch: calls not started yet are not run. */
  ctx: ToolContext
  transcript: Transcript
  redact: (s: string) => string
  turn: number
  /** The call the response was cut off in (stop reason max_tokens): answered without being run. */
  cutOff?: ToolUseBlock
  /** The output limit, for the answer to the cut-off call. */
  maxTokens: number
  /** Step debug logging: each call's name and time taken. */
  debug?: (line: string) => void
}

export interface DispatchResult {
  /** One result per call run, in call order. */
  results: ToolResultBlockParam[]
  /** The questions of the first call that asked for clarification. */
  questions?: string[]
}

/**
 * Runs a turn's tool calls: consecutive read-only calls together, every other call alone, results in call
 * order. What goes back to the model is redacted too: a secret it read must not end up in a file or a PR.
 * Stops starting calls once the signal of `ctx` has fired (the loop ends right after).
 */
export async function dispatchToolCalls(
  uses: ToolUseBlock[],
  opts: DispatchOptions,
): Promise<DispatchResult> {
  const out: DispatchResult = { results: [] }
  let batch: ToolUseBlock[] = []
  const flush = async (): Promise<void> => {
    const calls = await Promise.all(batch.map((u) => timedCall(u, opts)))
    calls.forEach((call, i) => record(out, batch[i], call, opts))
    batch = []
  }
  for (const use of uses) {
    if (opts.ctx.signal?.aborted) break
    if (use === opts.cutOff) {
      await flush()
      record(out, use, notRun(use, opts), opts)
    } else if (opts.tools.isReadOnly({ name: use.name, input: use.input })) {
      batch.push(use)
    } else {
      await flush()
      batch = [use]
      await flush()
    }
  }
  await flush()
  return out
}

/** Runs one call, its time taken logged for step debugging. */
async function timedCall(use: ToolUseBlock, opts: DispatchOptions): Promise<ToolCallResult> {
  const started = Date.now()
  const call = await opts.tools.call({ name: use.name, input: use.input }, opts.ctx)
  opts.debug?.(`Tool ${use.name}: ${Date.now() - started} ms${call.outcome.isError ? ' (error)' : ''}`)
  return call
}

/** Adds one call's result to the reply and to the transcript. */
function record(out: DispatchResult, use: ToolUseBlock, call: ToolCallResult, opts: DispatchOptions): void {
  const outcome: ToolOutcome = {
    ...call.outcome,
    content: opts.redact(call.outcome.content) || '(no output)',
  }
  opts.transcript.add(opts.turn, 'tool_use', call.summary, use.name)
  opts.transcript.add(opts.turn, 'tool_result', outcome.content, use.name, outcome.isError)
  const block: ToolResultBlockParam = { type: 'tool_result', tool_use_id: use.id, content: outcome.content }
  if (outcome.isError) block.is_error = true
  out.results.push(block)
  if (outcome.clarification && !out.questions) out.questions = outcome.clarification
}

/** The answer to a call whose input the output limit cut off. */
function notRun(use: ToolUseBlock, opts: { tools: Toolset; maxTokens: number }): ToolCallResult {
  const content =
    `Not run: your response hit the output limit (max_tokens ${opts.maxTokens}) while writing this call, so its ` +
    'input is incomplete. Call it again; split very large content (e.g. create a file, then add to it).'
  return {
    summary: opts.tools.summarize({ name: use.name, input: use.input }),
    outcome: { content, isError: true },
  }
}

/** Whitespace collapsed, at most 200 characters. Redact before calling: cutting first could split a secret. */
function short(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim()
  return one.length > ENTRY_CHARS ? `${one.slice(0, ENTRY_CHARS - 1)}…` : one
}
