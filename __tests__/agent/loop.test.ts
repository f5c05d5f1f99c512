import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLEARED_TOOL_RESULT } from '../../src/agent/conversation.js'
import { runAgent, type RunAgentOptions } from '../../src/agent/loop.js'
import { renderTranscript } from '../../src/agent/transcript.js'
import type { AgentResult } from '../../src/agent/types.js'
import { cacheHitShare } from '../../src/agent/usage.js'
import { createAnthropicProvider } from '../../src/providers/anthropic.js'
import type { ModelInfo } from '../../src/providers/types.js'
import { Redactor } from '../../src/report/redact.js'
import { createRuntimeSandbox } from '../../src/sandbox/index.js'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createTools } from '../../src/tools/index.js'
import { createToolset } from '../../src/tools/toolset.js'
import type { Tool } from '../../src/tools/types.js'
import { makeRepo, makeTempDir, type TempRepo } from '../tools/repo.js'
import {
  startAnthropicServer,
  type AnthropicServer,
  type RequestBody,
  type Script,
  type ScriptBlock,
} from '../support/anthropic-server.js'

const API_KEY = 'sk-ant-api03-test-key-0123456789abcdef'
const SONNET: ModelInfo = {
  id: 'claude-sonnet-4-5',
  prices: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
}
const EDIT = 'str_replace_based_edit_tool'

let server: AnthropicServer | undefined
let repo: TempRepo | undefined
const cleanups: Array<() => void> = []
afterEach(async () => {
  await server?.close()
  server = undefined
  repo?.cleanup()
  repo = undefined
  for (const c of cleanups.splice(0)) c()
})

interface Harness {
  result: AgentResult
  server: AnthropicServer
  repo: TempRepo
  logs: string[]
  /** Bodies of the requests that reached the script. */
  bodies: RequestBody[]
}

async function run(
  script: Script,
  opts: Partial<RunAgentOptions> & {
    files?: Record<string, string>
    maxRetries?: number
    redactor?: Redactor
    /** The run's outer signal (the runner cancelling the job). */
    signal?: AbortSignal
  } = {},
): Promise<Harness> {
  server = await startAnthropicServer(script, { apiKey: API_KEY })
  repo = makeRepo(opts.files ?? { 'src/app.ts': 'export const greeting = "hello"\n' })
  const logs: string[] = []
  const { files: _files, maxRetries, signal, ...rest } = opts
  const tools = opts.tools ?? createToolset(createTools())
  const sandbox = createRuntimeSandbox({ env: allowlistedEnv(), workspace: repo.root, allowedDomains: [] })
  const result = await runAgent({
    provider: createAnthropicProvider({ apiKey: API_KEY, baseURL: server.url, maxRetries: maxRetries ?? 4 }),
    model: SONNET,
    system: 'You implement one phase of a spec in this repository.',
    prompt: 'Implement phase ISSUE-3.',
    tools,
    ctx: { workspace: repo.root, sandbox, signal },
    budgets: { maxTurns: 20, maxCostUsd: 5, timeoutMs: 30_000 },
    redactor: new Redactor(),
    log: (l) => logs.push(l),
    streamRetryDelayMs: 10,
    ...rest,
  }).finally(async () => {
    // As the pipeline does after a run: nothing the model started outlives it.
    await tools.close()
    await sandbox.reap()
  })
  return { result, server, repo, logs, bodies: server.scripted.map((r) => r.body as RequestBody) }
}

const text = (t: string): ScriptBlock => ({ type: 'text', text: t })
const use = (name: string, input: unknown, id?: string): ScriptBlock => ({
  type: 'tool_use',
  name,
  input,
  id,
})

/** The user message answering the previous turn, as the model saw it in request `i`. */
function lastUserContent(body: RequestBody): Array<Record<string, unknown>> {
  const m = body.messages[body.messages.length - 1]
  expect(m.role).toBe('user')
  return m.content as Array<Record<string, unknown>>
}

describe('runAgent: editing over several turns', () => {
  it('views, str_replaces and inserts (insert_text and new_str), answering every call in order', async () => {
    const h = await run([
      {
        content: [
          text('Let me look at the file.'),
          use(EDIT, { command: 'view', path: 'src/app.ts' }, 'toolu_view'),
        ],
      },
      {
        content: [
          use(
            EDIT,
            { command: 'str_replace', path: 'src/app.ts', old_str: '"hello"', new_str: '"hi"' },
            'toolu_repl',
          ),
        ],
      },
      {
        content: [
          use(
            EDIT,
            { command: 'insert', path: 'src/app.ts', insert_line: 0, insert_text: '// header' },
            'toolu_ins1',
          ),
          use(
            EDIT,
            { command: 'insert', path: 'src/app.ts', insert_line: 2, new_str: 'export const n = 1' },
            'toolu_ins2',
          ),
        ],
      },
      { content: [text('Done: greeting changed.\n\nTest with `npm test`.')] },
    ])
    expect(h.result.status).toBe('completed')
    expect(h.result.turns).toBe(4)
    expect(h.result.summary).toBe('Done: greeting changed.\n\nTest with `npm test`.')
    expect(h.repo.read('src/app.ts')).toBe('// header\nexport const greeting = "hi"\nexport const n = 1\n')

    expect(h.bodies).toHaveLength(4)
    const view = lastUserContent(h.bodies[1])
    expect(view).toHaveLength(1)
    expect(view[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_view' })
    expect(view[0].content).toContain('     1\texport const greeting = "hello"')
    const inserts = lastUserContent(h.bodies[3])
    expect(inserts.map((b) => b.tool_use_id)).toEqual(['toolu_ins1', 'toolu_ins2'])
    expect(inserts.every((b) => b.is_error === undefined)).toBe(true)
    // The assistant turn is sent back with its tool_use input parsed from the streamed JSON chunks.
    const assistant = h.bodies[3].messages[h.bodies[3].messages.length - 2]
    expect(assistant.role).toBe('assistant')
    expect(assistant.content[0]).toMatchObject({
      type: 'tool_use',
      id: 'toolu_ins1',
      input: { insert_text: '// header' },
    })

    expect(h.result.transcript.filter((e) => e.kind === 'tool_use').map((e) => e.text)).toEqual([
      'view src/app.ts',
      'str_replace src/app.ts',
      'insert src/app.ts after line 0',
      'insert src/app.ts after line 2',
    ])
    expect(h.result.transcript[0]).toEqual({ turn: 1, kind: 'text', text: 'Let me look at the file.' })
  })

  it('turns tool failures into is_error results the model sees, without stopping', async () => {
    const h = await run([
      {
        content: [
          use(EDIT, { command: 'str_replace', path: 'src/app.ts', old_str: 'absent', new_str: 'x' }),
          use('no_such_tool', {}),
          use('bash', { command: 'echo ran' }),
        ],
      },
      { content: [text('ok')] },
    ])
    expect(h.result.status).toBe('completed')
    const results = lastUserContent(h.bodies[1])
    expect(results[0]).toMatchObject({ is_error: true })
    expect(results[0].content).toContain('did not appear verbatim')
    expect(results[1]).toMatchObject({ is_error: true })
    expect(results[1].content).toContain('Unknown tool "no_such_tool"')
    expect(results[2].content).toBe('ran\n[exit code 0]')
    expect(h.result.transcript.filter((e) => e.isError)).toHaveLength(2)
  })
})

/** A tool that waits at a barrier until `expected` calls are inside it at once (or gives up). */
function barrierTool(name: string, readOnly: boolean, expected: number) {
  let active = 0
  let maxActive = 0
  const waiters: Array<() => void> = []
  const tool: Tool = {
    name,
    definition: { name, description: 'test tool', input_schema: { type: 'object', properties: {} } },
    parse: (i) => i,
    isReadOnly: () => readOnly,
    summarize: (i) => `${name} ${JSON.stringify(i)}`,
    async run(input) {
      active++
      maxActive = Math.max(maxActive, active)
      if (active >= expected) waiters.splice(0).forEach((w) => w())
      else
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          // Sequential calls never reach the barrier: let them through.
          setTimeout(resolve, 300)
        })
      active--
      return { content: `done ${(input as { n: number }).n}` }
    },
  }
  return { tool, maxActive: () => maxActive }
}

describe('runAgent: tool scheduling', () => {
  it('runs the read-only calls of one turn concurrently and returns results in call order', async () => {
    const reads = barrierTool('probe', true, 3)
    const h = await run(
      [
        {
          content: [
            use('probe', { n: 1 }, 'toolu_1'),
            use('probe', { n: 2 }, 'toolu_2'),
            use('probe', { n: 3 }, 'toolu_3'),
            use(EDIT, { command: 'view', path: 'src/app.ts' }, 'toolu_4'),
            use('grep', { pattern: 'greeting' }, 'toolu_5'),
            use('glob', { pattern: '**/*.ts' }, 'toolu_6'),
          ],
        },
        { content: [text('ok')] },
      ],
      { tools: createToolset([...createTools(), reads.tool]) },
    )
    expect(h.result.status).toBe('completed')
    expect(reads.maxActive()).toBe(3)
    const results = lastUserContent(h.bodies[1])
    expect(results.map((r) => r.tool_use_id)).toEqual([
      'toolu_1',
      'toolu_2',
      'toolu_3',
      'toolu_4',
      'toolu_5',
      'toolu_6',
    ])
    expect(results.slice(0, 3).map((r) => r.content)).toEqual(['done 1', 'done 2', 'done 3'])
    expect(results[4].content).toBe('src/app.ts:1:export const greeting = "hello"')
    expect(results[5].content).toBe('src/app.ts')
  })

  it('runs calls that write one at a time, in order', async () => {
    const writes = barrierTool('mutate', false, 2)
    const h = await run(
      [
        {
          content: [
            use('mutate', { n: 1 }),
            use('mutate', { n: 2 }),
            use('bash', { command: 'echo one > out.txt' }),
            use('bash', { command: 'echo two >> out.txt' }),
          ],
        },
        { content: [text('ok')] },
      ],
      { tools: createToolset([...createTools(), writes.tool]) },
    )
    expect(h.result.status).toBe('completed')
    expect(writes.maxActive()).toBe(1)
    expect(h.repo.read('out.txt')).toBe('one\ntwo\n')
  })
})

describe('runAgent: clarification', () => {
  it('ends the run at once with the questions; the other calls of that turn still get results', async () => {
    const h = await run([
      {
        content: [
          text('The spec is ambiguous.'),
          use('ask_for_clarification', { questions: ['Which database?', 'Keep v1 API?'] }),
          use(EDIT, { command: 'view', path: 'src/app.ts' }),
        ],
      },
      { content: [text('should never be requested')] },
    ])
    expect(h.result.status).toBe('clarification')
    expect(h.result.questions).toEqual(['Which database?', 'Keep v1 API?'])
    expect(h.result.turns).toBe(1)
    expect(h.bodies).toHaveLength(1)
    const results = h.result.transcript.filter((e) => e.kind === 'tool_result')
    expect(results).toHaveLength(2)
    expect(results[1].text).toContain('export const greeting')
    expect(h.result.summary).toBe('The spec is ambiguous.')
  })
})

describe('runAgent: budgets', () => {
  const forever: Script = (_body, i) => ({
    content: [text(`turn ${i + 1}`), use('bash', { command: `echo ${i}` })],
  })

  it('stops at max turns with the usage so far', async () => {
    const h = await run(forever, { budgets: { maxTurns: 3, maxCostUsd: 100, timeoutMs: 30_000 } })
    expect(h.result.status).toBe('max-turns')
    expect(h.result.turns).toBe(3)
    expect(h.bodies).toHaveLength(3)
    expect(h.result.usage.outputTokens).toBeGreaterThan(0)
    expect(h.result.summary).toBe('turn 3')
  })

  it('stops when the cost budget is reached', async () => {
    const pricey: ModelInfo = {
      id: 'claude-opus-4-1',
      prices: { input: 15_000, output: 75_000, cacheWrite: 18_750, cacheRead: 1_500 },
    }
    const h = await run(forever, {
      model: pricey,
      budgets: { maxTurns: 50, maxCostUsd: 2, timeoutMs: 30_000 },
    })
    expect(h.result.status).toBe('max-cost')
    expect(h.result.costUsd).not.toBeNull()
    expect(h.result.costUsd!).toBeGreaterThanOrEqual(2)
    expect(h.result.turns).toBeLessThan(50)
    expect(h.bodies).toHaveLength(h.result.turns)
  })

  it('prices each request on its own, so a long-prompt tier applies only to the requests above it', async () => {
    const tiered: ModelInfo = {
      id: 'claude-tiered-test',
      prices: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
      // A tiny threshold: the first request is under it, later (longer) requests are over it.
      longPrompt: { aboveTokens: 900, prices: { input: 10, output: 50, cacheWrite: 12.5, cacheRead: 1 } },
    }
    const h = await run([{ content: [use('bash', { command: 'seq 1 600' })] }, { content: [text('done')] }], {
      model: tiered,
      system: 'short',
    })
    const [u1, u2] = h.server.scripted.map((r) => r.usage!)
    const prompt = (u: typeof u1) =>
      u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens
    expect(prompt(u1)).toBeLessThanOrEqual(900)
    expect(prompt(u2)).toBeGreaterThan(900)
    const price = (u: typeof u1, p: NonNullable<ModelInfo['prices']>) =>
      (u.input_tokens * p.input +
        u.output_tokens * p.output +
        u.cache_creation_input_tokens * p.cacheWrite +
        u.cache_read_input_tokens * p.cacheRead) /
      1e6
    expect(h.result.costUsd).toBeCloseTo(price(u1, tiered.prices!) + price(u2, tiered.longPrompt!.prices), 12)
  })

  it('still enforces the cost budget for a model with unknown prices (priced as the dearest known)', async () => {
    const h = await run(
      (_body, i) => ({ content: [use('bash', { command: `echo ${'x'.repeat(4000)} ${i}` })] }),
      { model: { id: 'claude-future-9' }, budgets: { maxTurns: 50, maxCostUsd: 0.05, timeoutMs: 30_000 } },
    )
    expect(h.result.status).toBe('max-cost')
    expect(h.result.costUsd).toBeNull()
    expect(h.result.turns).toBeLessThan(50)
  })

  it('says the cost budget cannot be enforced when prices are unknown, and reports cost as null', async () => {
    const h = await run([{ content: [text('done')] }], { model: { id: 'claude-future-9' } })
    expect(h.result.status).toBe('completed')
    expect(h.result.costUsd).toBeNull()
    expect(h.logs.join('\n')).toMatch(/max-cost budget is enforced as if/)
  })

  it('times out, aborting the in-flight request, and keeps the usage so far', async () => {
    const h = await run(
      [
        { content: [use('bash', { command: 'echo first' })] },
        { delayMs: 20_000, content: [text('too late')] },
      ],
      { budgets: { maxTurns: 20, maxCostUsd: 5, timeoutMs: 1_500 } },
    )
    expect(h.result.status).toBe('timeout')
    expect(h.result.turns).toBe(1)
    expect(h.result.usage.outputTokens).toBeGreaterThan(0)
    expect(h.result.durationMs).toBeLessThan(20_000)
    // The delayed request was abandoned by the client (the server saw it go away).
    await vi.waitFor(() => expect(h.server.scripted[1].status).toBe(499))
  })
})

describe('runAgent: cancelled from outside', () => {
  it('stops a running command at once and ends as cancelled (not timeout), keeping the usage so far', async () => {
    const cancel = new AbortController()
    const started = Date.now()
    setTimeout(() => cancel.abort(), 1_500)
    const h = await run([{ content: [use('bash', { command: 'sleep 30; echo finished' })] }], {
      signal: cancel.signal,
    })
    expect(h.result.status).toBe('cancelled')
    expect(h.result.turns).toBe(1)
    expect(h.result.usage.outputTokens).toBeGreaterThan(0)
    expect(Date.now() - started).toBeLessThan(10_000)
    // The command's result was not sent back: the run ended before another request.
    expect(h.server.scripted).toHaveLength(1)
  })

  it('aborts the request in flight when cancelled while the model answers', async () => {
    const cancel = new AbortController()
    setTimeout(() => cancel.abort(), 1_000)
    const h = await run([{ delayMs: 20_000, content: [text('too late')] }], { signal: cancel.signal })
    expect(h.result.status).toBe('cancelled')
    expect(h.result.turns).toBe(0)
    await vi.waitFor(() => expect(h.server.scripted[0].status).toBe(499))
  })

  it('runs nothing when cancelled before it starts', async () => {
    const cancel = new AbortController()
    cancel.abort()
    const h = await run([{ content: [text('never asked')] }], { signal: cancel.signal })
    expect(h.result.status).toBe('cancelled')
    expect(h.server.requests).toHaveLength(0)
  })
})

describe('runAgent: failures and retries', () => {
  it('retries a 429 after retry-after-ms (by the SDK) and continues', async () => {
    const h = await run([{ status: 429, retryAfterMs: 20 }, { content: [text('finished')] }])
    expect(h.result.status).toBe('completed')
    expect(h.result.turns).toBe(1)
    expect(h.server.scripted.map((r) => r.status)).toEqual([429, 200])
    expect(h.server.scripted[1].headers['x-stainless-retry-count']).toBe('1')
  })

  it('re-sends a turn whose stream broke off (in-stream overloaded error, then a dropped connection)', async () => {
    const h = await run([
      { content: [use('bash', { command: 'echo once >> ran.txt' })] },
      { streamError: 'overloaded_error' },
      { drop: true },
      { content: [text('recovered')] },
    ])
    expect(h.result.status).toBe('completed')
    expect(h.result.summary).toBe('recovered')
    expect(h.result.turns).toBe(2)
    expect(h.bodies).toHaveLength(4)
    // The retried requests are the same turn: same conversation.
    expect(h.bodies[2].messages).toEqual(h.bodies[1].messages)
    expect(h.bodies[3].messages).toEqual(h.bodies[1].messages)
    expect(h.repo.read('ran.txt')).toBe('once\n') // tools were not re-run
    expect(h.logs.join('\n')).toMatch(/retrying the turn \(1\/2\)/)
  })

  it('gives up with status error after the stream fails three times', async () => {
    const h = await run([
      { streamError: 'overloaded_error' },
      { streamError: 'overloaded_error' },
      { streamError: 'overloaded_error' },
    ])
    expect(h.result.status).toBe('error')
    expect(h.result.error).toMatch(/overloaded_error/)
    expect(h.result.turns).toBe(0)
  })

  it('reports an API failure that persists after the SDK retries as status error with a clear message', async () => {
    const h = await run([{ status: 529 }, { status: 529 }], { maxRetries: 1 })
    expect(h.result.status).toBe('error')
    // The provider's description (its wording: __tests__/providers/anthropic.test.ts), logged and returned.
    expect(h.result.error).toMatch(/^Anthropic API error 529 overloaded_error: Overloaded/)
    expect(h.result.error).toMatch(/request-id req_/)
    expect(h.logs).toContain(`Model request failed: ${h.result.error}`)
    expect(h.server.scripted).toHaveLength(2)
  })

  it('reports an exhausted script loudly (the stand-in answers 500 without retry)', async () => {
    const h = await run([{ content: [use('bash', { command: 'true' })] }])
    expect(h.result.status).toBe('error')
    expect(h.result.error).toMatch(/script exhausted/)
  })
})

describe('runAgent: continuation', () => {
  it('asks the model to go on after max_tokens and pause_turn, counting each as a turn', async () => {
    const h = await run([
      { content: [text('Part one of a long answer')], stop_reason: 'max_tokens' },
      { content: [text('Still working')], stop_reason: 'pause_turn' },
      { content: [text('Finished.')] },
    ])
    expect(h.result.status).toBe('completed')
    expect(h.result.turns).toBe(3)
    const afterMaxTokens = lastUserContent(h.bodies[1])
    expect(afterMaxTokens[0]).toMatchObject({ type: 'text' })
    expect(String(afterMaxTokens[0].text)).toMatch(/cut off by the output limit/)
    // pause_turn: the assistant turn goes back as it is.
    const last = h.bodies[2].messages[h.bodies[2].messages.length - 1]
    expect(last.role).toBe('assistant')
    expect(last.content[0]).toMatchObject({ type: 'text', text: 'Still working' })
  })

  it('does not run a tool call cut off by max_tokens and tells the model why', async () => {
    const h = await run([
      {
        content: [
          use('bash', { command: 'echo a > a.txt' }),
          use(EDIT, { command: 'create', path: 'big.txt' }),
        ],
        stop_reason: 'max_tokens',
      },
      { content: [text('ok')] },
    ])
    const results = lastUserContent(h.bodies[1])
    expect(results[0].content).toBe('[exit code 0]')
    expect(results[1]).toMatchObject({ is_error: true })
    expect(String(results[1].content)).toMatch(/^Not run: your response hit the output limit/)
    expect(h.repo.exists('a.txt')).toBe(true)
    expect(h.repo.exists('big.txt')).toBe(false)
  })
})

describe('runAgent: requests and prompt caching', () => {
  it('sends what the API expects, with cache breakpoints that make every later turn read from cache', async () => {
    const h = await run([
      { content: [use(EDIT, { command: 'view', path: 'src/app.ts' })] },
      { content: [use('bash', { command: 'echo hi' })] },
      { content: [use('glob', { pattern: '*.ts' })] },
      { content: [text('done')] },
    ])
    expect(h.result.status).toBe('completed')
    // Headers, streaming and no temperature are the provider's (also __tests__/providers/anthropic.test.ts).
    const maxTokens = createAnthropicProvider({ apiKey: API_KEY }).maxOutputTokens(SONNET.id)
    for (const r of h.server.scripted) {
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`)
      expect(r.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
      expect(r.headers['x-api-key']).toBeUndefined()
      const body = r.body!
      expect(body.stream).toBe(true)
      expect(body).not.toHaveProperty('temperature')
      expect(body.model).toBe('claude-sonnet-4-5')
      expect(body.max_tokens).toBe(32_000)
      expect(body.max_tokens).toBe(maxTokens)
      expect(body.system).toEqual([
        {
          type: 'text',
          text: 'You implement one phase of a spec in this repository.',
          cache_control: { type: 'ephemeral' },
        },
      ])
      expect(body.tools.map((t: { name: string }) => t.name)).toEqual([
        'str_replace_based_edit_tool',
        'bash',
        'glob',
        'grep',
        'TodoWrite',
        'ask_for_clarification',
      ])
      expect(body.tools.some((t: { cache_control?: unknown }) => t.cache_control)).toBe(false)
      // The last block of the conversation carries a breakpoint; at most 4 in all.
      const lastMessage = body.messages[body.messages.length - 1]
      expect(lastMessage.content[lastMessage.content.length - 1].cache_control).toEqual({ type: 'ephemeral' })
      const breakpoints = body.messages.flatMap((m: { content: Array<{ cache_control?: unknown }> }) =>
        m.content.filter((b) => b.cache_control),
      ).length
      expect(breakpoints).toBeLessThanOrEqual(2)
      expect(breakpoints).toBe(body.messages.length === 1 ? 1 : 2)
    }
    // Conversation is never mutated between turns: turn 1's prompt carried the breakpoint only while it was last.
    expect(h.bodies[3].messages[0].content[0]).not.toHaveProperty('cache_control')

    const usages = h.server.scripted.map((r) => r.usage!)
    expect(usages[0].cache_read_input_tokens).toBe(0)
    expect(usages[0].cache_creation_input_tokens).toBeGreaterThan(0)
    for (const u of usages.slice(1)) {
      expect(u.cache_read_input_tokens).toBeGreaterThan(0)
      // Everything before the previous request's end is read, only the new turn is written.
      expect(u.cache_read_input_tokens).toBeGreaterThan(u.cache_creation_input_tokens)
    }
    expect(h.result.usage.cacheReadInputTokens).toBe(
      usages.reduce((s, u) => s + u.cache_read_input_tokens, 0),
    )
    expect(h.result.usage.inputTokens).toBe(usages.reduce((s, u) => s + u.input_tokens, 0))
    expect(h.result.cacheHitShare).toBeGreaterThan(0.4)
    expect(h.result.cacheHitShare).toBeCloseTo(cacheHitShare(h.result.usage), 10)
    const u = h.result.usage
    const expected =
      (u.inputTokens * 3 +
        u.outputTokens * 15 +
        u.cacheCreationInputTokens * 3.75 +
        u.cacheReadInputTokens * 0.3) /
      1e6
    expect(h.result.costUsd).toBeCloseTo(expected, 12)
  })

  it('clears old tool results once the context passes the threshold, keeping the last three', async () => {
    const calls = Array.from({ length: 5 }, (_, i) =>
      use('bash', { command: `echo output-${i}` }, `toolu_${i}`),
    )
    const h = await run(
      [
        { content: calls },
        { content: [use('bash', { command: 'echo later' }, 'toolu_5')] },
        { content: [text('done')] },
      ],
      {
        contextClearThresholdTokens: 100,
      },
    )
    expect(h.result.status).toBe('completed')
    // Request 2 was built before any request passed the threshold... request 1 did, so request 2 is cleared.
    const results = h.bodies[2].messages.flatMap((m: { content: Array<Record<string, unknown>> }) =>
      m.content.filter((b) => b.type === 'tool_result'),
    )
    expect(results.map((r: Record<string, unknown>) => r.content)).toEqual([
      CLEARED_TOOL_RESULT,
      CLEARED_TOOL_RESULT,
      CLEARED_TOOL_RESULT,
      'output-3\n[exit code 0]',
      'output-4\n[exit code 0]',
      'later\n[exit code 0]',
    ])
    expect(h.logs.join('\n')).toMatch(/cleared \d+ older tool result/)
  })
})

/** A tool that answers every call with `chars` characters of output. */
function bulkyTool(chars: number): Tool {
  return {
    name: 'dump',
    definition: { name: 'dump', description: 'test tool', input_schema: { type: 'object', properties: {} } },
    parse: (i) => i,
    isReadOnly: () => true,
    summarize: () => 'dump',
    run: async (input) => ({ content: `${JSON.stringify(input)} ${'x'.repeat(chars)}` }),
  }
}

/** Each request's prompt as the stand-in counted it, and whether old tool results were cleared in it. */
function prompts(h: Harness): Array<{ prompt: number; cleared: boolean }> {
  return h.server.scripted.map((r) => ({
    prompt: r.usage!.input_tokens + r.usage!.cache_creation_input_tokens + r.usage!.cache_read_input_tokens,
    cleared: JSON.stringify(r.body).includes(CLEARED_TOOL_RESULT),
  }))
}

describe('runAgent: context clearing and long-prompt prices', () => {
  // 30 turns of ~6k tokens of tool output each (the stand-in counts 4 characters a token): ~180k in all.
  const script: Script = (_body, i) =>
    i < 30 ? { content: [use('dump', { turn: i }, `toolu_${i}`)] } : { content: [text('done')] }
  const budgets = { maxTurns: 40, maxCostUsd: 100, timeoutMs: 60_000 }
  const prices = { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 }

  it('a model priced higher above 100k prompt tokens is cleared before any request crosses 100k', async () => {
    const banded: ModelInfo = {
      id: 'claude-banded-test',
      prices,
      longPrompt: {
        aboveTokens: 100_000,
        prices: { input: 0.5, output: 2.5, cacheWrite: 0.625, cacheRead: 0.05 },
      },
    }
    const h = await run(script, { model: banded, budgets, tools: createToolset([bulkyTool(24_000)]) })
    expect(h.result.status).toBe('completed')
    const p = prompts(h)
    expect(p).toHaveLength(31)
    expect(Math.max(...p.map((r) => r.prompt))).toBeLessThanOrEqual(100_000)
    // It was cleared on the way (without, the prompt would have passed 100k), and not at the first turns.
    expect(p.some((r) => r.cleared)).toBe(true)
    expect(p.find((r) => r.cleared)!.prompt).toBeLessThan(p[p.findIndex((r) => r.cleared) - 1].prompt)
    expect(h.logs.join('\n')).toMatch(/cleared \d+ older tool result/)
  })

  it('a model without a tier is cleared where it was: only after a prompt passed 120k', async () => {
    const h = await run(script, {
      model: { id: 'claude-flat-test', prices },
      budgets,
      tools: createToolset([bulkyTool(24_000)]),
    })
    expect(h.result.status).toBe('completed')
    const p = prompts(h)
    const first = p.findIndex((r) => r.cleared)
    expect(first).toBeGreaterThan(0)
    // The request before the first cleared one passed 120k; none before it did, and some passed 100k uncleared.
    expect(p[first - 1].prompt).toBeGreaterThan(120_000)
    expect(p.slice(0, first - 1).every((r) => r.prompt <= 120_000)).toBe(true)
    expect(p.slice(0, first).some((r) => r.prompt > 100_000)).toBe(true)
  })
})

describe('runAgent: security', () => {
  it('refuses path escapes made by the model and leaves everything outside untouched', async () => {
    const outside = makeTempDir()
    cleanups.push(() => fs.rmSync(outside, { recursive: true, force: true }))
    fs.writeFileSync(path.join(outside, 'target.txt'), 'original\n')
    const h = await run((_body, i) =>
      i === 0
        ? {
            content: [
              use('bash', { command: `ln -s ${outside} out` }),
              use(EDIT, { command: 'view', path: '../x' }),
              use(EDIT, { command: 'view', path: '/etc/passwd' }),
              use(EDIT, {
                command: 'str_replace',
                path: 'out/target.txt',
                old_str: 'original',
                new_str: 'owned',
              }),
              use(EDIT, { command: 'create', path: '.git/config', file_text: '[core]\n' }),
              use(EDIT, { command: 'create', path: '.git/hooks/pre-commit', file_text: '#!/bin/sh\n' }),
            ],
          }
        : { content: [text('done')] },
    )
    expect(h.result.status).toBe('completed')
    const results = lastUserContent(h.bodies[1])
    expect(results.slice(1).every((r) => r.is_error === true)).toBe(true)
    expect(String(results[1].content)).toMatch(/outside the repository/)
    expect(String(results[2].content)).toMatch(/outside the repository/)
    expect(String(results[3].content)).toMatch(/outside the repository/)
    expect(String(results[4].content)).toMatch(/inside \.git/)
    expect(fs.readFileSync(path.join(outside, 'target.txt'), 'utf8')).toBe('original\n')
    expect(h.repo.read('.git/config')).toContain('[core]\n\trepositoryformatversion')
    expect(h.repo.exists('.git/hooks/pre-commit')).toBe(false)
  })

  it('redacts secrets from the transcript, the summary, the tool results sent back and the rendered markdown', async () => {
    const redactor = new Redactor()
    const known = 'hunter2-known-secret-value'
    redactor.add(known)
    const ghToken = 'ghp_' + 'A'.repeat(36)
    const h = await run(
      [
        {
          content: [
            text(`I found ${known} in the config`),
            use(EDIT, { command: 'view', path: 'config.env' }),
          ],
        },
        { content: [use('bash', { command: 'cat config.env' })] },
        { content: [text(`Summary: token is ${ghToken} and key ${known}`)] },
      ],
      {
        redactor,
        files: { 'config.env': `TOKEN=${ghToken}\nPASS=${known}\n` },
      },
    )
    expect(h.result.status).toBe('completed')
    const everything =
      JSON.stringify(h.result) +
      renderTranscript(h.result) +
      JSON.stringify(h.bodies.slice(1).map((b) => lastUserContent(b)))
    expect(everything).not.toContain(known)
    expect(everything).not.toContain(ghToken)
    expect(h.result.summary).toBe('Summary: token is *** and key ***')
    expect(h.result.transcript.some((e) => e.text.includes('***'))).toBe(true)
    expect(renderTranscript(h.result)).toContain('***')
  })
})
