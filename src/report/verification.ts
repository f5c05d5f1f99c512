/** How the verdict of the `verify` command is shown: the tracking comment, the job summary and the PR body. */
import { VERIFICATION_END, VERIFICATION_START } from '../discussion/markers.js'
import { oneLine, outcome, type Verification, type VerifyAttempt } from '../verify/verify.js'
import { fenced, formatDuration, inlineCode } from './format.js'

/** Lines and characters of the output's end shown in the PR body (the model was given more). */
const PR_TAIL_LINES = 40
const PR_TAIL_CHARS = 4_000

/** The command as inline code on one line. */
function code(command: string): string {
  return inlineCode(oneLine(command))
}

/** `after 2 fixes`, `after 1 fix`, or nothing. */
function fixes(v: Verification): string {
  return v.sentBack
    ? `; the model was sent back ${v.sentBack === 1 ? 'once' : `${v.sentBack} times`} to fix it`
    : ''
}

function attemptFigures(a: VerifyAttempt): string {
  return a.passed ? formatDuration(a.durationMs) : `${outcome(a)}, ${formatDuration(a.durationMs)}`
}

/** One line for the tracking comment and the job summary; undefined when no `verify` command is set. */
export function verificationLine(v: Verification): string | undefined {
  if (!v.command) return undefined
  const last = v.attempts.at(-1)
  if (v.status === 'passed' && last)
    return `✅ Verification passed: ${code(v.command)} (${attemptFigures(last)}${fixes(v)}).`
  if (v.status === 'failed' && last) {
    const note = v.note ? ` ${capitalised(v.note)}.` : ''
    return `❌ Verification failed: ${code(v.command)} (${attemptFigures(last)}; ${count(v.attempts.length, 'attempt')}${fixes(v)}).${note}`
  }
  return `⏸️ Verification not run: ${code(v.command)}${v.note ? `, because ${v.note}` : ''}.`
}

/**
 * The PR body's "Verification" section (Markdown lines ending with a blank one), between hidden markers; none
 * without a command.
 */
export function verificationSection(v: Verification): string[] {
  const line = verificationLine(v)
  if (!line || !v.command) return []
  const lines = [VERIFICATION_START, '## Verification', '']
  if (v.command.includes('\n')) lines.push(fenced(v.command, 'sh'), '')
  lines.push(line)
  const last = v.attempts.at(-1)
  if (v.status === 'failed' && last) {
    lines.push(
      '',
      "These changes do not pass the repository's check yet; review them with that in mind.",
      '',
      '<details><summary>The end of its output</summary>',
      '',
      fenced(inert(prTail(last.tail)) || '(no output)', 'text'),
      '',
      '</details>',
    )
  }
  return [...lines, VERIFICATION_END, '']
}

/** The last lines of an output, for a PR body. */
function prTail(tail: string): string {
  const lines = tail.split('\n').slice(-PR_TAIL_LINES).join('\n')
  return lines.length > PR_TAIL_CHARS ? `…${lines.slice(-PR_TAIL_CHARS)}` : lines
}

/**
 * The output as it reads, with nothing a reader of the body could take for structure: no HTML comment (a forged
 * marker) and no line that is a heading or a rule by itself (code that scans the body line by line would stop at
 * it). A zero-width space does it, invisibly, inside the code block.
 */
function inert(text: string): string {
  return text.replaceAll('<!--', '<!\u200b--').replace(/^(?=## |---$)/gm, '\u200b')
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/**
 * A PR body with its "Verification" section replaced by this run's (a review iteration's verdict is about the PR's
 * work as it now stands): the last marked section, so a look-alike in the model's summary above it is left alone.
 * Made before "## Test it locally" (else the footer's `---`, else the hidden PR marker) when there is none.
 */
export function withVerification(body: string, v: Verification): string {
  const section = verificationSection(v)
  const lines = body.replace(/\r\n?/g, '\n').split('\n')
  const start = lines.lastIndexOf(VERIFICATION_START)
  const end = start < 0 ? -1 : lines.indexOf(VERIFICATION_END, start)
  if (end >= 0) {
    // The blank line after the section belongs to it.
    const after = lines[end + 1] === '' ? end + 2 : end + 1
    lines.splice(start, after - start, ...section)
    return lines.join('\n')
  }
  if (section.length === 0) return body
  // The last of each: the action writes them after the model's summary, which may hold look-alikes.
  const anchors = ['## Test it locally', '---'].map((a) => lines.lastIndexOf(a))
  const marker = lines.findLastIndex((l) => l.startsWith('<!-- implement-action:pr '))
  const at = [...anchors, marker].find((i) => i >= 0) ?? lines.length
  lines.splice(at, 0, ...section)
  return lines.join('\n')
}
