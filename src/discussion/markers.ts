/**
 * The hidden markers in the action's own comments. The tracking comment is found and replaced by its marker;
 * a clarification question carries its own, so the next run passes it to the model as discussion (what it
 * asked) while every other comment of the action is left out. The reply to commands superseded before their
 * run started has its own, so nothing mistakes it for a run's tracking comment. Every reply to a command (a
 * run's tracking comment, a refusal, a could-not-start, a superseded reply) names the command comments it
 * answers, so a later run can tell which commands got no answer (src/discussion/superseded.ts).
 */
export const TRACKING_MARKER = '<!-- implement-action:tracking -->'
export const QUESTION_MARKER = '<!-- implement-action:question -->'
export const SUPERSEDED_MARKER = '<!-- implement-action:superseded -->'
/** Around the PR body's "Verification" section, so a review iteration replaces exactly it (the last pair). */
export const VERIFICATION_START = '<!-- implement-action:verification -->'
export const VERIFICATION_END = '<!-- implement-action:verification-end -->'

/**
 * The hidden line naming the command comments a comment of the action answers. With none (a run started by a
 * review, whose command is no comment of the conversation), the line still says the reply names what it answers.
 */
export function answersMarker(commentIds: number[]): string {
  return commentIds.length ? `<!-- implement-action:answers ${commentIds.join(' ')} -->` : ANSWERS_NONE
}

const ANSWERS_NONE = '<!-- implement-action:answers -->'
const ANSWERS_LINE = /^<!-- implement-action:answers(?: ([\d ]+))? -->$/

/**
 * The command comment ids a comment of the action names as answered: only on its second line, right under its
 * marker, so text quoted further down (a question the model wrote, say) can never claim an answer.
 */
export function answeredIds(body: string): number[] {
  const m = ANSWERS_LINE.exec(body.split('\n')[1] ?? '')
  return m?.[1] ? m[1].split(' ').filter(Boolean).map(Number) : []
}

/** True when a comment of the action names what it answers (possibly nothing); replies from before did not. */
export function namesAnswers(body: string): boolean {
  return ANSWERS_LINE.test(body.split('\n')[1] ?? '')
}

/**
 * The hidden last line of the body of a PR the action opened: the issue it refers to (`Refs #N` may be edited
 * away) and up to when the PR's conversation was addressed (when the PR was opened, then the command time of the
 * last review iteration that finished): later comments are new to the next iteration.
 */
export function pullMarker(issueNumber: number | undefined, writtenAt: string | undefined): string {
  return `<!-- implement-action:pr issue=${issueNumber ?? ''} at=${writtenAt ?? ''} -->`
}

/** What a PR body's marker says; undefined when the body has none (a PR the action did not open). */
export function readPullMarker(body: string): { issueNumber?: number; writtenAt?: string } | undefined {
  // The last one: the model's summary, earlier in the body, could hold a look-alike.
  const m = [...body.matchAll(/<!-- implement-action:pr issue=(\d*) at=(\S*) -->/g)].at(-1)
  if (!m) return undefined
  return {
    ...(m[1] ? { issueNumber: Number(m[1]) } : {}),
    ...(m[2] && !Number.isNaN(Date.parse(m[2])) ? { writtenAt: m[2] } : {}),
  }
}

/** The body with its marker rewritten (or added at the end) for a new write at `writtenAt`. */
export function withPullMarker(
  body: string,
  issueNumber: number | undefined,
  writtenAt: string | undefined,
): string {
  const marker = pullMarker(issueNumber, writtenAt)
  const all = [...body.matchAll(/<!-- implement-action:pr issue=\d* at=\S* -->/g)]
  const last = all.at(-1)
  if (!last || last.index === undefined) return `${body.trimEnd()}\n\n${marker}`
  return body.slice(0, last.index) + marker + body.slice(last.index + last[0].length)
}

/**
 * The hidden first line of the action's reply in a review thread: the command time of the run that replied, and
 * the review its command came with. The next run counts the thread as answered only when no reviewer wrote in it
 * after that time (a reply's own time says nothing about what its run had read).
 */
export function replyMarker(cutoff: string, reviewId?: number): string {
  return `<!-- implement-action:reply at=${cutoff}${reviewId === undefined ? '' : ` review=${reviewId}`} -->`
}

/** What a reply's marker says; undefined for a comment without one. */
export function readReplyMarker(body: string): { at: string; reviewId?: number } | undefined {
  const m = /^<!-- implement-action:reply at=(\S+)(?: review=(\d+))? -->/.exec(body)
  if (!m || Number.isNaN(Date.parse(m[1]))) return undefined
  return m[2] ? { at: m[1], reviewId: Number(m[2]) } : { at: m[1] }
}
