/** How the verdict of the `verify` command is shown: the tracking comment, the job summary and the PR body. */
import { fenced, oneLine, outcome, type Verification, type VerifyAttempt } from '../verify/verify.js'
import { formatDuration } from './format.js'

/** Lines and characters of the output's end shown in the PR body (the model was given more). */
const PR_TAIL_LINES = 40
const PR_TAIL_CHARS = 4_000

/** The command as inline code on one line. */
function code(command: string): string {
  return `\`${oneLine(command).replaceAll('`', "'")}\``
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
  const note = v.note ? ` ${capitalised(v.note)}.` : ''
  if (v.status === 'passed' && last)
    return `✅ Verification passed: ${code(v.command)} (${attemptFigures(last)}${fixes(v)}).`
  if (v.status === 'failed' && last)
    return `❌ Verification failed: ${code(v.command)} (${attemptFigures(last)}; ${count(v.attempts.length, 'attempt')}${fixes(v)}).${note}`
  return `⏸️ Verification not run: ${code(v.command)}.${note}`
}

/** The PR body's "Verification" section (Markdown lines ending with a blank one); none without a command. */
export function verificationSection(v: Verification): string[] {
  const line = verificationLine(v)
  if (!line || !v.command) return []
  const lines = ['## Verification', '']
  if (v.command.includes('\n')) lines.push(fenced(v.command, 'sh'), '')
  lines.push(line, '')
  const last = v.attempts.at(-1)
  if (v.status === 'failed' && last) {
    lines.push(
      "These changes do not pass the repository's check yet; review them with that in mind.",
      '',
      '<details><summary>The end of its output</summary>',
      '',
      fenced(prTail(last.tail) || '(no output)', 'text'),
      '',
      '</details>',
      '',
    )
  }
  return lines
}

/** The last lines of an output, for a PR body. */
function prTail(tail: string): string {
  const lines = tail.split('\n').slice(-PR_TAIL_LINES).join('\n')
  return lines.length > PR_TAIL_CHARS ? `…${lines.slice(-PR_TAIL_CHARS)}` : lines
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

const SECTION_HEADING = '## Verification'

/**
 * A PR body with its "Verification" section replaced by this run's (a review iteration's verdict is about the PR's
 * work as it now stands). Made before "## Test it locally" (or the footer's `---`) when the body has none; the
 * section goes when this run has none to show.
 */
export function withVerification(body: string, v: Verification): string {
  const section = verificationSection(v)
  const lines = body.replace(/\r\n?/g, '\n').split('\n')
  const start = lines.indexOf(SECTION_HEADING)
  if (start >= 0) {
    let end = start + 1
    while (end < lines.length && !/^## |^---$/.test(lines[end])) end++
    lines.splice(start, end - start, ...section)
    return lines.join('\n')
  }
  if (section.length === 0) return body
  const at = [lines.indexOf('## Test it locally'), lines.indexOf('---')].find((i) => i >= 0)
  if (at === undefined) return [...lines, '', ...section].join('\n')
  lines.splice(at, 0, ...section)
  return lines.join('\n')
}
