/**
 * The tracking comment over the real Octokit client against the OpenAPI-checked GitHub stand-in: the final word
 * reaches the issue even when the comment cannot be edited, and `finish` says when it could not. Then the live
 * plan, over the in-memory API.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TRACKING_MARKER } from '../../src/discussion/markers.js'
import { createGitHubApi } from '../../src/github/octokit.js'
import { Redactor } from '../../src/report/redact.js'
import { TrackingComment } from '../../src/report/tracking.js'
import type { TodoItem } from '../../src/tools/todo.js'
import { FakeGitHubApi } from '../support/fake-github-api.js'
import {
  ACTIONS_BOT,
  secondaryRateLimit,
  startGitHubServer,
  type FakeGitHub,
} from '../support/github-server.js'

const TOKEN = 'ghs_trackingTokenForTests0123456789ab'

const secondaryLimit = (method: string, path: RegExp, times = 100) => secondaryRateLimit(method, path, times)
const EDIT = /\/issues\/comments\/\d+$/
const CREATE = /\/issues\/\d+\/comments$/

describe('TrackingComment against the fake GitHub', () => {
  let gh: FakeGitHub
  let logs: string[]
  let created: number[]
  let issue: number

  beforeEach(async () => {
    gh = await startGitHubServer({ tokens: [TOKEN] })
    issue = gh.addIssue().number
    logs = []
    created = []
  })
  afterEach(async () => {
    expect(gh.violations).toEqual([])
    await gh.close()
  })

  function tracking(o: { noIssue?: boolean } = {}): TrackingComment {
    const issueNumber = o.noIssue ? undefined : issue
    const api = createGitHubApi({
      token: TOKEN,
      baseUrl: gh.url,
      repo: { owner: 'octo-org', repo: 'octo-repo' },
      redactor: new Redactor(),
      log: (m) => logs.push(m),
      retryDelayMs: 1,
      writeSpacingMs: 0,
    })
    return new TrackingComment(api, issueNumber, '`ISSUE-3`', 'https://run', (m) => logs.push(m), {
      onComment: (id) => created.push(id),
    })
  }
  const bodies = () => gh.commentsOn(issue).map((c) => c.body)

  it('creates the comment at the first step, edits it at the end, and reports the final word delivered', async () => {
    const t = tracking()
    expect(t.commentId).toBeUndefined()
    expect(await t.postedAs()).toBeUndefined()
    t.step('Created branch `ISSUE-3`')
    expect(t.commentId).toBeUndefined() // the step does not wait for GitHub: the comment is being created
    expect(await t.postedAs()).toBe(ACTIONS_BOT)
    const [comment] = gh.commentsOn(issue)
    expect(t.commentId).toBe(comment.id)
    expect(created).toEqual([comment.id])

    expect(await t.finish('✅ Opened draft PR #7', 'cost $0.01')).toBe(true)
    expect(bodies()).toEqual([t.render('cost $0.01')])
    expect(bodies()[0]).toMatch(/✅ Opened draft PR #7[\s\S]*- Created branch `ISSUE-3`[\s\S]*cost \$0\.01/)
    expect(t.undelivered).toBeUndefined()
    expect(created).toHaveLength(1)
  })

  it('knows the login its comment was posted as: a PAT or App token is not github-actions[bot]', async () => {
    gh.state.actor = 'pat-user'
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    expect(await t.postedAs()).toBe('pat-user')
    expect(gh.commentsOn(issue)[0].user).toBe('pat-user')
    await t.finish('✅ done')
    expect(await t.postedAs()).toBe('pat-user')
  })

  it('posts the final state as a new comment when every edit is refused by a secondary rate limit', async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    const first = t.commentId
    gh.fault(secondaryLimit('PATCH', EDIT))
    t.step('Running the model') // a refused milestone is logged, not fatal
    expect(await t.finish('✅ Opened draft PR #7: https://github.com/o/r/pull/7', 'cost $0.01')).toBe(true)

    const comments = gh.commentsOn(issue)
    expect(comments).toHaveLength(2)
    expect(comments[0].body).toContain('⏳ Working…')
    // The whole state, marker and every milestone included, not just the headline.
    expect(comments[1].body).toBe(t.render('cost $0.01'))
    expect(comments[1].body.startsWith(TRACKING_MARKER)).toBe(true)
    expect(comments[1].body).toMatch(/pull\/7[\s\S]*- Phase `ISSUE-3`\n- Running the model/)
    expect(comments[1].user).toBe(ACTIONS_BOT)
    expect(t.commentId).toBe(comments[1].id)
    expect(created).toEqual([first, comments[1].id])
    expect(logs.join('\n')).toMatch(/Could not update the tracking comment: .*secondary rate limit/)
    expect(logs.join('\n')).toMatch(
      /Updating the tracking comment failed \(.*secondary rate limit.*\); posting the result as a new comment\./,
    )
  })

  it('returns false and says why when neither the edit nor a new comment gets through', async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    gh.fault(secondaryLimit('PATCH', EDIT))
    gh.fault({
      method: 'POST',
      path: CREATE,
      status: 422,
      body: { message: 'Validation Failed' },
      times: 100,
    })
    expect(await t.finish('❌ **Failed:** no model')).toBe(false)
    expect(t.undelivered).toMatch(
      /^Updating the tracking comment failed \(.*403 You have exceeded a secondary rate limit.*\), and so did posting a new comment \(.*422 Validation Failed\)\.$/,
    )
    expect(bodies()).toHaveLength(1)
    expect(logs.at(-1)).toBe(`Could not post the result on issue #${issue}: ${t.undelivered}`)

    // Once GitHub answers again, a later final word gets through and clears the failure.
    gh.state.faults.length = 0
    expect(await t.finish('❌ **Failed:** no model')).toBe(true)
    expect(t.undelivered).toBeUndefined()
  })

  it('tries a second new comment when the comment was never created', async () => {
    const t = tracking()
    gh.fault(secondaryLimit('POST', CREATE, 4)) // the step and finish's first try, each with its one retry
    t.step('Phase `ISSUE-3`')
    expect(await t.postedAs()).toBeUndefined()
    expect(t.commentId).toBeUndefined()
    expect(await t.finish('✅ done')).toBe(true)
    expect(bodies()).toEqual([t.render()])
    expect(logs.join('\n')).toMatch(
      /Posting the tracking comment failed \(.*\); posting the result as a new comment/,
    )
  })

  it('an edit that landed although its answer was an error is not posted a second time', async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    // Every try of the edit is made, and every answer is lost (a proxy's 502).
    gh.fault({
      method: 'PATCH',
      path: EDIT,
      status: 502,
      body: { message: 'Bad Gateway' },
      times: 100,
      applied: true,
    })
    expect(await t.finish('✅ Opened draft PR #7')).toBe(true)
    expect(bodies()).toEqual([t.render()])
    expect(logs.join('\n')).toMatch(/The final word reached the issue although GitHub's answer was an error/)
  })

  it('a first comment that landed although its answer was an error is adopted, not posted again', async () => {
    const t = tracking()
    gh.fault({
      method: 'POST',
      path: CREATE,
      status: 502,
      body: { message: 'Bad Gateway' },
      times: 100,
      applied: true,
    })
    expect(await t.finish('✅ done')).toBe(true)
    // The retries of the one POST each landed (GitHub would have kept them too); no fallback adds another.
    const landed = gh.commentsOn(issue)
    expect(t.commentId).toBe(landed.find((c) => c.body === t.render())?.id)
    expect(gh.requests.filter((r) => r.method === 'POST').length).toBe(landed.length)
    expect(created).toEqual([t.commentId])
    expect(await t.postedAs()).toBeUndefined() // no answer said who posted it; its text is no proof of that
  })

  it('a 429 is waited out by the throttling alone: no retries of its own on top', async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    gh.fault({
      method: 'PATCH',
      path: EDIT,
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit.' },
      times: 100,
    })
    expect(await t.finish('✅ done')).toBe(true)
    // One try and the throttling plugin's one retry, then the new comment: never four requests per try.
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2)
  })

  it('without an issue, the log is the only place and finish reports nothing lost', async () => {
    const t = tracking({ noIssue: true })
    t.step('Phase `ISSUE-3`')
    expect(await t.finish('✅ done')).toBe(true)
    expect(gh.requests).toHaveLength(0)
    expect(logs).toEqual(['Phase `ISSUE-3`', '✅ done'])
  })
})

/**
 * The in-memory API, with comment writes that can be held (sent, but neither applied nor answered until released)
 * or made to fail. `sent`: every edit's body in the order it was sent; `posted`: every creation's.
 */
class HeldApi extends FakeGitHubApi {
  hold = false
  fail = false
  holdCreate = false
  failCreate = false
  held: (() => void)[] = []
  sent: string[] = []
  posted: string[] = []
  override async updateComment(commentId: number, body: string): Promise<void> {
    this.sent.push(body)
    if (this.fail) throw new Error('Bad Gateway')
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve))
    return super.updateComment(commentId, body)
  }
  override async createComment(issueNumber: number, body: string) {
    this.posted.push(body)
    if (this.failCreate) throw new Error('Service Unavailable')
    if (this.holdCreate) await new Promise<void>((resolve) => this.held.push(resolve))
    return super.createComment(issueNumber, body)
  }
  /** Answers every write held so far. */
  release(): void {
    this.held.splice(0).forEach((answer) => answer())
  }
}

/**
 * The live plan: `plan()` never waits for GitHub, and its edits are coalesced, one at a time, spaced, and never
 * after the final word. Over the in-memory API (each write recorded in order) with fake timers.
 */
describe('TrackingComment plan', () => {
  const ISSUE = 7
  const INTERVAL = 1_000
  const SETTLE = 5_000
  let api: HeldApi
  let logs: string[]

  beforeEach(() => {
    vi.useFakeTimers()
    api = new HeldApi()
    logs = []
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const tracking = (issue: number | undefined = ISSUE) =>
    new TrackingComment(api, issue, '`ISSUE-3`', 'https://run', (m) => logs.push(m), {
      planIntervalMs: INTERVAL,
      settleMs: SETTLE,
      redact: (t) => t.replaceAll('hunter2', '***'),
    })
  const items = (...texts: string[]): TodoItem[] =>
    texts.map((content, i) => ({
      content,
      status: i === 0 ? 'completed' : i === 1 ? 'in_progress' : 'pending',
      activeForm: `Doing ${content}`,
    }))
  /** A milestone, once its write is answered (the first milestone's creates the comment). */
  const shownStep = async (t: TrackingComment, line: string) => {
    t.step(line)
    await t.postedAs()
  }
  /** Every edit of the comment, in the order it was sent (also those still unanswered). */
  const edits = () => api.sent
  const shown = () => api.comments.get(ISSUE)?.[0]?.body

  it('a plan written while the comment is being created is shown once it exists', async () => {
    api.holdCreate = true
    const t = tracking()
    t.step('Running the model')
    await vi.advanceTimersByTimeAsync(0) // the step's body is written and its comment is being created
    t.plan(items('early'))
    await vi.advanceTimersByTimeAsync(INTERVAL * 2)
    expect(edits()).toEqual([]) // no comment to edit yet
    api.release()
    await t.postedAs()
    expect(shown()).not.toContain('early') // the step's body was rendered before the plan came
    await vi.advanceTimersByTimeAsync(INTERVAL)
    expect(shown()).toContain('- [x] early')
  })

  it('coalesces plans within the interval into one edit with the latest, and edits again after it', async () => {
    const t = tracking()
    await shownStep(t, 'Running the model')
    t.plan(items('a'))
    t.plan(items('a', 'b'))
    t.plan(items('a', 'b', 'c'))
    await vi.advanceTimersByTimeAsync(INTERVAL - 1)
    expect(edits()).toEqual([]) // the step's write opened the interval
    await vi.advanceTimersByTimeAsync(1)
    expect(edits()).toEqual([t.render()])
    expect(edits()[0]).toContain(
      '- Running the model\n\n**Plan**\n\n- [x] a\n- [ ] **Doing b** (in progress)\n- [ ] c',
    )

    await vi.advanceTimersByTimeAsync(INTERVAL * 3)
    t.plan(items('a', 'b', 'c', 'd'))
    await vi.advanceTimersByTimeAsync(0) // past the interval: at once
    expect(edits()).toHaveLength(2)
    expect(edits()[1]).toContain('- [ ] d')
    expect(vi.getTimerCount()).toBe(0)
  })

  it('plan() never waits for GitHub: an edit that is never answered blocks neither it nor finish', async () => {
    const t = tracking()
    await shownStep(t, 'Running the model')
    api.hold = true
    await vi.advanceTimersByTimeAsync(INTERVAL)
    t.plan(items('a'))
    await vi.advanceTimersByTimeAsync(0)
    expect(edits()).toHaveLength(1) // sent, never answered
    // Synchronous, and no second edit while one is in flight however long it takes.
    expect(t.plan(items('a', 'b'))).toBeUndefined()
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits()).toHaveLength(1)

    api.hold = false
    const finished = t.finish('✅ Opened draft PR #9', 'cost $0.01')
    // Settling waits SETTLE for the edit in flight; after the final word, as long again for it to land.
    await vi.advanceTimersByTimeAsync(SETTLE * 2)
    expect(await finished).toBe(true)
    const final = t.render('cost $0.01')
    expect(edits().at(-1)).toBe(final)
    expect(final).toMatch(
      /✅ Opened draft PR #9[\s\S]*\*\*Plan\*\*\n\n- \[x\] a\n- \[ \] \*\*Doing b\*\* \(in progress\)\n\ncost/,
    )
    expect(logs).toContain(
      'A write of the tracking comment is still unanswered; writing the final word anyway.',
    )

    // The late edit lands after the final word: the final word is written again, and stays last.
    api.release()
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits().at(-1)).toBe(final)
    expect(shown()).toBe(final)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('finish drops a plan edit not yet sent and waits for one in flight: the final body is the last write', async () => {
    const t = tracking()
    await shownStep(t, 'Running the model')
    t.plan(items('a')) // waits for the interval
    expect(await t.finish('✅ done', 'cost')).toBe(true)
    expect(vi.getTimerCount()).toBe(0) // nothing left to keep the process alive
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits()).toEqual([t.render('cost')])
    expect(edits()[0]).toContain('- [x] a')
    expect(vi.getTimerCount()).toBe(0)

    // In flight when finish is called: finish's write comes after its answer.
    const u = tracking()
    api.sent.length = 0
    await shownStep(u, 'Running the model')
    await vi.advanceTimersByTimeAsync(INTERVAL)
    api.hold = true
    u.plan(items('a', 'b'))
    await vi.advanceTimersByTimeAsync(0)
    api.hold = false
    const finished = u.finish('✅ done')
    await vi.advanceTimersByTimeAsync(0)
    expect(edits()).toHaveLength(1) // finish is waiting for the plan edit
    api.release()
    expect(await finished).toBe(true)
    expect(edits()).toEqual([expect.stringContaining('⏳ Working…'), u.render()])
    u.plan(items('late')) // after the final word: recorded, never sent
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits()).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a step carries the latest plan: the plan edit waiting for the interval is dropped', async () => {
    const t = tracking()
    await shownStep(t, 'Running the model')
    t.plan(items('a', 'b'))
    t.step('Pushed') // a milestone's write starts at once
    expect(edits()).toEqual([t.render()])
    expect(edits()[0]).toMatch(/- Pushed\n\n\*\*Plan\*\*\n\n- \[x\] a\n/)
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits()).toHaveLength(1)
  })

  it('a failing plan edit is logged, never thrown, and the next plan is still shown', async () => {
    const t = tracking()
    await shownStep(t, 'Running the model')
    api.fail = true
    t.plan(items('a'))
    await vi.advanceTimersByTimeAsync(INTERVAL)
    expect(logs).toContain('Could not show the plan in the tracking comment: Bad Gateway')
    api.fail = false
    t.plan(items('a', 'b'))
    await vi.advanceTimersByTimeAsync(INTERVAL)
    expect(shown()).toContain('- [ ] **Doing b** (in progress)')
  })

  it('a plan item renders neutralised and redacted: no ping, no forged marker, one line', async () => {
    const t = tracking()
    await shownStep(t, 'Running the model')
    t.plan([
      {
        content: `Ask @someone ${TRACKING_MARKER}\nabout hunter2`,
        status: 'pending',
        activeForm: 'Asking',
      },
    ])
    await vi.advanceTimersByTimeAsync(INTERVAL)
    const body = shown() ?? ''
    expect(body.split(TRACKING_MARKER)).toHaveLength(2) // only the comment's own, on its first line
    expect(body.startsWith(TRACKING_MARKER)).toBe(true)
    expect(body.split('\n').at(-1)).toBe(
      '- [ ] Ask @\u200bsomeone &lt;!-- implement-action:tracking --&gt; about \\*\\*\\*',
    )
    expect(body).not.toContain('hunter2')
  })

  it('creates no comment of its own: a plan before the first comment waits for the step that creates it', async () => {
    const t = tracking()
    t.plan(items('a'))
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(api.writes).toEqual([])
    await shownStep(t, 'Phase `ISSUE-3`')
    expect(api.writes).toEqual([{ kind: 'createComment', issueNumber: ISSUE, body: t.render() }])
    expect(t.render()).toContain('- [x] a')
    // Without an issue there is nowhere to show it.
    const none = tracking(undefined)
    none.plan(items('a'))
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(api.writes).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})

/**
 * The milestones in the background: `step()` records and returns, its write goes out behind the run's back,
 * coalesced to the latest state, one at a time; `finish` still guarantees the final word. Over the in-memory API
 * with writes held or failed at will, and fake timers.
 */
describe('TrackingComment milestones in the background', () => {
  const ISSUE = 7
  const SETTLE = 5_000
  let api: HeldApi
  let logs: string[]
  let created: number[]

  beforeEach(() => {
    vi.useFakeTimers()
    api = new HeldApi()
    logs = []
    created = []
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const tracking = () =>
    new TrackingComment(api, ISSUE, '`ISSUE-3`', 'https://run', (m) => logs.push(m), {
      settleMs: SETTLE,
      onComment: (id) => created.push(id),
    })
  const bodies = () => (api.comments.get(ISSUE) ?? []).map((c) => c.body)

  it('step() returns at once; milestones that come while a write is unanswered go out as one write of the latest', async () => {
    api.holdCreate = true
    const t = tracking()
    expect(t.step('Phase `ISSUE-3`')).toBeUndefined()
    t.step('Created branch `ISSUE-3`')
    t.step('Running the model')
    // Each milestone is in the log at once; GitHub has one write, still unanswered.
    expect(logs).toEqual(['Phase `ISSUE-3`', 'Created branch `ISSUE-3`', 'Running the model'])
    expect(api.posted).toHaveLength(1)
    expect(api.posted[0]).toMatch(/- Phase `ISSUE-3`$/)
    expect(api.sent).toEqual([])

    api.release()
    expect(await t.postedAs()).toBe(ACTIONS_BOT)
    await vi.advanceTimersByTimeAsync(0)
    // One edit for the two milestones that waited, with the whole state.
    expect(api.sent).toEqual([t.render()])
    expect(api.sent[0]).toMatch(/- Phase `ISSUE-3`\n- Created branch `ISSUE-3`\n- Running the model$/)
    expect(bodies()).toEqual([t.render()])
    expect(created).toHaveLength(1)
  })

  it("finish waits for a milestone's write still in flight, then writes the final state: the last write", async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    api.hold = true
    t.step('Running the model')
    api.hold = false
    const finished = t.finish('✅ Opened draft PR #9', 'cost $0.01')
    await vi.advanceTimersByTimeAsync(0)
    expect(api.sent).toHaveLength(1) // finish is waiting for the milestone's edit
    expect(api.sent[0]).toContain('⏳ Working…')

    api.release()
    expect(await finished).toBe(true)
    const final = t.render('cost $0.01')
    expect(api.sent).toEqual([expect.stringMatching(/⏳ Working…[\s\S]*- Running the model$/), final])
    expect(bodies()).toEqual([final])
    expect(final).toMatch(/✅ Opened draft PR #9[\s\S]*- Running the model\n\ncost \$0\.01$/)
    // Nothing is left to write after the final word, however long one waits.
    await vi.advanceTimersByTimeAsync(SETTLE * 10)
    expect(api.sent).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a failed edit is logged and never thrown; the next write carries everything, and the final word gets through', async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    api.fail = true
    t.step('Created branch `ISSUE-3`')
    await vi.advanceTimersByTimeAsync(0)
    expect(logs).toContain('Could not update the tracking comment: Bad Gateway')
    expect(bodies()[0]).not.toContain('Created branch')

    api.fail = false
    t.step('Running the model')
    await vi.advanceTimersByTimeAsync(0)
    expect(bodies()[0]).toMatch(/- Phase `ISSUE-3`\n- Created branch `ISSUE-3`\n- Running the model$/)
    expect(await t.finish('✅ done')).toBe(true)
    expect(bodies()).toEqual([t.render()])
  })

  it('a failed creation is logged; the next milestone creates the comment, and a plan alone never does', async () => {
    const t = tracking()
    api.failCreate = true
    t.step('Phase `ISSUE-3`')
    expect(await t.postedAs()).toBeUndefined()
    expect(logs).toContain('Could not update the tracking comment: Service Unavailable')
    api.failCreate = false
    t.plan([{ content: 'a', status: 'pending', activeForm: 'Doing a' }])
    await vi.advanceTimersByTimeAsync(SETTLE)
    expect(bodies()).toEqual([])

    t.step('Created branch `ISSUE-3`')
    expect(await t.postedAs()).toBe(ACTIONS_BOT)
    expect(bodies()).toEqual([t.render()])
    expect(bodies()[0]).toMatch(/- Phase `ISSUE-3`\n- Created branch `ISSUE-3`\n\n\*\*Plan\*\*/)
    expect(created).toEqual([t.commentId])
  })

  it('an older state never overwrites a newer one: writes go out one at a time, each with the latest state', async () => {
    const t = tracking()
    t.step('one')
    await t.postedAs()
    api.hold = true
    t.step('two') // sent, unanswered
    t.step('three') // waits
    t.step('four') // replaces it
    await vi.advanceTimersByTimeAsync(SETTLE)
    expect(api.sent).toHaveLength(1)
    api.hold = false
    api.release()
    await vi.advanceTimersByTimeAsync(0)
    expect(api.sent).toHaveLength(2)
    expect(api.sent[0]).toMatch(/- one\n- two$/)
    expect(api.sent[1]).toMatch(/- one\n- two\n- three\n- four$/)
    expect(bodies()).toEqual([t.render()])
  })

  it("a milestone's write answered only after the final word is followed by the final word again", async () => {
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    await t.postedAs()
    api.hold = true
    t.step('Running the model') // GitHub takes it, and answers only much later
    api.hold = false
    const finished = t.finish('✅ done', 'cost')
    await vi.advanceTimersByTimeAsync(SETTLE * 2)
    expect(await finished).toBe(true)
    expect(logs).toContain(
      'A write of the tracking comment is still unanswered; writing the final word anyway.',
    )
    const final = t.render('cost')
    expect(bodies()).toEqual([final])

    api.release() // the milestone's edit lands now, over the final word...
    await vi.advanceTimersByTimeAsync(0)
    // ...and the final word is written once more: it is the comment's last state.
    expect(api.sent.at(-1)).toBe(final)
    expect(bodies()).toEqual([final])
    expect(vi.getTimerCount()).toBe(0)
  })

  it("a creation answered only after finish posted the final word: that comment gets the final word too, and stays no run's", async () => {
    api.holdCreate = true
    const t = tracking()
    t.step('Phase `ISSUE-3`')
    api.holdCreate = false
    const finished = t.finish('✅ done')
    await vi.advanceTimersByTimeAsync(SETTLE * 2)
    expect(await finished).toBe(true)
    const final = t.render()
    expect(bodies()).toEqual([final])
    const mine = t.commentId
    expect(created).toEqual([mine])

    api.release() // the first milestone's comment appears now, "Working…"...
    await vi.advanceTimersByTimeAsync(0)
    // ...and is given the final word at once; the run's comment is still the one finish posted.
    expect(bodies()).toEqual([final, final])
    expect(t.commentId).toBe(mine)
    expect(created).toEqual([mine])
  })
})
