/**
 * Step debug logging (`ACTIONS_STEP_DEBUG`, which the runner passes as RUNNER_DEBUG=1): every GitHub API request
 * with its status and time, every model request (model, time, stop reason, tokens) and every tool call's time,
 * and never a secret.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2 } from '../support/scripted-model.js'
import { act, API_KEY, GITHUB_TOKEN } from './world.js'

const debugLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('::debug::'))

describe('e2e: step debug logging', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('logs API calls, model requests and tool calls with their times, and no secret', async () => {
    sb = await createSandbox()
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2(),
      env: { RUNNER_DEBUG: '1' },
    })
    expect(run.exitCode, run.stdout).toBe(0)
    const lines = debugLines(run.stdout)
    expect(lines).toContainEqual(
      expect.stringMatching(/^::debug::GitHub API POST \/repos\/[^/]+\/[^/]+\/pulls → 201 \(\d+ ms\)$/),
    )
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^::debug::GitHub API GET \/repos\/.+\/collaborators\/[^/]+\/permission → 200 \(\d+ ms\)$/,
      ),
    )
    const models = lines.filter((l) => l.startsWith('::debug::Model request '))
    expect(models).toHaveLength(run.anthropic.scripted.length)
    expect(models[0]).toMatch(
      /^::debug::Model request 1: claude-\S+, 1 messages, \d+ ms, stop tool_use, tokens in \d+ \+ cache write \d+ \+ cache read \d+, out \d+$/,
    )
    expect(lines).toContainEqual(expect.stringMatching(/^::debug::Tool str_replace_based_edit_tool: \d+ ms$/))
    expect(lines).toContainEqual(expect.stringMatching(/^::debug::Tool bash: \d+ ms/))
    for (const secret of [API_KEY, GITHUB_TOKEN]) expect(lines.join('\n')).not.toContain(secret)
  })

  it('without it, the API calls are not logged', async () => {
    sb = await createSandbox()
    const run = await act(sb, {
      payload: sb.comment('/implement ISSUE-2').payload,
      script: implementIssue2(),
    })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(debugLines(run.stdout).filter((l) => l.includes('GitHub API'))).toEqual([])
  })
})
