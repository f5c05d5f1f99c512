/**
 * What a review iteration leaves behind besides its commit: an entry in the PR body's "Iterations" section, a
 * reply in each review thread it addressed, and a line on the issue the PR refers to.
 */
import { readPullMarker, withPullMarker } from '../discussion/markers.js'
import { describeError } from '../errors.js'
import type { GitHubApi } from '../github/api.js'

export const ITERATIONS_HEADING = '## Iterations'
/** The PR body keeps this many iteration entries (the newest). */
const MAX_ENTRIES = 20

export interface IterationEntry {
  /** ISO time of the iteration. */
  at: string
  requester: string
  /** The pushed commit and its page; none when nothing changed. */
  commit?: { sha: string; url: string }
  /** What the model said it changed (its first paragraph is kept). */
  summary: string
  turns: number
  cost: string
  runUrl?: string
  /** Why it stopped early, if it did. */
  wip?: string
  /** How many review threads it addressed. */
  threads: number
  /** What a human should look at (phases changed, blocked hosts, an unsandboxed run, …). */
  warnings?: string[]
  /** The verdict of the `verify` command, when it ran. */
  verified?: 'passed' | 'failed' | 'not-run'
}

/** One entry: when, who asked, the commit, turns, cost, run; then what changed. */
export function iterationEntry(e: IterationEntry): string {
  const head = [
    e.at.slice(0, 16).replace('T', ' ') + ' UTC',
    `asked by @${e.requester}`,
    e.commit ? `[\`${e.commit.sha.slice(0, 7)}\`](${e.commit.url})` : 'no change',
    ...(e.threads ? [`${e.threads} review thread${e.threads === 1 ? '' : 's'}`] : []),
    `${e.turns} turn${e.turns === 1 ? '' : 's'}`,
    e.cost,
    ...(e.runUrl ? [`[run](${e.runUrl})`] : []),
    ...(e.wip ? ['⚠️ stopped early'] : []),
    ...(e.verified === 'passed' ? ['✅ verified'] : e.verified === 'failed' ? ['❌ checks failing'] : []),
  ].join(' · ')
  const said = (e.summary.trim().split(/\n\s*\n/)[0] ?? '').replace(/\s+/g, ' ').slice(0, 300)
  const warned = (e.warnings ?? []).map((w) => `\n  - ⚠️ ${w.replace(/\s+/g, ' ')}`).join('')
  return `- ${head}${said ? `\n  ${said}` : ''}${warned}`
}

/**
 * The PR body with `entry` added to its "Iterations" section (made before the footer's `---` when missing),
 * keeping the newest MAX_ENTRIES, and its marker rewritten (`addressedUntil`: see pullMarker). `finished`: the
 * phase is done, so an earlier run's "work in progress" banner goes.
 */
export function withIteration(
  body: string,
  entry: string,
  o: { issueNumber?: number; addressedUntil?: string; finished: boolean },
): string {
  const lines = withoutWipBanner(body.replace(/\r\n?/g, '\n'), o.finished).split('\n')
  let start = lines.indexOf(ITERATIONS_HEADING)
  if (start < 0) {
    const footer = lines.lastIndexOf('---')
    let at = footer >= 0 ? footer : lines.length
    if (at > 0 && lines[at - 1].trim() !== '') lines.splice(at++, 0, '')
    lines.splice(at, 0, ITERATIONS_HEADING, '', '')
    start = at
  }
  const section = sectionLines(lines, start)
  const end = start + 1 + section.length
  const entries = splitEntries(section)
  entries.push(entry)
  const kept = entries.slice(-MAX_ENTRIES)
  lines.splice(start + 1, end - start - 1, '', ...kept, '')
  return withPullMarker(lines.join('\n'), o.issueNumber, o.addressedUntil)
}

/** The body without the `> [!WARNING]` work-in-progress banner prBody puts first, once the work is finished. */
function withoutWipBanner(body: string, finished: boolean): string {
  return finished ? body.replace(/^> \[!WARNING\]\n> Work in progress: [^\n]*\n\n?/m, '') : body
}

/**
 * The body a rerun from the issue writes, carrying over the old body's Iterations section (before the footer) and
 * its marker's time: the PR's history and what its conversation had been addressed up to stay.
 */
export function carryIterations(written: string, old: string | undefined, issueNumber?: number): string {
  if (!old) return written
  const lines = old.replace(/\r\n?/g, '\n').split('\n')
  const start = lines.indexOf(ITERATIONS_HEADING)
  const entries = start < 0 ? [] : splitEntries(sectionLines(lines, start))
  const at = readPullMarker(old)?.writtenAt ?? readPullMarker(written)?.writtenAt
  let out = written
  for (const e of entries) out = withIteration(out, e, { issueNumber, addressedUntil: at, finished: false })
  return withPullMarker(out, issueNumber, at)
}

function sectionLines(lines: string[], start: number): string[] {
  let end = start + 1
  while (end < lines.length && !/^(?:## |---$|<!-- implement-action:pr )/.test(lines[end])) end++
  return lines.slice(start + 1, end)
}

/** The list items of a section, each with its continuation lines. */
function splitEntries(section: string[]): string[] {
  const out: string[] = []
  for (const line of section) {
    if (line.startsWith('- ')) out.push(line)
    else if (line.trim() !== '' && out.length) out[out.length - 1] += `\n${line}`
  }
  return out
}

/** Replies in each thread (by its first comment); returns how many replies were posted. Never throws. */
export async function replyInThreads(
  api: GitHubApi,
  o: { pullNumber: number; roots: number[]; body: string; log: (line: string) => void },
): Promise<number> {
  let posted = 0
  for (const root of o.roots) {
    try {
      await api.replyToReviewComment(o.pullNumber, root, o.body)
      posted++
    } catch (err) {
      o.log(`Could not reply in the review thread of comment ${root}: ${describeError(err)}`)
    }
  }
  return posted
}
