import { describe, expect, it } from 'vitest'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { createClarifyTool } from '../../src/tools/clarify.js'
import { createTools } from '../../src/tools/index.js'
import { direct } from './direct.js'

const ctx = { workspace: '/nonexistent', sandbox: createPlainSandbox({ env: {} }) }

describe('ask_for_clarification', () => {
  it('returns the trimmed questions as a clarification', async () => {
    const tool = direct(createClarifyTool())
    const out = await tool.run({ questions: ['  Which database?  ', 'Keep the old API?'] }, ctx)
    expect(out.clarification).toEqual(['Which database?', 'Keep the old API?'])
    expect(out.isError).toBeFalsy()
    expect(tool.summarize({ questions: ['Which database?', 'Keep the old API?'] })).toBe(
      'Which database? | Keep the old API?',
    )
  })

  it.each([
    [{}, /array/],
    [{ questions: 'one?' }, /array/],
    [{ questions: [] }, /1 to 10/],
    [{ questions: Array.from({ length: 11 }, (_, i) => `q${i}?`) }, /1 to 10/],
    [{ questions: ['ok?', '   '] }, /Question 2 must be a non-empty string/],
    [{ questions: ['ok?', 3] }, /Question 2/],
  ])('rejects %j', async (input, message) => {
    await expect(direct(createClarifyTool()).run(input, ctx)).rejects.toThrow(message)
  })
})

describe('createTools', () => {
  it('offers the editor, bash, glob, grep, TodoWrite and ask_for_clarification with valid definitions', () => {
    const tools = createTools()
    expect(tools.map((t) => t.name)).toEqual([
      'str_replace_based_edit_tool',
      'bash',
      'glob',
      'grep',
      'TodoWrite',
      'ask_for_clarification',
    ])
    expect(tools[0].definition).toEqual({ type: 'text_editor_20250728', name: 'str_replace_based_edit_tool' })
    expect(tools[1].definition).toEqual({ type: 'bash_20250124', name: 'bash' })
    for (const t of tools.slice(2)) {
      const def = t.definition as { name: string; description?: string; input_schema?: { type: string } }
      expect(def.name).toBe(t.name)
      expect(def.description?.length).toBeGreaterThan(20)
      expect(def.input_schema?.type).toBe('object')
    }
  })
})
