import { answersMarker, TRACKING_MARKER } from '../discussion/markers.js'
import { describeError } from '../errors.js'
import type { GitHubApi } from '../github/api.js'
import type { TodoItem } from '../tools/todo.js'
import { planChecklist } from './plan.js'

/** The headline of a run that has not ended yet (the post step looks for it to finish a killed run's comment). */
export const WORKING_HEADLINE = '⏳ Working…'

export interface TrackingOptions {
  /** Called with the id of each comment that comes to carry the run's state (the first, and a fallback one). */
  onComment?: (id: number) => void
  /**
   * The command comment this run answers (named in a hidden line, see answersMarker); `none` for a run whose
   * command is no comment of the conversation it reports in (a review's), so the line says it answers none.
   */
  answers?: number | 'none'
  /** The run's redactor, for the model's plan (see planChecklist); GitHub's client redacts every write as well. */
  redact?: (text: string) => string
  /** The least time between two writes before a plan edit goes out (default 3 s): GitHub limits writes. */
  planIntervalMs?: number
  /** How long `finish` waits for a write in flight before writing the final word anyway (default 10 s). */
  settleMs?: number
}

const PLAN_INTERVAL_MS = 3_000
const SETTLE_MS = 10_000

/** Who asked for the write waiting to go out: a milestone (it goes at once, and may create the comment) or a plan. */
type Wanted = 'step' | 'plan'

/**
 * The one comment per run that tells the user what is happening: created at the first milestone, edited at
 * each later one, as the model's plan changes, and at the end; every milestone also goes to the job log.
 *
 * The run never waits for GitHub at a milestone or a plan: `step` and `plan` record the new state and the comment
 * follows in the background, one write at a time, each carrying the latest state (states that come faster than
 * GitHub answers are coalesced: a newer one replaces the one waiting, never the other way round). A failed write
 * is logged, never allowed to end the run; the next one carries everything again.
 *
 * The final word is different: every command must end with a visible result, so `finish` waits for the write in
 * flight, then writes the final state itself; when the edit fails it goes out as a new comment, and when that
 * fails too `finish` says so (and `undelivered` why).
 */
export class TrackingComment {
  private id?: number
  private login?: string
  private readonly steps: string[] = []
  private headline = WORKING_HEADLINE
  private failure?: string
  private planItems: readonly TodoItem[] = []
  /** A state newer than the comment shows, waiting for its write (and what asked for it). */
  private wanted?: Wanted
  /** A plan's write waiting for `planIntervalMs` to pass. */
  private timer?: ReturnType<typeof setTimeout>
  /** The background write in flight: at most one. Never rejects. */
  private inFlight?: Promise<void>
  /** `finish` wrote while a background write was still unanswered: that write's comment gets the final body again. */
  private overtaken = false
  /** The last body `finish` wrote (or tried to). */
  private lastBody?: string
  /** When the last write of the comment started (Date.now()). */
  private lastWrite = -Infinity
  private ended = false

  constructor(
    private readonly api: GitHubApi,
    private readonly issueNumber: number | undefined,
    private readonly title: string,
    private readonly runUrl: string | undefined,
    private readonly log: (msg: string) => void,
    private readonly opts: TrackingOptions = {},
  ) {}

  /** The comment that carries the run's state, once there is one. */
  get commentId(): number | undefined {
    return this.id
  }

  /**
   * The login the run's comment was posted as: the author GitHub named in its answer to the first comment this
   * object created (that named one). Waits for that answer while the comment is being created (the first
   * milestone's write); undefined when there is no such answer. Not learned from a comment it adopted (see
   * `landed`): that one is only known by its text.
   */
  async postedAs(): Promise<string | undefined> {
    while (this.id === undefined && this.inFlight) await this.inFlight
    return this.login
  }

  get url(): string | undefined {
    return this.id ? `#issuecomment-${this.id}` : undefined
  }

  /** Why the last `finish` could not reach the issue; undefined when it did (or has not been called). */
  get undelivered(): string | undefined {
    return this.failure
  }

  /**
   * Records a finished milestone, logs it, and shows it (with the latest plan) in the background: the write
   * starts at once, or as soon as the one in flight is answered. The first milestone's write creates the comment.
   */
  step(line: string): void {
    this.log(line)
    this.steps.push(line)
    this.want('step')
  }

  /**
   * Records the model's latest plan and shows it soon, in the background, like a milestone, but spaced: a plan's
   * write goes out at most every `planIntervalMs` after the last write, so a model that rewrites its plan every
   * turn costs few writes. Only an existing comment is edited for a plan: creating it is for `step` and `finish`,
   * which also show the plan.
   */
  plan(items: readonly TodoItem[]): void {
    this.planItems = items.map((t) => ({ ...t }))
    this.want('plan')
  }

  /**
   * Sets the final headline (PR link, question, or error) and shows it: by editing the comment, else as a new
   * comment. True when the final word reached the issue (or there is no issue, and the log is the only place).
   */
  async finish(headline: string, details?: string): Promise<boolean> {
    this.log(headline)
    this.headline = headline
    this.failure = undefined
    this.ended = true
    if (this.issueNumber === undefined) return true
    const issue = this.issueNumber
    // No earlier state may land after the final word: the write not yet sent is dropped (this one carries it all),
    // the one in flight waited for.
    await this.settle()
    const body = this.render(details)
    this.lastBody = body
    let first: string
    try {
      await this.show(issue, body, 'finish')
      // A write that outlived the settling may still land after this one: wait (as long again) for it and for the
      // rewrite that follows it, so the final word is the comment's last state when this returns.
      if (this.overtaken && this.inFlight) await this.within(this.inFlight)
      return true
    } catch (err) {
      first = describeError(err)
    }
    // A write whose answer was lost (a reset, a 5xx after the change was made) may have landed: read it back
    // before writing the final word a second time.
    if (await this.landed(issue, headline)) {
      this.log(`The final word reached the issue although GitHub's answer was an error (${first}).`)
      return true
    }
    // A rate limit or an outage may refuse the edit and still take a new comment (another endpoint and limit).
    const tried = this.id === undefined ? 'Posting the tracking comment' : 'Updating the tracking comment'
    this.log(`${tried} failed (${first}); posting the result as a new comment.`)
    try {
      await this.create(issue, body, 'finish')
      return true
    } catch (err) {
      this.failure = `${tried} failed (${first}), and so did posting a new comment (${describeError(err)}).`
      this.log(`Could not post the result on issue #${issue}: ${this.failure}`)
      return false
    }
  }

  render(details?: string): string {
    const run = this.runUrl ? ` · [workflow run](${this.runUrl})` : ''
    const a = this.opts.answers
    const answers = a === undefined ? [] : [answersMarker(a === 'none' ? [] : [a])]
    const lines = [
      TRACKING_MARKER,
      ...answers,
      `**implement-action** · ${this.title}${run}`,
      '',
      this.headline,
    ]
    if (this.steps.length) lines.push('', ...this.steps.map((s) => `- ${s}`))
    if (this.planItems.length) {
      lines.push('', '**Plan**', '', ...planChecklist(this.planItems, this.opts.redact ?? ((t) => t)))
    }
    if (details) lines.push('', details)
    return lines.join('\n')
  }

  /** A newer state to show: a milestone's goes out at once (or after the write in flight), a plan's spaced. */
  private want(kind: Wanted): void {
    if (this.issueNumber === undefined || this.ended) return
    if (kind === 'step' && this.wanted !== 'step') {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    this.wanted = kind === 'step' ? 'step' : (this.wanted ?? 'plan')
    this.schedule()
  }

  /** Starts the write waiting, or times it: never while one is in flight, a plan's never within the interval. */
  private schedule(): void {
    if (this.timer || this.inFlight || !this.wanted || this.ended) return
    if (this.wanted === 'step') return this.writeWanted()
    const wait = Math.max(0, this.lastWrite + (this.opts.planIntervalMs ?? PLAN_INTERVAL_MS) - Date.now())
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.writeWanted()
    }, wait)
    // Never what keeps the process alive: a run that ends without `finish` must still exit.
    this.timer.unref()
  }

  /** Sends the latest state in the background; once answered (or failed), the next state waiting goes out. */
  private writeWanted(): void {
    const kind = this.wanted
    const issue = this.issueNumber
    // No comment yet: a plan waits for the milestone (or the creation under way) that makes one.
    if (!kind || this.ended || issue === undefined || (kind === 'plan' && this.id === undefined)) return
    this.wanted = undefined
    this.inFlight = this.show(issue, this.render(), 'background')
      .then(
        (written) => this.rewriteOvertaken(written),
        (err: unknown) =>
          this.log(
            kind === 'step'
              ? `Could not update the tracking comment: ${describeError(err)}`
              : `Could not show the plan in the tracking comment: ${describeError(err)}`,
          ),
      )
      .finally(() => {
        this.inFlight = undefined
        this.schedule()
      })
  }

  /**
   * A background write that outlived `settleMs` may have reached GitHub after the final word: the comment it
   * wrote (the run's, or one it created too late to be the run's) gets the final body again, so no comment of the
   * run ends on an older state.
   */
  private async rewriteOvertaken(written: number): Promise<void> {
    if (!this.overtaken) return
    this.overtaken = false
    if (this.lastBody === undefined) return
    try {
      await this.api.updateComment(written, this.lastBody)
    } catch (err) {
      this.log(`Could not restore the tracking comment after a late write: ${describeError(err)}`)
    }
  }

  /**
   * Before the final word (which carries the whole state): the write not yet sent is dropped, the one in flight
   * waited for, so it cannot land after the final word; past `settleMs` it is marked overtaken.
   */
  private async settle(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    this.wanted = undefined
    const inFlight = this.inFlight
    if (!inFlight) return
    if (!(await this.within(inFlight))) {
      this.overtaken = true
      this.log('A write of the tracking comment is still unanswered; writing the final word anyway.')
    }
  }

  /**
   * True when the issue shows `headline` already: in this run's comment, or, when the run has none yet, in a
   * comment of this run (its marker and run link) posted by a write whose answer was lost. False when it does
   * not, or when GitHub cannot be read either.
   */
  private async landed(issue: number, headline: string): Promise<boolean> {
    try {
      if (this.id !== undefined) return (await this.api.getComment(this.id)).body.includes(headline)
      if (!this.runUrl) return false
      const runUrl = this.runUrl
      const mine = (await this.api.listComments(issue)).find(
        (c) => c.body.startsWith(TRACKING_MARKER) && c.body.includes(runUrl) && c.body.includes(headline),
      )
      if (mine) {
        this.id = mine.id
        this.opts.onComment?.(mine.id)
      }
      return mine !== undefined
    } catch {
      return false
    }
  }

  /** Edits the comment, or creates it when there is none yet; the id of the comment written. */
  private async show(issue: number, body: string, by: 'background' | 'finish'): Promise<number> {
    this.lastWrite = Date.now()
    if (this.id === undefined) return this.create(issue, body, by)
    const id = this.id
    await this.api.updateComment(id, body)
    return id
  }

  /**
   * Posts a new comment and makes it the run's; its id. A background creation answered only after `finish` had
   * to post a comment of its own is not made the run's: the final word's is (see rewriteOvertaken).
   */
  private async create(issue: number, body: string, by: 'background' | 'finish'): Promise<number> {
    const { id, user } = await this.api.createComment(issue, body)
    if (by === 'background' && this.id !== undefined) return id
    this.id = id
    if (this.login === undefined && user) this.login = user
    this.opts.onComment?.(id)
    return id
  }

  /** Waits for `p`, at most `settleMs`: true when it settled in time. */
  private async within(p: Promise<unknown>): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.opts.settleMs ?? SETTLE_MS)
    })
    const settled = await Promise.race([p.then(() => 'settled' as const), late])
    clearTimeout(timer)
    return settled === 'settled'
  }
}
