import { describeError } from '../errors.js'
import type { GitHubApi, IssueComment } from '../github/api.js'
import { parseCommand } from '../trigger/command.js'
import { answeredIds, answersMarker, namesAnswers, SUPERSEDED_MARKER, TRACKING_MARKER } from './markers.js'
import { byCreation, isSelf, type IssueThread } from './thread.js'

export interface SupersededOptions {
  issueNumber: number
  /** The comment that started this run. */
  commandId: number
  /** The configured trigger (`/implement`). */
  trigger: string
  /** The issue's discussion: its comments (listed once per run) and the action's own logins. */
  thread: IssueThread
  log: (line: string) => void
}

/**
 * Answers the commands no run will answer. The workflow's concurrency group keeps one pending run: a command
 * posted while a run is pending replaces it, and the replaced command's run never starts, so nothing would
 * ever reply to it. This run names them in one comment. Never throws: a failure is logged and the run goes on.
 */
export async function answerSuperseded(api: GitHubApi, o: SupersededOptions): Promise<void> {
  try {
    const comments = (await o.thread.comments()).slice().sort(byCreation)
    const superseded = await findSuperseded(api, comments, o)
    if (superseded.length === 0) return
    const command = comments.find((c) => c.id === o.commandId)
    await api.createComment(o.issueNumber, supersededReply(superseded, command, o))
    o.log(`Answered ${superseded.length} superseded command(s): ${superseded.map((c) => c.id).join(', ')}.`)
  } catch (err) {
    o.log(`Could not answer superseded commands: ${describeError(err)}`)
  }
}

/**
 * Earlier commands no run answered, walking back from this run's command. A command the action reacted 👀 to
 * had its run, and that run answered everything before it the same way (the workflow's concurrency group runs
 * one run of an issue at a time), so the walk stops there, and at a tracking comment from before the action
 * named what it answers. A command one of the action's replies names (a refusal, a could-not-start, an
 * earlier superseded reply) is passed over, as is a comment edited since it was posted (an edit starts no run,
 * so an edited command may never have had one). What is left got nothing. One reaction request per command
 * walked; there are seldom more than one or two.
 */
async function findSuperseded(
  api: GitHubApi,
  comments: IssueComment[],
  o: SupersededOptions,
): Promise<IssueComment[]> {
  const at = comments.findIndex((c) => c.id === o.commandId)
  if (at === -1) return []
  const mine = (c: IssueComment): boolean => isSelf(o.thread, c.user.login)
  const answered = new Set(comments.filter(mine).flatMap((c) => answeredIds(c.body)))
  const out: IssueComment[] = []
  for (const c of comments.slice(0, at).reverse()) {
    if (mine(c)) {
      if (isReply(c) && !namesAnswers(c.body)) break
      continue
    }
    if (c.updated_at !== c.created_at || parseCommand(c.body, o.trigger) === undefined) continue
    const eyes = await api.listReactions(c.id, 'eyes')
    if (eyes.some((r) => isSelf(o.thread, r.user.login))) break
    if (!answered.has(c.id)) out.unshift(c)
  }
  return out
}

/** A tracking comment or a superseded reply: the action's answers to commands. */
function isReply(c: IssueComment): boolean {
  return c.body.startsWith(TRACKING_MARKER) || c.body.startsWith(SUPERSEDED_MARKER)
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
    // Not an @mention: the author is subscribed already, and a mention would also ping bots and outsiders.
    (c) => `- [\`${commandText(c, o.trigger)}\`](${c.html_url}) by ${c.user.login}`,
  )
  return [
    SUPERSEDED_MARKER,
    answersMarker(superseded.map((c) => c.id)),
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
