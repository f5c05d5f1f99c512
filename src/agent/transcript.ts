import type { Redactor } from '../report/redact.js'
import type { AgentResult, TranscriptEntry } from './types.js'

/** Rows beyond this are summarized as omitted (the job summary is capped at 1 MiB). */
const MAX_ROWS = 400

/**
 * The run's transcript as compact markdown for the job summary: a collapsible table of turns, tool calls and
 * short results. Entries are already redacted by the loop; a redactor given here is applied once more.
 */
export function renderTranscript(result: AgentResult, redactor?: Redactor): string {
  const redact = (s: string): string => (redactor ? redactor.redact(s) : s)
  const calls = result.transcript.filter((e) => e.kind === 'tool_use').length
  const head = `Transcript: ${result.turns} turn${result.turns === 1 ? '' : 's'}, ${calls} tool call${calls === 1 ? '' : 's'} (${result.status})`
  if (result.transcript.length === 0)
    return `<details>\n<summary>${escapeHtml(head)}</summary>\n\n_No entries._\n\n</details>\n`

  const entries = result.transcript
  const omitted = Math.max(0, entries.length - MAX_ROWS)
  // Keep the start (how it went about it) and the end (how it finished).
  const keepHead = Math.floor(MAX_ROWS / 4)
  const shown: Array<TranscriptEntry | null> =
    omitted > 0
      ? [...entries.slice(0, keepHead), null, ...entries.slice(entries.length - (MAX_ROWS - keepHead))]
      : entries

  const rows = shown.map((e) => {
    if (e === null) return `| … | | _${omitted} entries omitted_ |`
    return `| ${e.turn} | ${step(e)} | ${cell(redact(e.text))} |`
  })
  const lines = [
    '<details>',
    `<summary>${escapeHtml(head)}</summary>`,
    '',
    '| Turn | Step | Detail |',
    '| ---: | --- | --- |',
    ...rows,
  ]
  if (result.status === 'error' && result.error) lines.push('', `**Error:** ${cell(redact(result.error))}`)
  if (result.questions?.length) {
    lines.push('', '**Questions:**', ...result.questions.map((q, i) => `${i + 1}. ${oneLine(redact(q))}`))
  }
  lines.push('', '</details>', '')
  return lines.join('\n')
}

function step(e: TranscriptEntry): string {
  const name = e.name ? ` \`${e.name}\`` : ''
  switch (e.kind) {
    case 'text':
      return '💬 says'
    case 'tool_use':
      return `🔧${name}`
    case 'tool_result':
      return e.isError ? `❌ error` : '↳ result'
  }
}

/** A table cell: one line, pipes escaped, HTML neutralized. */
function cell(s: string): string {
  return escapeHtml(oneLine(s)).replace(/\|/g, '\\|')
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim()
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
