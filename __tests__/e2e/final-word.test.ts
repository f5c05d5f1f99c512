/** Runner-style: the run's final word reaches the issue however GitHub refuses, or the step fails saying so. */
import { afterEach, describe, expect, it } from 'vitest'
import { secondaryRateLimit } from '../support/github-server.js'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2 } from '../support/scripted-model.js'
import { act, botComments } from './world.js'

const secondaryLimit = (method: string, path: RegExp) => secondaryRateLimit(method, path, 1000)
const EDIT = /\/issues\/comments\/\d+$/
const CREATE = /\/issues\/\d+\/comments$/

describe('e2e: the final word', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('every edit of the tracking comment refused (secondary rate limit): the result goes out as a new comment', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    sb.github.fault(secondaryLimit('PATCH', EDIT))
    const run = await act(sb, { payload, script: implementIssue2() })

    expect(run.exitCode, run.stdout).toBe(0)
    const pr = sb.github.state.pulls[0]
    expect(run.outputs).toMatchObject({ status: 'pr-opened', 'pr-number': String(pr.number) })
    const [first, last, ...more] = botComments(sb)
    expect(more).toEqual([])
    expect(first).toContain('⏳ Working…')
    expect(last).toContain('<!-- implement-action:tracking -->')
    expect(last).toContain(
      `✅ Opened draft PR #${pr.number}: https://github.com/octo-org/octo-repo/pull/${pr.number}`,
    )
    expect(last).toMatch(/- Created branch `ISSUE-2` from `main`/) // the whole state, not only the headline
    expect(run.stdout).toMatch(/secondary rate limit hit on PATCH .*; retry 1\/1 in 1s\./)
    expect(run.stdout).toMatch(/secondary rate limit hit on PATCH .*; giving up\./)
    expect(run.stdout).not.toMatch(/retry 2\/1/)
    expect(run.stdout).toMatch(
      /Updating the tracking comment failed .*; posting the result as a new comment\./,
    )
  })

  it('GitHub takes no comment at all: the PR is opened, and the summary and the failed step say the issue was not told', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    sb.github.fault(secondaryLimit('PATCH', EDIT))
    sb.github.fault(secondaryLimit('POST', CREATE))
    const run = await act(sb, { payload, script: implementIssue2() })

    const pr = sb.github.state.pulls[0]
    expect(pr).toMatchObject({ head: 'ISSUE-2', draft: true })
    expect(botComments(sb)).toEqual([])
    expect(run.exitCode).toBe(1)
    expect(run.outputs).toMatchObject({ status: 'pr-opened', 'pr-number': String(pr.number) })
    const notPosted = `The result could not be posted on issue #${sb.issue.number}: Posting the tracking comment failed`
    expect(run.summary).toContain(notPosted)
    expect(run.summary).toContain(
      `What happened (pr-opened): opened draft PR #${pr.number}: https://github.com/`,
    )
    expect(run.stdout).toMatch(new RegExp(`::error::${notPosted}.*secondary rate limit`))
    expect(run.stdout).not.toMatch(/at .*\.js:\d+/) // no stack trace
  })
})
