import { describe, expect, it } from 'vitest'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { createTools } from '../../src/tools/index.js'
import { createTodoTool, type TodoItem } from '../../src/tools/todo.js'
import { createToolset } from '../../src/tools/toolset.js'
import { direct } from './direct.js'

const ctx = { workspace: '/nonexistent', sandbox: createPlainSandbox({ env: {} }) }

/** A list as Claude Code writes it. */
const PLAN: TodoItem[] = [
  { content: 'Read the spec', status: 'completed', activeForm: 'Reading the spec' },
  { content: 'Write slugify', status: 'in_progress', activeForm: 'Writing slugify' },
  { content: 'Run the tests', status: 'pending', activeForm: 'Running the tests' },
]

describe('TodoWrite', () => {
  it("has Claude Code's name and input schema", () => {
    const def = createTodoTool(() => {}).definition as {
      name: string
      description: string
      input_schema: any
    }
    expect(def.name).toBe('TodoWrite')
    expect(def.description).toMatch(/exactly one item in_progress/)
    expect(def.input_schema).toMatchObject({
      type: 'object',
      required: ['todos'],
      properties: {
        todos: {
          type: 'array',
          items: {
            type: 'object',
            required: ['content', 'status', 'activeForm'],
            properties: {
              content: { type: 'string', minLength: 1 },
              status: { type: 'string', enum: ['pending', 'in_progress', 'completed'] },
              activeForm: { type: 'string', minLength: 1 },
            },
          },
        },
      },
    })
  })

  it("replaces the whole list, hands it over normalised and answers as Claude Code's tool does", async () => {
    const seen: TodoItem[][] = []
    const tool = direct(createTodoTool((items) => seen.push(items)))
    const out = await tool.run({ todos: PLAN }, ctx)
    expect(out.isError).toBeFalsy()
    expect(out.content).toBe(
      'Todos have been modified successfully. Ensure that you continue to use the todo list to track your progress. Please proceed with the current tasks if applicable',
    )
    await tool.run(
      {
        todos: [
          {
            content: '  Run\n  the\ttests ',
            status: 'completed',
            activeForm: 'Running\r\nthe tests',
            id: '3',
          },
        ],
      },
      ctx,
    )
    expect(seen).toEqual([
      PLAN,
      [{ content: 'Run the tests', status: 'completed', activeForm: 'Running the tests' }],
    ])
    await tool.run({ todos: [] }, ctx)
    expect(seen.at(-1)).toEqual([])
  })

  it('summarises the counts and is not read-only (calls in one turn apply in order)', () => {
    const tool = direct(createTodoTool(() => {}))
    expect(tool.summarize({ todos: PLAN })).toBe('3 items: 1 done, 1 in progress')
    expect(tool.summarize({ todos: PLAN.slice(0, 1) })).toBe('1 item: 1 done, 0 in progress')
    expect(tool.summarize({ todos: [] })).toBe('0 items')
    expect(tool.isReadOnly({ todos: PLAN })).toBe(false)
  })

  const item = (o: Record<string, unknown>) => ({ ...PLAN[1], ...o })
  it.each([
    [{}, /`todos` must be an array of \{content, status, activeForm\}/],
    [{ todos: 'read, write' }, /`todos` must be an array/],
    [
      { todos: [item({ status: 'doing' })] },
      /Item 1: `status` must be one of pending, in_progress, completed; got "doing"/,
    ],
    [{ todos: [PLAN[0], item({ status: undefined })] }, /Item 2: `status` must be one of .*; got null/],
    [{ todos: [item({ content: '' })] }, /Item 1: `content` must be a non-empty string/],
    [{ todos: [item({ content: ' \n\t ' })] }, /Item 1: `content` must be a non-empty string/],
    [{ todos: [item({ activeForm: undefined })] }, /Item 1: `activeForm` must be a non-empty string/],
    [{ todos: [item({ content: 7 })] }, /Item 1: `content` must be a non-empty string/],
    [{ todos: ['Read the spec'] }, /Item 1 must be an object with content, status and activeForm/],
    [{ todos: [item({ content: 'x'.repeat(301) })] }, /Item 1: `content` is 301 characters; .*at most 300/],
    [{ todos: Array.from({ length: 51 }, () => PLAN[2]) }, /`todos` holds 51 items; at most 50/],
  ])('rejects %j with a message the model can act on', async (input, message) => {
    let called = false
    const tool = direct(createTodoTool(() => (called = true)))
    await expect(tool.run(input, ctx)).rejects.toThrow(message)
    expect(called).toBe(false)
  })

  it('accepts 50 items of 300 characters (the limits are inclusive)', async () => {
    const seen: TodoItem[][] = []
    const tool = direct(createTodoTool((items) => seen.push(items)))
    const long = { content: 'x'.repeat(300), status: 'pending', activeForm: 'y'.repeat(300) }
    await tool.run({ todos: Array.from({ length: 50 }, () => long) }, ctx)
    expect(seen[0]).toHaveLength(50)
  })

  it('reaches onPlan through createTools, and a bad call through the toolset is an error result', async () => {
    const plans: TodoItem[][] = []
    const toolset = createToolset(createTools({ onPlan: (items) => plans.push(items) }))
    const ok = await toolset.call({ name: 'TodoWrite', input: { todos: PLAN } }, ctx)
    expect(ok).toMatchObject({
      summary: '3 items: 1 done, 1 in progress',
      outcome: { content: expect.stringMatching(/successfully/) },
    })
    const bad = await toolset.call({ name: 'TodoWrite', input: { todos: [item({ status: 'done' })] } }, ctx)
    expect(bad.outcome).toMatchObject({
      isError: true,
      content: expect.stringMatching(/`status` must be one of/),
    })
    expect(toolset.isReadOnly({ name: 'TodoWrite', input: { todos: PLAN } })).toBe(false)
    expect(plans).toEqual([PLAN])
  })
})
