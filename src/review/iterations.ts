/**
 * What a review iteration leaves behind besides its commit: an entry in the PR body's "Iterations" section, a
 * reply in each review thread it addressed, and a line on the issue the PR refers to.
 */
import { withPullMarker } from '../discussion/markers.js'
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
  ].join(' · ')
  const said = (e.summary.trim().split(/\n\s*\n/)[0] ?? '').replace(/\s+/g, ' ').slice(0, 300)
  return said ? `- ${head}\n  ${said}` : `- ${head}`
}

/**
 * The PR body with `entry` added to its "Iterations" section (made before the footer's `---` when missing),
 * keeping the newest MAX_ENTRIES, and its marker rewritten for this write.
 */
export function withIteration(
  body: string,
  entry: string,
  issueNumber: number | undefined,
  writtenAt: string,
): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n')
  let start = lines.indexOf(ITERATIONS_HEADING)
  if (start < 0) {
    const footer = lines.lastIndexOf('---')
    let at = footer >= 0 ? footer : lines.length
    if (at > 0 && lines[at - 1].trim() !== '') lines.splice(at++, 0, '')
    lines.splice(at, 0, ITERATIONS_HEADING, '', '')
    start = at
  }
  let end = start + 1
  while (end < lines.length && !/^(?:## |---$|<!-- implement-action:pr )/.test(lines[end])) end++
  const entries = splitEntries(lines.slice(start + 1, end))
  entries.push(entry)
  const kept = entries.slice(-MAX_ENTRIES)
  lines.splice(start + 1, end - start - 1, '', ...kept, '')
  return withPullMarker(lines.join('\n'), issueNumber, writtenAt)
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
