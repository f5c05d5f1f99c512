import { describeError } from '../errors.js'
import type { GitHubApi, IssueComment } from '../github/api.js'
import { parseCommand } from '../trigger/command.js'
import { SUPERSEDED_MARKER, TRACKING_MARKER } from './markers.js'
import { byCreation } from './thread.js'

/** The login the action comments and reacts as. */
const SELF = 'github-actions[bot]'

export interface SupersededOptions {
  issueNumber: number
  /** The comment that started this run. */
  commandId: number
  /** The configured trigger (`/implement`). */
  trigger: string
  /** The issue's comments, listed once per run (see thread.ts). */
  comments: () => Promise<IssueComment[]>
  log: (line: string) => void
}

/**
 * Answers the commands no run will answer. The workflow's concurrency group keeps one pending run: a command
 * posted while a run is pending replaces it, and the replaced command's run never starts, so nothing would
 * ever reply to it. This run names them in one comment. Never throws: a failure is logged and the run goes on.
 */
export async function answerSuperseded(api: GitHubApi, o: SupersededOptions): Promise<void> {
  try {
    const comments = (await o.comments()).slice().sort(byCreation)
    const superseded = await findSuperseded(api, comments, o)
    if (superseded.length === 0) return
    const command = comments.find((c) => c.id === o.commandId)
    await api.createComment(o.issueNumber, supersededReply(superseded, command, o))
    o.log(`Answered ${superseded.length} superseded command(s): ${superseded.map((c) => c.id).join(', ')}.`)
  } catch (err) {
    o.log(`Could not check for superseded commands: ${describeError(err)}`)
  }
}

/**
 * Earlier commands no run answered: created after the action's last tracking comment (each run's, a
 * refusal's, a could-not-start reply's) or superseded reply, and before this run's command, without the 👀 the action gives every
 * command it runs. One reaction request per such command; there are seldom more than one or two.
 *
 * Limit: a command posted before the previous run's tracking comment appeared (within seconds of the run's
 * own command) falls before that bound and is not answered here.
 */
async function findSuperseded(
  api: GitHubApi,
  comments: IssueComment[],
  o: SupersededOptions,
): Promise<IssueComment[]> {
  const at = comments.findIndex((c) => c.id === o.commandId)
  const earlier = at === -1 ? [] : comments.slice(0, at)
  const lastAnswer = earlier.findLastIndex(
    (c) => isSelf(c) && (c.body.includes(TRACKING_MARKER) || c.body.includes(SUPERSEDED_MARKER)),
  )
  const candidates = earlier
    .slice(lastAnswer + 1)
    .filter((c) => !isSelf(c) && parseCommand(c.body, o.trigger) !== undefined)
  const out: IssueComment[] = []
  for (const c of candidates) {
    const eyes = await api.listReactions(c.id, 'eyes')
    if (!eyes.some((r) => r.user.login.toLowerCase() === SELF)) out.push(c)
  }
  return out
}

/** One reply for them all: each superseded command linked, the command that superseded them, what to do. */
function supersededReply(
  superseded: IssueComment[],
  command: IssueComment | undefined,
  o: SupersededOptions,
): string {
  const thisOne = `[this command](${command?.html_url ?? `#issuecomment-${o.commandId}`})`
  const one = superseded.length === 1
  const lines = superseded.map(
    (c) => `- [\`${commandText(c, o.trigger)}\`](${c.html_url}) by @${c.user.login}`,
  )
  return [
    SUPERSEDED_MARKER,
    `⏭️ ${one ? 'This command was' : 'These commands were'} superseded by ${thisOne} before a run started for ${one ? 'it' : 'them'}, so ${one ? 'it was' : 'they were'} not run:`,
    '',
    ...lines,
    '',
    `GitHub keeps only the newest pending run of this workflow. If you still want ${one ? 'it' : 'one of them'}, comment it again.`,
  ].join('\n')
}

/** The command as a short label: the trigger and its ids (never the rest of someone's comment). */
function commandText(c: IssueComment, trigger: string): string {
  const ids = parseCommand(c.body, trigger)?.issueIds ?? []
  return [trigger, ...ids].join(' ')
}

const isSelf = (c: IssueComment): boolean => c.user.login.toLowerCase() === SELF
