/**
 * The tracking comment over the real Octokit client against the OpenAPI-checked GitHub stand-in: the final word
 * reaches the issue even when the comment cannot be edited, and `finish` says when it could not.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TRACKING_MARKER } from '../../src/discussion/markers.js'
import { createGitHubApi } from '../../src/github/octokit.js'
import { Redactor } from '../../src/report/redact.js'
import { TrackingComment } from '../../src/report/tracking.js'
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
