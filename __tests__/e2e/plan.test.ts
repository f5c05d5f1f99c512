/**
 * Runner-style: the model keeps a plan with TodoWrite. The tracking comment shows it while the model works (an edit
 * of its own, between the milestones and the final word), ends with it as a checklist, and the PR body keeps it;
 * a review iteration's plan goes in its tracking comment only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRACKING_MARKER } from '../../src/discussion/markers.js'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { addressReview, implementIssue2, PLAN_STEPS } from '../support/scripted-model.js'
import { act, botComments, type E2ERun } from './world.js'

/** Longer than the tracking comment's interval between writes (3 s), so the live edit goes out mid-run. */
const THINKING_MS = 3_500

describe('e2e: the live plan', () => {
  let sb: Sandbox
  let run: E2ERun
  const done = PLAN_STEPS.map(([content]) => `- [x] ${content}`).join('\n')

  beforeAll(async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    run = await act(sb, { payload, script: implementIssue2({ plan: true, planDelayMs: THINKING_MS }) })
  })
  afterAll(async () => sb?.cleanup())

  it('opens the PR as usual, the TodoWrite calls answered as Claude Code answers them', () => {
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ status: 'pr-opened', turns: '5' })
    const answers = JSON.stringify(run.anthropic.scripted.map((r) => r.body?.messages))
    expect(answers).toContain('Todos have been modified successfully.')
    expect(answers).not.toContain('"is_error":true')
    const tools = run.anthropic.scripted[0].body?.tools as { name: string }[]
    expect(tools.map((t) => t.name)).toContain('TodoWrite')
    expect(sb.github.violations).toEqual([])
  })

  it('shows the plan in the tracking comment while the model works', () => {
    const edits = sb.github.requests
      .filter((r) => r.method === 'PATCH' && /\/issues\/comments\/\d+$/.test(r.path))
      .map((r) => String((r.body as { body?: string }).body))
    // The first plan while the model thinks; a slow runner may show the finished plan too before the final word.
    const live = edits.filter((b) => b.includes('⏳ Working…') && b.includes('**Plan**'))
    expect(live.length).toBeGreaterThanOrEqual(1)
    const [[first], [second, secondActive], [third]] = PLAN_STEPS
    expect(live[0]).toContain(
      `**Plan**\n\n- [ ] **${PLAN_STEPS[0][1]}** (in progress)\n- [ ] ${second}\n- [ ] ${third}`,
    )
    expect(live[0]).not.toContain(first)
    expect(live[0]).not.toContain(secondActive)
  })

  it('ends the one tracking comment with the PR link and the whole plan done', () => {
    const pr = sb.github.state.pulls[0]
    const mine = botComments(sb)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toContain(`✅ Opened draft PR #${pr.number}`)
    expect(mine[0]).toContain(`**Plan**\n\n${done}\n`)
  })

  it('keeps the final plan in the PR body as a `## Plan` checklist', () => {
    const body = sb.github.state.pulls[0].body ?? ''
    expect(body).toContain(`## Plan\n\n${done}\n`)
    expect(body.indexOf('## Test it locally')).toBeLessThan(body.indexOf('## Plan'))
  })
})

describe('e2e: the plan of a review iteration', () => {
  let sb: Sandbox
  let run: E2ERun
  const firstPlan = PLAN_STEPS.map(([content]) => `- [x] ${content}`).join('\n')
  const iterationPlan = { content: 'Reword the doc comment', status: 'completed', activeForm: 'Rewording it' }

  beforeAll(async () => {
    sb = await createSandbox()
    const first = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2({ plan: true }),
    })
    expect(first.exitCode, first.stdout).toBe(0)
    await sb.freshCheckout()
    const pr = sb.github.state.pulls[0]
    const { payload } = sb.pullComment(pr.number, '/implement say "any title" in the doc comment')
    const [read, ...rest] = addressReview()
    const plan = { type: 'tool_use' as const, name: 'TodoWrite', input: { todos: [iterationPlan] } }
    run = await act(sb, { payload, script: [{ content: [...read.content, plan] }, ...rest] })
  })
  afterAll(async () => sb?.cleanup())

  it('shows it in the tracking comment on the PR', () => {
    expect(run.exitCode, run.stdout).toBe(0)
    const pr = sb.github.state.pulls[0]
    const tracking = sb.github
      .commentsOn(pr.number)
      .find((c) => c.user === 'github-actions[bot]' && c.body.startsWith(TRACKING_MARKER))
    expect(tracking?.body).toContain(`✅ Pushed`)
    expect(tracking?.body).toContain('**Plan**\n\n- [x] Reword the doc comment\n')
  })

  it("leaves the PR body's plan as the first run wrote it", () => {
    const body = sb.github.state.pulls[0].body ?? ''
    expect(body).toContain('## Iterations')
    expect(body).toContain(`## Plan\n\n${firstPlan}\n`)
    expect(body).not.toContain('- [x] Reword the doc comment')
  })
})
