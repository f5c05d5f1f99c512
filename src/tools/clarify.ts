import { ToolError } from './errors.js'
import type { Tool, ToolOutcome } from './types.js'

export const CLARIFY_TOOL_NAME = 'ask_for_clarification'
const MAX_QUESTIONS = 10
const MAX_QUESTION_CHARS = 2_000

export interface ClarifyInput {
  /** 1 to 10 non-empty questions, trimmed. */
  questions: string[]
}

/**
 * `ask_for_clarification`: ends the run with questions for the maintainer (posted on the issue). The loop stops
 * after the current turn's other tool calls.
 */
export function createClarifyTool(): Tool<ClarifyInput> {
  return {
    name: CLARIFY_TOOL_NAME,
    definition: {
      name: CLARIFY_TOOL_NAME,
      description:
        'Ask the maintainer questions when the spec is ambiguous or contradictory and no reasonable, reversible ' +
        'choice exists. This ENDS the run: the questions are posted on the issue and no pull request is opened. ' +
        'Ask only what blocks you, each question self-contained.',
      input_schema: {
        type: 'object',
        properties: {
          questions: {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            maxItems: MAX_QUESTIONS,
            description: '1 to 10 specific questions.',
          },
        },
        required: ['questions'],
      },
    },
    parse: (raw) => ({ questions: validateQuestions((raw as { questions?: unknown } | null)?.questions) }),
    isReadOnly: () => true,
    summarize: (input) => input.questions.join(' | '),
    async run({ questions }): Promise<ToolOutcome> {
      return {
        content: `Your ${questions.length} question(s) will be posted on the issue. The run ends now; stop here.`,
        clarification: questions,
      }
    },
  }
}

function validateQuestions(raw: unknown): string[] {
  if (!Array.isArray(raw)) throw new ToolError('`questions` must be an array of 1 to 10 non-empty strings.')
  if (raw.length < 1 || raw.length > MAX_QUESTIONS) {
    throw new ToolError(`\`questions\` must hold 1 to ${MAX_QUESTIONS} questions; got ${raw.length}.`)
  }
  return raw.map((q, i) => {
    if (typeof q !== 'string' || q.trim() === '')
      throw new ToolError(`Question ${i + 1} must be a non-empty string.`)
    if (q.length > MAX_QUESTION_CHARS) {
      throw new ToolError(
        `Question ${i + 1} is too long (${q.length} characters; at most ${MAX_QUESTION_CHARS}).`,
      )
    }
    return q.trim()
  })
}
