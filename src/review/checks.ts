/**
 * The failing checks of a PR's head commit, for the model: their names and conclusions, and the end of each failing
 * GitHub Actions job's log (which needs `actions: read`; without it, the names alone and a word on what to grant).
 */
import { describeError } from '../errors.js'
import type { CheckRun, GitHubApi } from '../github/api.js'
import { fenced } from '../report/format.js'

/** Conclusions that mean the check failed (a cancelled or skipped check is not a failure to fix). */
const FAILING = new Set(['failure', 'timed_out', 'startup_failure'])
/** Lines of each failing job's log the model sees. */
export const LOG_TAIL_LINES = 150
/** At most this many failing jobs' logs are read (the rest are named). */
const MAX_LOGS = 4
/** Characters of one log tail the model sees (its end is kept). */
const MAX_LOG_CHARS = 12_000

export interface FailingChecks {
  /** The failing check runs. */
  failing: CheckRun[]
  /** Their names, sanitized and redacted (for a comment as much as for the model). */
  names: string[]
  /** Markdown for the notes (empty when nothing fails). */
  text: string
  /** Set when some log could not be read for want of a permission: what to grant. */
  grant?: string
  /** Set when the check runs could not be listed at all. */
  error?: string
}

/** Reads the failing checks of `sha`; never throws (a failure to read is reported, not fatal). */
export async function failingChecks(
  api: GitHubApi,
  sha: string,
  clean: (text: string) => string,
  /** The name of the action's own job: its earlier runs on this commit are not the project's checks. */
  ownCheck?: string,
): Promise<FailingChecks> {
  let runs: CheckRun[]
  try {
    runs = await api.listCheckRuns(sha)
  } catch (err) {
    const message = describeError(err)
    const grant = /\b403\b|not accessible/i.test(message)
      ? ' Give the workflow `permissions: checks: read` so the model sees failing checks.'
      : ''
    return {
      failing: [],
      names: [],
      text: '',
      error: `Could not list the checks of ${sha.slice(0, 7)}: ${message}${grant}`,
    }
  }
  const own = (r: CheckRun): boolean =>
    ownCheck !== undefined && (r.name === ownCheck || r.name.startsWith(`${ownCheck} (`))
  const failing = runs.filter((r) => r.conclusion !== null && FAILING.has(r.conclusion) && !own(r))
  const names = failing.map((r) => clean(r.name).replaceAll('`', "'"))
  if (failing.length === 0) return { failing, names, text: '' }
  const parts = [`Failing checks on the head commit ${sha.slice(0, 7)}:`]
  let grant: string | undefined
  let logs = 0
  for (const [i, run] of failing.entries()) {
    const head = `- \`${names[i]}\`: ${run.conclusion}`
    if (run.app !== 'github-actions' || logs >= MAX_LOGS) {
      parts.push(head)
      continue
    }
    logs++
    const log = await api.jobLogTail(run.id, LOG_TAIL_LINES).catch((err: unknown) => ({
      ok: false as const,
      reason: 'missing' as const,
      message: describeError(err),
    }))
    if (log.ok) {
      const tail = clean(log.tail)
      const cut = tail.length > MAX_LOG_CHARS ? `…\n${tail.slice(-MAX_LOG_CHARS)}` : tail
      parts.push(`${head}; the last lines of its log:\n\n${fenced(cut, 'text')}`)
    } else {
      if (log.reason === 'forbidden') {
        grant =
          "The failing jobs' logs could not be read: give the workflow `permissions: actions: read` so the model sees them."
      }
      parts.push(`${head} (its log could not be read: ${clean(log.message)})`)
    }
  }
  return { failing, names, text: parts.join('\n\n'), ...(grant ? { grant } : {}) }
}
