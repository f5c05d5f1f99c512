/**
 * In-process stand-ins for the loop's unit tests: a scripted ModelProvider (no HTTP), tools that record their
 * calls, and a sandbox that must never be used.
 */
import type { ModelPrices, ModelProvider, ModelRequest, ModelResponse } from '../../src/providers/types.js'
import type { Sandbox } from '../../src/sandbox/types.js'
import type { Tool, ToolContext, ToolOutcome } from '../../src/tools/types.js'

export const DEAREST: ModelPrices = { input: 100, output: 500, cacheWrite: 125, cacheRead: 10 }

export interface Tokens {
  input?: number
  output?: number
  cacheWrite?: number
  cacheRead?: number
}

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id?: string; name: string; input: unknown }
  | { type: 'thinking'; thinking: string; signature: string }

let ids = 0

/** A final message as the provider returns it. */
export function reply(
  content: Block[],
  stop: ModelResponse['stop_reason'] = 'end_turn',
  tokens: Tokens = {},
): ModelResponse {
  return {
    id: `msg_${++ids}`,
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: content.map((b) =>
      b.type === 'tool_use'
        ? { ...b, id: b.id ?? `toolu_${++ids}` }
        : b.type === 'text'
          ? { ...b, citations: null }
          : b,
    ),
    stop_reason: stop,
    stop_sequence: null,
    usage: {
      input_tokens: tokens.input ?? 10,
      output_tokens: tokens.output ?? 5,
      cache_creation_input_tokens: tokens.cacheWrite ?? 0,
      cache_read_input_tokens: tokens.cacheRead ?? 0,
    },
  } as unknown as ModelResponse
}

export const text = (t: string): Block => ({ type: 'text', text: t })
export const use = (name: string, input: unknown = {}, id?: string): Block => ({
  type: 'tool_use',
  name,
  input,
  id,
})

/** One scripted step: a message, an error to throw, or a function of the request. */
export type Step =
  ModelResponse | Error | ((request: ModelRequest, signal?: AbortSignal) => Promise<ModelResponse>)

export interface FakeProvider extends ModelProvider {
  /** Copies of the requests sent, in order. */
  requests: ModelRequest[]
}

/** A provider that answers from a script; errors named `StreamError` count as stream failures. */
export function fakeProvider(script: Step[] | ((i: number) => Step)): FakeProvider {
  const requests: ModelRequest[] = []
  return {
    requests,
    async send(request, signal) {
      const i = requests.length
      requests.push(structuredClone(request))
      const step = typeof script === 'function' ? script(i) : script[i]
      if (!step) throw new Error(`script exhausted at request ${i + 1}`)
      if (step instanceof Error) throw step
      if (typeof step === 'function') return step(request, signal)
      return step
    },
    describeError: (err) => `described: ${err instanceof Error ? err.message : String(err)}`,
    isStreamFailure: (err) => err instanceof Error && err.name === 'StreamError',
    maxOutputTokens: () => 1234,
    model: (id) => ({ id }),
    highestPrices: () => DEAREST,
  }
}

export function streamError(message: string): Error {
  return Object.assign(new Error(message), { name: 'StreamError' })
}

export interface FakeToolOptions {
  readOnly?: boolean
  run?: (input: Record<string, unknown>, ctx: ToolContext) => Promise<ToolOutcome> | ToolOutcome
}

/** A tool that records its calls; its summary is `<name> <input as JSON>`. */
export function fakeTool(
  name: string,
  opts: FakeToolOptions = {},
): Tool<Record<string, unknown>> & {
  calls: Array<Record<string, unknown>>
} {
  const calls: Array<Record<string, unknown>> = []
  return {
    name,
    calls,
    definition: { name, description: `${name} (test)`, input_schema: { type: 'object', properties: {} } },
    parse: (input) => {
      if (!input || typeof input !== 'object')
        throw Object.assign(new Error('input must be an object'), { name: 'ToolError' })
      return input as Record<string, unknown>
    },
    isReadOnly: () => opts.readOnly ?? false,
    summarize: (input) => `${name} ${JSON.stringify(input)}`,
    async run(input, ctx) {
      calls.push(input)
      return opts.run ? opts.run(input, ctx) : { content: `${name} ran` }
    },
  }
}

/** The tools here never start a process. */
export const unusedSandbox: Sandbox = {
  status: async () => ({ isolated: false, reason: 'test' }),
  spawn: async () => {
    throw new Error('the sandbox is not used in these tests')
  },
  start: async () => {
    throw new Error('the sandbox is not used in these tests')
  },
  reap: async () => 0,
}
