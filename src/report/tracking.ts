import { TRACKING_MARKER } from '../discussion/markers.js'
import type { GitHubApi } from '../github/api.js'

/**
 * The one comment per run that tells the user what is happening: created at the first milestone, edited at
 * each later one and at the end; every milestone also goes to the job log. Feedback failures are logged,
 * never allowed to end the run.
 */
export class TrackingComment {
  private id?: number
  private readonly steps: string[] = []
  private headline = '⏳ Working…'

  constructor(
    private readonly api: GitHubApi,
    private readonly issueNumber: number | undefined,
    private readonly title: string,
    private readonly runUrl: string | undefined,
    private readonly log: (msg: string) => void,
    private readonly opts: { onComment?: (id: number) => void } = {},
  ) {}

  /** The comment that carries the run's state, once created. */
  get commentId(): number | undefined {
    return this.id
  }

  get url(): string | undefined {
    return this.id ? `#issuecomment-${this.id}` : undefined
  }

  /** Records a finished milestone and shows it. */
  async step(line: string): Promise<void> {
    this.log(line)
    this.steps.push(line)
    await this.flush()
  }

  /** Sets the final headline (PR link, question, or error) and shows it. */
  async finish(headline: string, details?: string): Promise<void> {
    this.log(headline)
    this.headline = headline
    await this.flush(details)
  }

  render(details?: string): string {
    const run = this.runUrl ? ` · [workflow run](${this.runUrl})` : ''
    const lines = [TRACKING_MARKER, `**implement-action** · ${this.title}${run}`, '', this.headline]
    if (this.steps.length) lines.push('', ...this.steps.map((s) => `- ${s}`))
    if (details) lines.push('', details)
    return lines.join('\n')
  }

  private async flush(details?: string): Promise<void> {
    if (this.issueNumber === undefined) return
    const body = this.render(details)
    try {
      if (this.id === undefined) {
        this.id = (await this.api.createComment(this.issueNumber, body)).id
        this.opts.onComment?.(this.id)
      } else {
        await this.api.updateComment(this.id, body)
      }
    } catch (err) {
      this.log(`Could not update the tracking comment: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
}
