import { describe, expect, it } from 'vitest'
import { renderTranscript } from '../../src/agent/transcript.js'
import type { AgentResult } from '../../src/agent/types.js'
import { Redactor } from '../../src/report/redact.js'

function result(over: Partial<AgentResult> = {}): AgentResult {
  return {
    status: 'completed',
    summary: 'done',
    usage: {
      inputTokens: 1,
      outputTokens: 1,
      cacheCreationInputTokens: 0,
      cacheReadInputTokens: 0,
      thinkingTokens: 0,
    },
    costUsd: 0.01,
    turns: 2,
    durationMs: 1000,
    cacheHitShare: 0,
    transcript: [
      { turn: 1, kind: 'text', text: 'Looking <b>around</b>' },
      { turn: 1, kind: 'tool_use', name: 'bash', text: 'ls | grep x' },
      { turn: 1, kind: 'tool_result', name: 'bash', text: 'a.ts b.ts' },
      { turn: 2, kind: 'tool_use', name: 'str_replace_based_edit_tool', text: 'str_replace a.ts' },
      {
        turn: 2,
        kind: 'tool_result',
        name: 'str_replace_based_edit_tool',
        text: 'No replacement was performed',
        isError: true,
      },
    ],
    ...over,
  }
}

describe('renderTranscript', () => {
  it('renders a collapsible table with escaped cells', () => {
    const md = renderTranscript(result())
    expect(md.startsWith('<details>\n<summary>Transcript: 2 turns, 2 tool calls (completed)</summary>')).toBe(
      true,
    )
    expect(md).toContain('| Turn | Step | Detail |')
    expect(md).toContain('| 1 | 💬 says | Looking &lt;b&gt;around&lt;/b&gt; |')
    expect(md).toContain('| 1 | 🔧 `bash` | ls \\| grep x |')
    expect(md).toContain('| 2 | ❌ error | No replacement was performed |')
    expect(md.trimEnd().endsWith('</details>')).toBe(true)
  })

  it('applies a redactor and shows errors and questions', () => {
    const redactor = new Redactor()
    redactor.add('super-secret-value')
    const md = renderTranscript(
      result({
        status: 'clarification',
        questions: ['Use super-secret-value?'],
        transcript: [{ turn: 1, kind: 'text', text: 'key super-secret-value' }],
      }),
      redactor,
    )
    expect(md).not.toContain('super-secret-value')
    expect(md).toContain('| 1 | 💬 says | key *** |')
    expect(md).toContain('1. Use ***?')
    expect(renderTranscript(result({ status: 'error', error: 'boom', transcript: [] }))).toContain(
      'No entries',
    )
  })

  it('omits the middle of very long transcripts', () => {
    const transcript = Array.from({ length: 1000 }, (_, i) => ({
      turn: i + 1,
      kind: 'text' as const,
      text: `entry ${i}`,
    }))
    const md = renderTranscript(result({ transcript, turns: 1000 }))
    expect(md).toContain('| 1 | 💬 says | entry 0 |')
    expect(md).toContain('| 1000 | 💬 says | entry 999 |')
    expect(md).toContain('_600 entries omitted_')
    expect(md).not.toContain('entry 500 |')
  })
})
