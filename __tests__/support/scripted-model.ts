/**
 * Scripts for the Anthropic stand-in that behave like a model implementing the sandbox spec's ISSUE-2: read the
 * spec, write code and tests, run them, mark the phase complete, and summarise. Used by the demo and e2e tests.
 */
import type { ReplyStep, ScriptStep } from './anthropic-server.js'

const EDITOR = 'str_replace_based_edit_tool'

export const SLUGIFY_JS = `/** Turns a title into a URL slug: lower case, ASCII, words joined by "-". */
export function slugify(text) {
  return String(text)
    .normalize('NFKD')
    .replace(/[\\u0300-\\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}
`

export const SLUGIFY_TEST_JS = `import { test } from 'node:test'
import assert from 'node:assert/strict'
import { slugify } from '../src/index.js'

test('punctuation and case', () => {
  assert.equal(slugify('Hello, World!'), 'hello-world')
})

test('accents are folded', () => {
  assert.equal(slugify('Crème brûlée'), 'creme-brulee')
})
`

export const SUMMARY = `Implemented ISSUE-2: \`slugify(text)\` in \`src/slugify.js\`, re-exported from \`src/index.js\`, with tests for
the spec's examples in \`test/slugify.test.js\`. Marked ISSUE-2 complete in the spec.

How to test locally:
1. \`npm test\` — all tests pass (3 tests).
2. \`node -e "import('./src/index.js').then(m => console.log(m.slugify('Crème brûlée')))"\` prints \`creme-brulee\`.`

const tool = (name: string, input: unknown, id?: string) => ({ type: 'tool_use' as const, name, input, id })
const text = (t: string) => ({ type: 'text' as const, text: t })

/** The steps of the plan `implementIssue2({ plan: true })` writes with TodoWrite: [content, activeForm]. */
export const PLAN_STEPS: ReadonlyArray<readonly [string, string]> = [
  ['Read the spec and the current code', 'Reading the spec and the current code'],
  ['Write slugify and its tests', 'Writing slugify and its tests'],
  ['Run the tests and mark ISSUE-2 complete', 'Running the tests and marking ISSUE-2 complete'],
]

/** A TodoWrite call with the first `done` steps of PLAN_STEPS completed and the next one in progress. */
export function writePlan(done: number) {
  const todos = PLAN_STEPS.map(([content, activeForm], i) => ({
    content,
    activeForm,
    status: i < done ? 'completed' : i === done ? 'in_progress' : 'pending',
  }))
  return tool('TodoWrite', { todos })
}

/**
 * The whole happy path, one step per model turn. `markSpec: false` leaves the marking to the action. `plan`: the
 * model also keeps a plan with TodoWrite, written in the first turn and all done in its last tool turn (the turns
 * stay the same); `planDelayMs` delays the answer after the first write (to let the live plan reach the issue).
 */
export function implementIssue2(
  opts: { markSpec?: boolean; summary?: string; plan?: boolean; planDelayMs?: number } = {},
): ReplyStep[] {
  const steps: ReplyStep[] = [
    {
      content: [
        text('I will read the spec and the current code first.'),
        ...(opts.plan ? [writePlan(0)] : []),
        tool(EDITOR, { command: 'view', path: 'docs/specs/slugkit.md' }),
        tool(EDITOR, { command: 'view', path: 'src/index.js' }),
        tool('glob', { pattern: 'test/**/*.js' }),
      ],
    },
    {
      content: [
        text('Creating the function and its tests.'),
        tool(EDITOR, { command: 'create', path: 'src/slugify.js', file_text: SLUGIFY_JS }),
        tool(EDITOR, { command: 'create', path: 'test/slugify.test.js', file_text: SLUGIFY_TEST_JS }),
      ],
    },
    {
      content: [
        tool(EDITOR, {
          command: 'insert',
          path: 'src/index.js',
          insert_line: 1,
          insert_text: "export { slugify } from './slugify.js'\n",
        }),
        tool('bash', { command: 'npm test 2>&1 | tail -n 8' }),
      ],
    },
  ]
  if (opts.markSpec !== false) {
    steps.push({
      content: [
        text('Tests pass. Marking ISSUE-2 complete in the spec.'),
        tool(EDITOR, {
          command: 'str_replace',
          path: 'docs/specs/slugkit.md',
          old_str: '### ISSUE-2: slugify function\n',
          new_str: '### ISSUE-2: slugify function ✅\n',
        }),
      ],
    })
  }
  if (opts.plan) {
    if (opts.planDelayMs) steps[1].delayMs = opts.planDelayMs
    steps.at(-1)!.content.push(writePlan(PLAN_STEPS.length))
  }
  steps.push({ content: [text(opts.summary ?? SUMMARY)] })
  return steps
}

/** A model that reads, then asks instead of guessing. */
export function asksForClarification(questions: string[]): ScriptStep[] {
  return [
    { content: [tool(EDITOR, { command: 'view', path: 'docs/specs/slugkit.md' })] },
    { content: [text('The spec leaves one thing open.'), tool('ask_for_clarification', { questions })] },
  ]
}

/** A model that keeps working forever: it edits a file each turn (for budget tests). */
export function neverFinishes(): (body: unknown, index: number) => ScriptStep {
  return (_body, index) => ({
    content: [
      tool(EDITOR, { command: 'create', path: `notes/step-${index}.md`, file_text: `step ${index}\n` }),
    ],
  })
}

export const ITERATION_SUMMARY = `Reworded the doc comment of \`slugify\` as the review asked ("any title").

How to test locally: \`npm test\`.`

/** A review iteration: read the file the review is about, change it as asked, summarise. */
export function addressReview(
  change = { from: '/** Turns a title into a URL slug', to: '/** Turns any title into a URL slug' },
): ReplyStep[] {
  return [
    {
      content: [
        text('Reading the file the review is about.'),
        tool(EDITOR, { command: 'view', path: 'src/slugify.js' }),
      ],
    },
    {
      content: [
        tool(EDITOR, {
          command: 'str_replace',
          path: 'src/slugify.js',
          old_str: change.from,
          new_str: change.to,
        }),
      ],
    },
    { content: [text(ITERATION_SUMMARY)] },
  ]
}
