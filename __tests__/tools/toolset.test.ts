import { describe, expect, it, vi } from 'vitest'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { ToolError } from '../../src/tools/errors.js'
import { createTools } from '../../src/tools/index.js'
import { createToolset } from '../../src/tools/toolset.js'
import type { Tool } from '../../src/tools/types.js'

const ctx = { workspace: '/nonexistent', sandbox: createPlainSandbox({ env: {} }) }

/** A tool that wants `{ n: number }`, reads when n is even, and fails as `run` is told to. */
function numberTool(overrides: Partial<Tool<{ n: number }>> = {}): Tool<{ n: number }> {
  return {
    name: 'num',
    definition: { name: 'num', input_schema: { type: 'object' } },
    parse(raw) {
      const n = (raw as { n?: unknown } | null)?.n
      if (typeof n !== 'number') throw new ToolError('Parameter `n` must be a number.')
      return { n }
    },
    isReadOnly: ({ n }) => n % 2 === 0,
    summarize: ({ n }) => `number ${n}`,
    run: async ({ n }) => ({ content: `got ${n}` }),
    ...overrides,
  }
}

describe('createToolset', () => {
  it('exposes the definitions and names in order', () => {
    const tools = createTools()
    const toolset = createToolset(tools)
    expect(toolset.names).toEqual(tools.map((t) => t.name))
    expect(toolset.definitions).toEqual(tools.map((t) => t.definition))
  })

  it('runs a call with parsed input and summarizes it with the tool', async () => {
    const run = vi.fn(async ({ n }: { n: number }) => ({ content: `got ${n}` }))
    const toolset = createToolset([numberTool({ run })])
    const r = await toolset.call({ name: 'num', input: { n: 3, extra: true } }, ctx)
    expect(r).toEqual({ summary: 'number 3', outcome: { content: 'got 3' } })
    expect(run).toHaveBeenCalledWith({ n: 3 }, ctx)
  })

  it('answers an unknown tool with the available names, without throwing', async () => {
    const log = vi.fn()
    const toolset = createToolset([numberTool(), { ...numberTool(), name: 'other' }], log)
    const r = await toolset.call({ name: 'nope', input: { a: 1 } }, ctx)
    expect(r.outcome).toEqual({ content: 'Unknown tool "nope". Available tools: num, other.', isError: true })
    expect(r.summary).toBe('{"a":1}')
    expect(log).not.toHaveBeenCalled()
  })

  it("sends a parse failure's message back, with the raw input as summary, and does not run", async () => {
    const log = vi.fn()
    const run = vi.fn()
    const toolset = createToolset([numberTool({ run })], log)
    const r = await toolset.call({ name: 'num', input: { n: 'x' } }, ctx)
    expect(r.outcome).toEqual({ content: 'Parameter `n` must be a number.', isError: true })
    expect(r.summary).toBe('{"n":"x"}')
    expect(run).not.toHaveBeenCalled()
    expect(log).not.toHaveBeenCalled() // the model's mistake, not ours
    expect((await toolset.call({ name: 'num', input: undefined }, ctx)).summary).toBe('{}')
  })

  it("a real tool's validation reaches the model with the same text as before", async () => {
    const toolset = createToolset(createTools())
    const r = await toolset.call({ name: 'bash', input: {} }, ctx)
    expect(r.outcome).toEqual({
      content: 'Parameter `command` is required (or `restart: true`).',
      isError: true,
    })
    const edit = await toolset.call({ name: 'str_replace_based_edit_tool', input: { command: 'view' } }, ctx)
    expect(edit.outcome.content).toBe('Parameter `path` is required.')
  })

  it('logs an unexpected error (not a ToolError) and still answers with its message', async () => {
    const log = vi.fn()
    const toolset = createToolset(
      [
        numberTool({
          run: async ({ n }) => {
            if (n === 1) throw new ToolError('No such number.')
            throw new Error('disk on fire')
          },
        }),
      ],
      log,
    )
    const expected = await toolset.call({ name: 'num', input: { n: 1 } }, ctx)
    expect(expected).toEqual({ summary: 'number 1', outcome: { content: 'No such number.', isError: true } })
    expect(log).not.toHaveBeenCalled()
    const unexpected = await toolset.call({ name: 'num', input: { n: 2 } }, ctx)
    expect(unexpected).toEqual({ summary: 'number 2', outcome: { content: 'disk on fire', isError: true } })
    expect(log).toHaveBeenCalledWith('Tool num failed unexpectedly: disk on fire')
  })

  it('falls back to the raw input when summarize throws', async () => {
    const toolset = createToolset([
      numberTool({
        summarize: () => {
          throw new Error('no summary')
        },
      }),
    ])
    expect((await toolset.call({ name: 'num', input: { n: 4 } }, ctx)).summary).toBe('{"n":4}')
  })

  it('is read-only only for known tools with input that parses and that the tool calls read-only', () => {
    const toolset = createToolset([
      numberTool(),
      {
        ...numberTool(),
        name: 'broken',
        isReadOnly: () => {
          throw new Error('cannot tell')
        },
      },
    ])
    expect(toolset.isReadOnly({ name: 'num', input: { n: 2 } })).toBe(true)
    expect(toolset.isReadOnly({ name: 'num', input: { n: 3 } })).toBe(false)
    expect(toolset.isReadOnly({ name: 'num', input: { n: 'two' } })).toBe(false)
    expect(toolset.isReadOnly({ name: 'num', input: null })).toBe(false)
    expect(toolset.isReadOnly({ name: 'nope', input: { n: 2 } })).toBe(false)
    expect(toolset.isReadOnly({ name: 'broken', input: { n: 2 } })).toBe(false)
    const real = createToolset(createTools())
    expect(real.isReadOnly({ name: 'grep', input: { pattern: 'x' } })).toBe(true)
    expect(real.isReadOnly({ name: 'grep', input: {} })).toBe(false)
    expect(
      real.isReadOnly({ name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'a' } }),
    ).toBe(true)
    expect(real.isReadOnly({ name: 'bash', input: { command: 'ls' } })).toBe(false)
  })

  it('closes every tool once, logging a failed close instead of throwing', async () => {
    const log = vi.fn()
    const first = vi.fn(async () => {
      throw new Error('server would not stop')
    })
    const second = vi.fn(async () => {})
    const toolset = createToolset(
      [
        numberTool({ close: first }),
        { ...numberTool(), name: 'b', close: second },
        { ...numberTool(), name: 'c' },
      ],
      log,
    )
    await expect(toolset.close()).resolves.toBeUndefined()
    await toolset.close()
    expect(first).toHaveBeenCalledTimes(1)
    expect(second).toHaveBeenCalledTimes(1)
    expect(log).toHaveBeenCalledTimes(1)
    expect(log).toHaveBeenCalledWith('Tool num did not close cleanly: server would not stop')
  })

  it('with the real editor: a create is never read-only, even with incomplete input; only view is', () => {
    const toolset = createToolset(createTools())
    const edit = (input: unknown) => ({ name: 'str_replace_based_edit_tool', input })
    expect(toolset.isReadOnly(edit({ command: 'create', path: 'x' }))).toBe(false)
    expect(toolset.isReadOnly(edit({ command: 'create', path: 'x', file_text: 'y' }))).toBe(false)
    expect(toolset.isReadOnly(edit({ command: 'view', path: 'x' }))).toBe(true)
  })

  it("summarizes a call it does not run with the tool's own words, or its raw input when it does not parse", () => {
    const toolset = createToolset([numberTool()])
    expect(toolset.summarize({ name: 'num', input: { n: 4 } })).toBe('number 4')
    expect(toolset.summarize({ name: 'num', input: { n: 'x' } })).toBe('{"n":"x"}')
    expect(toolset.summarize({ name: 'nope', input: {} })).toBe('{}')
  })
})
