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
    expect(t.author).toBeUndefined()
    await t.step('Created branch `ISSUE-3`')
    const [comment] = gh.commentsOn(issue)
    expect(t.commentId).toBe(comment.id)
    expect(created).toEqual([comment.id])
    expect(t.author).toBe(ACTIONS_BOT)

    expect(await t.finish('✅ Opened draft PR #7', 'cost $0.01')).toBe(true)
    expect(bodies()).toEqual([t.render('cost $0.01')])
    expect(bodies()[0]).toMatch(/✅ Opened draft PR #7[\s\S]*- Created branch `ISSUE-3`[\s\S]*cost \$0\.01/)
    expect(t.undelivered).toBeUndefined()
    expect(created).toHaveLength(1)
  })

  it('knows the login its comment was posted as: a PAT or App token is not github-actions[bot]', async () => {
    gh.state.actor = 'pat-user'
    const t = tracking()
    await t.step('Phase `ISSUE-3`')
    expect(t.author).toBe('pat-user')
    expect(gh.commentsOn(issue)[0].user).toBe('pat-user')
    await t.finish('✅ done')
    expect(t.author).toBe('pat-user')
  })

  it('posts the final state as a new comment when every edit is refused by a secondary rate limit', async () => {
    const t = tracking()
    await t.step('Phase `ISSUE-3`')
    const first = t.commentId
    gh.fault(secondaryLimit('PATCH', EDIT))
    await t.step('Running the model') // a refused milestone is logged, not fatal
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
    expect(logs.join('\n')).toMatch(
      /Updating the tracking comment failed \(.*secondary rate limit.*\); posting the result as a new comment\./,
    )
  })

  it('returns false and says why when neither the edit nor a new comment gets through', async () => {
    const t = tracking()
    await t.step('Phase `ISSUE-3`')
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
    await t.step('Phase `ISSUE-3`')
    expect(t.commentId).toBeUndefined()
    expect(await t.finish('✅ done')).toBe(true)
    expect(bodies()).toEqual([t.render()])
    expect(logs.join('\n')).toMatch(
      /Posting the tracking comment failed \(.*\); posting the result as a new comment/,
    )
  })

  it('an edit that landed although its answer was an error is not posted a second time', async () => {
    const t = tracking()
    await t.step('Phase `ISSUE-3`')
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
    expect(t.author).toBeUndefined() // no answer said who posted it; its text is no proof of that
  })

  it('a 429 is waited out by the throttling alone: no retries of its own on top', async () => {
    const t = tracking()
    await t.step('Phase `ISSUE-3`')
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
    await t.step('Phase `ISSUE-3`')
    expect(await t.finish('✅ done')).toBe(true)
    expect(gh.requests).toHaveLength(0)
    expect(logs).toEqual(['Phase `ISSUE-3`', '✅ done'])
  })
})

/**
 * The live plan: `plan()` never waits for GitHub, and its edits are coalesced, one at a time, spaced, and never
 * after the final word. Over the in-memory API (each write recorded in order) with fake timers.
 */
describe('TrackingComment plan', () => {
  const ISSUE = 7
  const INTERVAL = 1_000
  const SETTLE = 5_000
  let api: PlanApi
  let logs: string[]

  /**
   * The in-memory API, with comment edits that can be held (sent, but neither applied nor answered until released)
   * or made to fail. `sent`: every edit's body in the order it was sent.
   */
  class PlanApi extends FakeGitHubApi {
    hold = false
    fail = false
    held: (() => void)[] = []
    sent: string[] = []
    override async updateComment(commentId: number, body: string): Promise<void> {
      this.sent.push(body)
      if (this.fail) throw new Error('Bad Gateway')
      if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve))
      return super.updateComment(commentId, body)
    }
  }

  beforeEach(() => {
    vi.useFakeTimers()
    api = new PlanApi()
    logs = []
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  const tracking = (issue: number | undefined = ISSUE) =>
    new TrackingComment(api, issue, '`ISSUE-3`', 'https://run', (m) => logs.push(m), {
      planIntervalMs: INTERVAL,
      planSettleMs: SETTLE,
      redact: (t) => t.replaceAll('hunter2', '***'),
    })
  const items = (...texts: string[]): TodoItem[] =>
    texts.map((content, i) => ({
      content,
      status: i === 0 ? 'completed' : i === 1 ? 'in_progress' : 'pending',
      activeForm: `Doing ${content}`,
    }))
  /** Every edit of the comment, in the order it was sent (also those still unanswered). */
  const edits = () => api.sent
  const shown = () => api.comments.get(ISSUE)?.[0]?.body

  it('a plan written while the comment is being created is shown once it exists', async () => {
    let release: () => void = () => {}
    const create = api.createComment.bind(api)
    api.createComment = async (issue, body) => {
      await new Promise<void>((resolve) => (release = resolve))
      return create(issue, body)
    }
    const t = tracking()
    const step = t.step('Running the model')
    await vi.advanceTimersByTimeAsync(0) // the step's body is written and its comment is being created
    t.plan(items('early'))
    await vi.advanceTimersByTimeAsync(INTERVAL * 2)
    expect(edits()).toEqual([]) // no comment to edit yet
    release()
    await step
    expect(shown()).not.toContain('early') // the step's body was rendered before the plan came
    await vi.advanceTimersByTimeAsync(INTERVAL)
    expect(shown()).toContain('- [x] early')
  })

  it('coalesces plans within the interval into one edit with the latest, and edits again after it', async () => {
    const t = tracking()
    await t.step('Running the model')
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
    await t.step('Running the model')
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
      'A plan edit of the tracking comment is still unanswered; writing the comment anyway.',
    )

    // The late edit lands after the final word: the final word is written again, and stays last.
    api.held.forEach((release) => release())
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits().at(-1)).toBe(final)
    expect(shown()).toBe(final)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('finish drops a plan edit not yet sent and waits for one in flight: the final body is the last write', async () => {
    const t = tracking()
    await t.step('Running the model')
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
    await u.step('Running the model')
    await vi.advanceTimersByTimeAsync(INTERVAL)
    api.hold = true
    u.plan(items('a', 'b'))
    await vi.advanceTimersByTimeAsync(0)
    api.hold = false
    const finished = u.finish('✅ done')
    await vi.advanceTimersByTimeAsync(0)
    expect(edits()).toHaveLength(1) // finish is waiting for the plan edit
    api.held.forEach((release) => release())
    expect(await finished).toBe(true)
    expect(edits()).toEqual([expect.stringContaining('⏳ Working…'), u.render()])
    u.plan(items('late')) // after the final word: recorded, never sent
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits()).toHaveLength(2)
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a step carries the latest plan: the plan edit waiting for the interval is dropped', async () => {
    const t = tracking()
    await t.step('Running the model')
    t.plan(items('a', 'b'))
    await t.step('Pushed')
    expect(edits()).toEqual([t.render()])
    expect(edits()[0]).toMatch(/- Pushed\n\n\*\*Plan\*\*\n\n- \[x\] a\n/)
    await vi.advanceTimersByTimeAsync(INTERVAL * 10)
    expect(edits()).toHaveLength(1)
  })

  it('a failing plan edit is logged, never thrown, and the next plan is still shown', async () => {
    const t = tracking()
    await t.step('Running the model')
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
    await t.step('Running the model')
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
    await t.step('Phase `ISSUE-3`')
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
