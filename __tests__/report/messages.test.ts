import { describe, expect, it } from 'vitest'
import type { AgentResult } from '../../src/agent/types.js'
import {
  accountingLine,
  blockedNetworkSection,
  earlyStopReason,
  formatDuration,
  formatUsd,
  prBody,
} from '../../src/report/messages.js'
import { readRunInfo, workflowFileFromRef } from '../../src/report/run-info.js'
import { parseOutputFile } from '../support/run-action.js'

const result = (over: Partial<AgentResult> = {}): AgentResult => ({
  status: 'completed',
  summary: 'Added slugify.\n\nTest: npm test',
  usage: {
    inputTokens: 1000,
    outputTokens: 200,
    cacheCreationInputTokens: 3000,
    cacheReadInputTokens: 6000,
    thinkingTokens: 0,
  },
  costUsd: 0.0123,
  turns: 3,
  durationMs: 65_000,
  cacheHitShare: 0.6,
  transcript: [],
  ...over,
})

describe('report messages', () => {
  it('formats durations and costs, unknown cost as n/a never $0', () => {
    expect(formatDuration(42_000)).toBe('42s')
    expect(formatDuration(185_000)).toBe('3m 05s')
    expect(formatDuration(3_720_000)).toBe('1h 02m')
    expect(formatUsd(null)).toBe('n/a')
    expect(formatUsd(undefined)).toBe('n/a')
    expect(formatUsd(Number.NaN)).toBe('n/a')
    expect(formatUsd(0)).toBe('$0.0000')
    expect(formatUsd(0.01234)).toBe('$0.0123')
    expect(formatUsd(12.5)).toBe('$12.50')
  })

  it('accounting line carries cost, turns, tokens and cache share', () => {
    const line = accountingLine(result(), 'claude-x')
    expect(line).toContain('$0.0123')
    expect(line).toContain('3 turns')
    expect(line).toContain('10,000 input / 200 output tokens')
    expect(line).toContain('60% from cache')
    expect(accountingLine(result({ costUsd: null }), 'm')).toContain('cost n/a')
  })

  it('explains each early stop with the input to change', () => {
    const b = { maxTurns: 5, maxCostUsd: 1, timeoutMinutes: 2 }
    expect(earlyStopReason(result({ status: 'max-turns' }), b)).toContain('max-turns')
    expect(earlyStopReason(result({ status: 'max-cost' }), b)).toContain('max-cost-usd')
    expect(earlyStopReason(result({ status: 'timeout' }), b)).toContain('timeout-minutes')
    expect(earlyStopReason(result({ status: 'error', error: 'overloaded' }), b)).toContain('overloaded')
  })

  it('a refusal reads as the model declining, not as an API failure', () => {
    const b = { maxTurns: 40, maxCostUsd: 5, timeoutMinutes: 30 }
    const why = earlyStopReason(result({ status: 'refused', summary: 'I cannot help with that.' }), b)
    expect(why).toMatch(
      /^the model declined to continue the task \(a refusal by the model, not an API failure\)\./,
    )
    expect(why).not.toMatch(/API failed|ended with an error/)
  })

  it('an error that is not the API (the context window) is not called an API failure', () => {
    const b = { maxTurns: 40, maxCostUsd: 5, timeoutMinutes: 30 }
    const error = "The conversation exceeded the model's context window."
    expect(earlyStopReason(result({ status: 'error', error }), b)).toMatch(
      /^it ended with an error: The conversation exceeded the model's context window\. Comment/,
    )
  })

  it('joins an error description that ends its own sentence without doubling the period', () => {
    const b = { maxTurns: 40, maxCostUsd: 5, timeoutMinutes: 30 }
    expect(earlyStopReason(result({ status: 'error', error: 'Connection error.' }), b)).toBe(
      'it ended with an error: Connection error. Comment the command again to retry; work so far continues on the same branch.',
    )
    expect(earlyStopReason(result({ status: 'error', error: 'socket hang up' }), b)).toMatch(
      /^it ended with an error: socket hang up\. Comment/,
    )
  })

  it('PR body has the summary, local test steps, spec link, refs, accounting and run link', () => {
    const body = prBody({
      issueId: 'ISSUE-2',
      phaseTitle: 'slugify',
      specPath: 'docs/specs/slugkit.md',
      specUrl: 'https://github.com/o/r/blob/ISSUE-2/docs/specs/slugkit.md',
      issueNumber: 7,
      branch: 'ISSUE-2',
      summary: 'Added slugify.',
      accounting: 'cost $0.01',
      runUrl: 'https://github.com/o/r/actions/runs/1',
      warnings: ['check ISSUE-3'],
      trigger: '/implement',
      writtenAt: '2026-12-04T10:00:00Z',
    })
    expect(body).toContain('git fetch origin ISSUE-2 && git checkout ISSUE-2')
    expect(body).toContain('comment `/implement <what to change>` on this pull request')
    expect(body.endsWith('\n<!-- implement-action:pr issue=7 at=2026-12-04T10:00:00Z -->')).toBe(true)
    expect(body).toContain('Added slugify.')
    expect(body).toContain('(https://github.com/o/r/blob/ISSUE-2/docs/specs/slugkit.md)')
    expect(body).toContain('Refs #7')
    expect(body).toContain('[workflow run](https://github.com/o/r/actions/runs/1)')
    expect(body).toContain('check ISSUE-3')
    expect(body).not.toContain('Work in progress')
  })

  it('PR body lists blocked connections once per destination, and warns when the run was not sandboxed', () => {
    const base = {
      issueId: 'ISSUE-2',
      phaseTitle: 'slugify',
      specPath: 'docs/specs/slugkit.md',
      branch: 'ISSUE-2',
      summary: 'Added slugify.',
      accounting: 'cost $0.01',
      warnings: [],
      trigger: '/implement',
      writtenAt: '2026-12-04T10:00:00Z',
    }
    expect(prBody(base)).not.toContain('Blocked network access')
    expect(prBody(base)).not.toContain('not sandboxed')
    const body = prBody({
      ...base,
      unsandboxed: true,
      blockedNetwork: [
        { host: 'example.com', port: 443, command: 'curl https://example.com' },
        { host: 'example.com', port: 443, command: 'wget https://example.com' },
        { host: '::1', port: 80, command: 'curl `x`' },
        { host: 'pypi.example', command: 'pip install x' },
      ],
    })
    expect(body).toMatch(/^> \[!CAUTION\]\n> This run was \*\*not sandboxed\*\* \(`sandbox: off`\)/m)
    expect(body).toContain('## Blocked network access')
    expect(body).toContain(
      '- `example.com:443` by `curl https://example.com`\n- `[::1]:80` by `` curl `x` ``\n- `pypi.example` by `pip install x`\n',
    )
    expect(body).not.toContain('wget')
    expect(blockedNetworkSection([])).toEqual([])
  })

  it('reads run info (from the run context) and the workflow file', () => {
    const info = readRunInfo({ serverUrl: 'https://github.com', repository: 'o/r', runId: 9, runAttempt: 2 })
    expect(info.runUrl).toBe('https://github.com/o/r/actions/runs/9/attempts/2')
    expect(info.runAttempt).toBe(2)
    expect(workflowFileFromRef('o/r/.github/workflows/implement.yml@refs/heads/main')).toBe('implement.yml')
    expect(workflowFileFromRef(undefined)).toBeUndefined()
  })

  it('parses GITHUB_OUTPUT heredocs as the runner writes them', () => {
    const text =
      'status<<ghadelimiter_1\npr-opened\nghadelimiter_1\nbody<<ghadelimiter_2\na\nb\nghadelimiter_2\nx=1\n'
    expect(parseOutputFile(text)).toEqual({ status: 'pr-opened', body: 'a\nb', x: '1' })
  })
})
