import { ToolError } from './errors.js'
import type { Tool, ToolOutcome } from './types.js'

export const TODO_TOOL_NAME = 'TodoWrite'
const MAX_ITEMS = 50
const MAX_TEXT_CHARS = 300
const STATUSES = ['pending', 'in_progress', 'completed'] as const

export type TodoStatus = (typeof STATUSES)[number]

/** One item of the model's plan, as Claude Code's TodoWrite has it. */
export interface TodoItem {
  /** What to do, imperative ("Run the tests"). */
  content: string
  status: TodoStatus
  /** The same, as it reads while being done ("Running the tests"). */
  activeForm: string
}

export interface TodoInput {
  /** The whole list, in the model's order; whitespace collapsed, each text 1 to 300 characters. */
  todos: TodoItem[]
}

/** Claude Code's answer, word for word: models trained on it know what it asks of them. */
const ACK =
  'Todos have been modified successfully. Ensure that you continue to use the todo list to track your progress. ' +
  'Please proceed with the current tasks if applicable'

/**
 * `TodoWrite`: the model's plan, with Claude Code's schema (models know it). Each call replaces the whole list and
 * hands it to `onChange`; the job shows it live in the tracking comment and keeps it in the pull request.
 */
export function createTodoTool(onChange: (items: TodoItem[]) => void): Tool<TodoInput> {
  return {
    name: TODO_TOOL_NAME,
    definition: {
      name: TODO_TOOL_NAME,
      description:
        'Create and update your task list for this run. Use it to plan work with several steps: write the list ' +
        'early, keep exactly one item in_progress (the one you are working on), mark each item completed as soon ' +
        'as it is done, and add items you discover on the way. Each call replaces the whole list. The maintainer ' +
        'sees the list live on the issue and in the pull request. Call it alongside your other tool calls in the ' +
        'same turn, not in a turn of its own. Skip it for a trivial one-step change.',
      input_schema: {
        type: 'object',
        properties: {
          todos: {
            type: 'array',
            description: 'The updated todo list',
            items: {
              type: 'object',
              properties: {
                content: { type: 'string', minLength: 1 },
                status: { type: 'string', enum: [...STATUSES] },
                activeForm: { type: 'string', minLength: 1 },
              },
              required: ['content', 'status', 'activeForm'],
              additionalProperties: false,
            },
          },
        },
        required: ['todos'],
        additionalProperties: false,
      },
    },
    parse: (raw) => ({ todos: validateTodos((raw as { todos?: unknown } | null)?.todos) }),
    // Not read-only: two calls in one turn must apply in order, the last one winning.
    isReadOnly: () => false,
    summarize: ({ todos }) => {
      const count = (s: TodoStatus) => todos.filter((t) => t.status === s).length
      const items = `${todos.length} item${todos.length === 1 ? '' : 's'}`
      return todos.length
        ? `${items}: ${count('completed')} done, ${count('in_progress')} in progress`
        : `${items}`
    },
    async run({ todos }): Promise<ToolOutcome> {
      onChange(todos.map((t) => ({ ...t })))
      return { content: ACK }
    },
  }
}

function validateTodos(raw: unknown): TodoItem[] {
  if (!Array.isArray(raw)) {
    throw new ToolError(
      '`todos` must be an array of {content, status, activeForm} objects (the whole list; [] clears it).',
    )
  }
  if (raw.length > MAX_ITEMS) {
    throw new ToolError(
      `\`todos\` holds ${raw.length} items; at most ${MAX_ITEMS}. Merge small steps into larger ones.`,
    )
  }
  return raw.map((item, i) => {
    const where = `Item ${i + 1}`
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new ToolError(`${where} must be an object with content, status and activeForm.`)
    const { content, status, activeForm } = item as Record<string, unknown>
    if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) {
      throw new ToolError(
        `${where}: \`status\` must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(status ?? null)}.`,
      )
    }
    return {
      content: text(content, `${where}: \`content\``),
      status: status as TodoStatus,
      activeForm: text(activeForm, `${where}: \`activeForm\``),
    }
  })
}

/**
 * One line of 1 to MAX_TEXT_CHARS characters. Too long is refused, not cut: a cut could leave part of a secret
 * that the redactor then no longer recognises, and the list is read by people, a line per item.
 */
function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ToolError(`${what} must be a non-empty string.`)
  const line = value.replace(/\s+/g, ' ').trim()
  if (line === '') throw new ToolError(`${what} must be a non-empty string.`)
  if (line.length > MAX_TEXT_CHARS) {
    throw new ToolError(
      `${what} is ${line.length} characters; keep it to one short line (at most ${MAX_TEXT_CHARS}).`,
    )
  }
  return line
}
