import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { asksForClarification, implementIssue2, neverFinishes } from '../support/scripted-model.js'
import { act, botComments } from './world.js'

describe('e2e: clarification, budgets, dispatch, fan-out', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('a question is posted on the issue and the run ends without a PR', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, {
      payload,
      script: asksForClarification(['Should digits be kept?', 'Max length?']),
    })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('clarification-requested')
    expect(sb.github.state.pulls).toHaveLength(0)
    const question = botComments(sb).find((b) => b.includes('implement-action:question'))
    expect(question).toContain('1. Should digits be kept?')
    expect(question).toContain('2. Max length?')
    expect(run.anthropic.scripted).toHaveLength(2)
  })

  it('the turn budget stops the loop; the work is pushed as a WIP draft PR and the job fails visibly', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, { payload, script: neverFinishes(), with: { 'max-turns': '3' } })
    expect(run.exitCode).toBe(1)
    const pr = sb.github.state.pulls[0]
    expect(run.outputs).toMatchObject({
      status: 'failed',
      turns: '3',
      branch: 'ISSUE-2',
      'pr-number': String(pr.number),
    })
    expect(run.anthropic.scripted).toHaveLength(3)
    expect(pr.title).toMatch(/^\[WIP\] ISSUE-2/)
    expect(pr.draft).toBe(true)
    expect(pr.body).toContain('max-turns')
    expect(await sb.originFile('ISSUE-2', 'notes/step-2.md')).toBe('step 2\n')
    expect(botComments(sb).at(-1)).toMatch(/Stopped early[\s\S]*max-turns/)
  })

  it('workflow_dispatch with inputs runs the phase and reports on the given issue', async () => {
    sb = await createSandbox()
    const payload = sb.dispatch({
      'spec-name': 'slugkit',
      'issue-id': 'issue-2',
      notes: '',
      'issue-number': '1',
    })
    const run = await act(sb, {
      eventName: 'workflow_dispatch',
      payload,
      script: implementIssue2({ markSpec: false }),
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ status: 'pr-opened', branch: 'ISSUE-2' })
    // The model did not mark the phase: the action did, with a minimal edit.
    const spec = await sb.originFile('ISSUE-2', 'docs/specs/slugkit.md')
    const original = (await sb.originFile('main', 'docs/specs/slugkit.md')) ?? ''
    expect(spec).toBe(
      original.replace('### ISSUE-2: slugify function\n', '### ISSUE-2: slugify function ✅\n'),
    )
    expect(botComments(sb).at(-1)).toContain(`Opened draft PR #${sb.github.state.pulls[0].number}`)
  })

  it('two ids fan out to one workflow_dispatch per id', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2 ISSUE-3 small steps please')
    const run = await act(sb, { payload })
    expect(run.exitCode).toBe(0)
    expect(run.anthropic.requests).toHaveLength(0)
    expect(sb.github.state.dispatches.map((d) => [d.workflow_id, d.ref, d.inputs['issue-id']])).toEqual([
      ['implement.yml', 'main', 'ISSUE-2'],
      ['implement.yml', 'main', 'ISSUE-3'],
    ])
    expect(sb.github.state.dispatches[0].inputs).toMatchObject({
      'comment-id': String(sb.github.commentsOn(1)[0].id),
      notes: 'small steps please',
      'issue-number': '1',
    })
    expect(botComments(sb)[0]).toMatch(/one run per id/)
  })

  it('where drafts are not supported, opens a normal PR titled [WIP] and says so', async () => {
    sb = await createSandbox({ draftsSupported: false })
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, { payload, script: implementIssue2() })
    expect(run.exitCode, run.stdout).toBe(0)
    const pr = sb.github.state.pulls[0]
    expect(pr.draft).toBe(false)
    expect(pr.title).toBe('[WIP] ISSUE-2: slugify function')
    expect(botComments(sb).at(-1)).toMatch(/Opened PR #\d+: .*normal PR marked \[WIP\]/)
    expect(pr.body).toContain('Draft pull requests are not available in this repository')
  })
})

describe('e2e: the PR cannot be opened', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('says the work is safe on the branch, and what to fix', async () => {
    sb = await createSandbox()
    sb.github.fault({
      method: 'POST',
      path: /\/pulls$/,
      status: 403,
      body: { message: 'GitHub Actions is not permitted to create or approve pull requests.' },
      times: 5,
    })
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, { payload, script: implementIssue2() })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBeDefined()
    const last = botComments(sb).at(-1) ?? ''
    expect(last).toContain('The work is on branch `ISSUE-2`')
    expect(last).toMatch(/not permitted to create or approve pull requests/)
    expect(last).not.toMatch(/at .*\.js:\d+/)
  })
})

describe('e2e: fan-out runs and reruns', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('a fanned-out run takes its requester and its comment cutoff from the command comment', async () => {
    sb = await createSandbox()
    const at = (min: number) => `2026-01-01T00:${String(min).padStart(2, '0')}:00Z`
    sb.github.addComment({
      issue: 1,
      user: 'maintainer-mona',
      body: 'BEFORE: prefer NFKD.',
      created_at: at(1),
    })
    const { comment } = sb.comment('/implement ISSUE-2 ISSUE-3', { created_at: at(5) })
    sb.github.addComment({
      issue: 1,
      user: 'maintainer-mona',
      body: 'AFTER: drop the tests.',
      created_at: at(9),
    })
    const payload = sb.dispatch(
      {
        'spec-name': '',
        'issue-id': 'ISSUE-2',
        notes: '',
        'issue-number': '1',
        'comment-id': String(comment.id),
      },
      'github-actions[bot]',
    )
    const run = await act(sb, { eventName: 'workflow_dispatch', payload, script: implementIssue2() })
    expect(run.exitCode, run.stdout).toBe(0)
    const prompt = JSON.stringify(run.anthropic.scripted[0].body?.messages[0])
    expect(prompt).toContain('BEFORE: prefer NFKD.')
    expect(prompt).not.toContain('AFTER: drop the tests.')
    const log = await sb.origin.git(sb.origin.bare, ['log', '-1', '--format=%B', 'ISSUE-2'])
    expect(log).toContain('Co-authored-by: maintainer-mona')
    // The issue's comments are listed once per run, for both the origin and the discussion.
    const listings = sb.github.requests.filter(
      (r) => r.method === 'GET' && /\/issues\/1\/comments/.test(r.path),
    )
    expect(listings).toHaveLength(1)
  })

  it('a rerun that changes nothing brings the stale WIP PR up to date instead of failing', async () => {
    sb = await createSandbox()
    const first = sb.comment('/implement ISSUE-2')
    const stopped = await act(sb, {
      payload: first.payload,
      script: neverFinishes(),
      with: { 'max-turns': '1' },
    })
    expect(stopped.outputs.status).toBe('failed')
    expect(sb.github.state.pulls[0].title).toMatch(/^\[WIP\]/)
    await sb.freshCheckout()
    const again = sb.comment('/implement ISSUE-2 just verify it')
    const rerun = await act(sb, {
      payload: again.payload,
      script: [
        { content: [{ type: 'text', text: 'Verified: the work on the branch is complete. Test: npm test' }] },
      ],
    })
    expect(rerun.exitCode, rerun.stdout).toBe(0)
    expect(rerun.outputs.status).toBe('pr-opened')
    expect(sb.github.state.pulls).toHaveLength(1)
    expect(sb.github.state.pulls[0].title).toBe('ISSUE-2: slugify function')
    expect(sb.github.state.pulls[0].body).toContain('Verified: the work on the branch is complete.')
    expect(await sb.originFile('ISSUE-2', 'docs/specs/slugkit.md')).toContain(
      '### ISSUE-2: slugify function ✅',
    )
  })
})
