/**
 * CI on the agent's pull request: a PR opened with the workflow's own token (github-actions[bot]) starts no CI
 * runs, or runs that wait for approval. The PR and the tracking comment say so and name the fix; with another
 * token (a GitHub App's) they say nothing of it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2 } from '../support/scripted-model.js'
import { act, botComments } from './world.js'

const NOTE =
  /opened with the workflow's `GITHUB_TOKEN` \(as github-actions\[bot\]\)[\s\S]*actions\/create-github-app-token/

describe('e2e: CI on the draft PR', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('opened as github-actions[bot]: the PR body and the tracking comment say CI may not run, and the fix', async () => {
    sb = await createSandbox()
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2(),
    })
    expect(run.exitCode, run.stdout).toBe(0)
    const pr = sb.github.state.pulls[0]
    expect(pr.user).toBe('github-actions[bot]')
    expect(pr.body).toMatch(NOTE)
    expect(pr.body).toContain('> [!NOTE]')
    expect(botComments(sb).at(-1)).toMatch(NOTE)
  })

  it('a dispatch run without an issue (no tracking comment): the PR body still says so, from the PR’s author', async () => {
    sb = await createSandbox()
    const payload = sb.dispatch({ 'spec-name': 'slugkit', 'issue-id': 'ISSUE-2', notes: '' })
    const run = await act(sb, { eventName: 'workflow_dispatch', payload, script: implementIssue2() })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(sb.github.commentsOn(sb.issue.number)).toEqual([])
    const pr = sb.github.state.pulls[0]
    expect(pr.user).toBe('github-actions[bot]')
    expect(pr.body).toMatch(NOTE)
    // One note, not two, and the rest of the body is the run's.
    expect((pr.body ?? '').split('actions/create-github-app-token')).toHaveLength(2)
    expect(pr.body).toContain('ISSUE-2')
  })

  it("opened with a GitHub App's token: nothing of it", async () => {
    sb = await createSandbox()
    sb.github.state.actor = 'implement-app[bot]'
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2(),
    })
    expect(run.exitCode, run.stdout).toBe(0)
    const pr = sb.github.state.pulls[0]
    expect(pr.user).toBe('implement-app[bot]')
    expect(pr.body).not.toMatch(NOTE)
    const mine = sb.github.commentsOn(sb.issue.number).filter((c) => c.user === 'implement-app[bot]')
    expect(mine.at(-1)?.body).toContain('✅ Opened draft PR')
    expect(mine.at(-1)?.body).not.toMatch(NOTE)
  })
})
