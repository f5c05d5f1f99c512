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
  /** How long `step` and `finish` wait for a plan edit in flight before writing anyway (default 10 s). */
  planSettleMs?: number
}

const PLAN_INTERVAL_MS = 3_000
const PLAN_SETTLE_MS = 10_000

/**
 * The one comment per run that tells the user what is happening: created at the first milestone, edited at
 * each later one and at the end; every milestone also goes to the job log. A failed milestone is logged, never
 * allowed to end the run; the final word is different: every command must end with a visible result, so when
 * the edit fails it goes out as a new comment, and when that fails too `finish` says so (and `undelivered` why).
 */
export class TrackingComment {
  private id?: number
  private login?: string
  private readonly steps: string[] = []
  private headline = WORKING_HEADLINE
  private failure?: string
  private planItems: readonly TodoItem[] = []
  /** A plan newer than the comment shows, waiting for its edit. */
  private planPending = false
  private planTimer?: ReturnType<typeof setTimeout>
  /** The plan edit in flight: at most one. */
  private planWrite?: Promise<void>
  /** A step or finish wrote while a plan edit was still in flight: its body must be written again after it. */
  private overtaken = false
  /** The last body `step` or `finish` wrote. */
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
   * object created (that named one); undefined until then. Not learned from a comment it adopted (see
   * `landed`): that one is only known by its text.
   */
  get author(): string | undefined {
    return this.login
  }

  get url(): string | undefined {
    return this.id ? `#issuecomment-${this.id}` : undefined
  }

  /** Why the last `finish` could not reach the issue; undefined when it did (or has not been called). */
  get undelivered(): string | undefined {
    return this.failure
  }

  /** Records a finished milestone and shows it (with the latest plan). */
  async step(line: string): Promise<void> {
    this.log(line)
    this.steps.push(line)
    if (this.issueNumber === undefined) return
    try {
      await this.settlePlan()
      await this.show(this.issueNumber, this.render())
    } catch (err) {
      this.log(`Could not update the tracking comment: ${describeError(err)}`)
    }
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
    // No plan edit may land after the final word: the pending one is dropped (this write carries the plan).
    await this.settlePlan()
    const body = this.render(details)
    let first: string
    try {
      await this.show(issue, body)
      // A plan edit that outlived the settling may still land after this write: wait (as long again) for it and
      // for the rewrite that follows it, so the final word is the comment's last state when this returns.
      if (this.overtaken && this.planWrite) await this.within(this.planWrite)
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
      await this.create(issue, body)
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

  /**
   * Records the model's latest plan and shows it soon, in the background: never awaited and never throwing, so the
   * agent loop does not wait for GitHub. Plans that come faster than the comment is written are coalesced (only the
   * latest is sent), at most one edit is in flight, and one goes out at most every `planIntervalMs` after the last
   * write. Only an existing comment is edited: creating it is for `step` and `finish`, which also show the plan.
   */
  plan(items: readonly TodoItem[]): void {
    this.planItems = items.map((t) => ({ ...t }))
    if (this.issueNumber === undefined || this.ended) return
    this.planPending = true
    this.schedulePlan()
  }

  private schedulePlan(): void {
    if (this.planTimer || this.planWrite || !this.planPending || this.ended) return
    const wait = Math.max(0, this.lastWrite + (this.opts.planIntervalMs ?? PLAN_INTERVAL_MS) - Date.now())
    this.planTimer = setTimeout(() => this.writePlan(), wait)
    // Never what keeps the process alive: a run that ends without `finish` must still exit.
    this.planTimer.unref()
  }

  private writePlan(): void {
    this.planTimer = undefined
    const id = this.id
    // No comment yet: the next step or finish creates it, with the plan.
    if (!this.planPending || this.ended || id === undefined) return
    this.planPending = false
    this.lastWrite = Date.now()
    this.planWrite = this.api
      .updateComment(id, this.render())
      .catch((err: unknown) =>
        this.log(`Could not show the plan in the tracking comment: ${describeError(err)}`),
      )
      .then(() => this.rewriteOvertaken(id))
      .finally(() => {
        this.planWrite = undefined
        this.schedulePlan()
      })
  }

  /**
   * A plan edit that outlived `planSettleMs` may have reached GitHub after a later write of the whole comment (the
   * final word, say): that write's body goes out again, so the comment never ends on the older state.
   */
  private async rewriteOvertaken(id: number): Promise<void> {
    if (!this.overtaken) return
    this.overtaken = false
    if (this.id !== id || this.lastBody === undefined) return
    try {
      await this.api.updateComment(id, this.lastBody)
    } catch (err) {
      this.log(`Could not restore the tracking comment after a late plan edit: ${describeError(err)}`)
    }
  }

  /**
   * Before a write of the whole comment (which carries the latest plan): the plan edit not yet sent is dropped,
   * the one in flight waited for, so it cannot land after this write; past `planSettleMs` it is marked overtaken.
   */
  private async settlePlan(): Promise<void> {
    clearTimeout(this.planTimer)
    this.planTimer = undefined
    this.planPending = false
    const inFlight = this.planWrite
    if (!inFlight) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.opts.planSettleMs ?? PLAN_SETTLE_MS)
    })
    const settled = await Promise.race([inFlight, late])
    clearTimeout(timer)
    if (settled === 'late') {
      this.overtaken = true
      this.log('A plan edit of the tracking comment is still unanswered; writing the comment anyway.')
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

  /** Edits the comment, or creates it when there is none yet. */
  private async show(issue: number, body: string): Promise<void> {
    this.lastWrite = Date.now()
    this.lastBody = body
    if (this.id === undefined) await this.create(issue, body)
    else await this.api.updateComment(this.id, body)
  }

  private async create(issue: number, body: string): Promise<void> {
    const { id, user } = await this.api.createComment(issue, body)
    this.id = id
    if (this.login === undefined && user) this.login = user
    this.opts.onComment?.(id)
    // A plan that came while the comment was being created waited for it: it can be shown now.
    this.schedulePlan()
  }

  /** Waits for `p`, at most `planSettleMs`. */
  private async within(p: Promise<unknown>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.opts.planSettleMs ?? PLAN_SETTLE_MS)
    })
    await Promise.race([p, late])
    clearTimeout(timer)
  }
}
