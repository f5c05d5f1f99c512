/** The failing checks of a PR's head, as a review iteration gives them to the model. */
import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import type { CheckRun } from '../../src/github/api.js'
import { fenced } from '../../src/report/format.js'
import { failingChecks, LOG_TAIL_LINES } from '../../src/review/checks.js'
import { FakeGitHubApi } from '../support/fake-github-api.js'

const SHA = 'abcdef0123456789abcdef0123456789abcdef01'
const run = (id: number, name: string, conclusion: string | null, app = 'github-actions'): CheckRun => ({
  id,
  name,
  status: 'completed',
  conclusion,
  app,
})
const clean = (s: string) => s.replaceAll('TOKEN123', '***')

describe('failingChecks', () => {
  it('names failures (not successes, cancellations or skips) and shows the end of each Actions job log', async () => {
    const api = new FakeGitHubApi()
    api.checkRuns.set(SHA, [
      run(1, 'test', 'failure'),
      run(2, 'lint', 'success'),
      run(3, 'e2e', 'cancelled'),
      run(4, 'build', 'timed_out'),
      run(5, 'codecov', 'failure', 'codecov'),
      run(6, 'running', null),
    ])
    const lines = Array.from({ length: 300 }, (_, i) => `2026-12-04T10:00:00.0000000Z step ${i} TOKEN123`)
    api.jobLogs.set(1, lines.join('\n'))
    api.jobLogs.set(4, 'timed out here')
    const c = await failingChecks(api, SHA, clean)
    expect(c.failing.map((r) => r.name)).toEqual(['test', 'build', 'codecov'])
    expect(c.text).toMatch(/^Failing checks on the head commit abcdef0:/)
    expect(c.text).toContain('- `test`: failure; the last lines of its log:')
    expect(c.text).toContain('step 299 ***')
    expect(c.text).toContain(`step ${300 - LOG_TAIL_LINES} ***`)
    expect(c.text).not.toContain(`step ${299 - LOG_TAIL_LINES} `)
    expect(c.text).toContain(
      '- `build`: timed_out; the last lines of its log:\n\n```text\ntimed out here\n```',
    )
    expect(c.text).toMatch(/- `codecov`: failure$/) // not an Actions job: named only
    expect(c.grant).toBeUndefined()
    expect(api.calls.filter((x) => x.startsWith('jobLogTail'))).toEqual([
      `jobLogTail 1 ${LOG_TAIL_LINES}`,
      `jobLogTail 4 ${LOG_TAIL_LINES}`,
    ])
  })

  it('without `actions: read`, names the failures and says what to grant', async () => {
    const api = new FakeGitHubApi()
    api.checkRuns.set(SHA, [run(1, 'test', 'failure')])
    api.actionsRead = false
    const c = await failingChecks(api, SHA, clean)
    expect(c.text).toContain('- `test`: failure (its log could not be read')
    expect(c.grant).toContain('`permissions: actions: read`')
  })

  it('when the checks cannot be listed (no `checks: read`), says so and what to grant, without failing', async () => {
    const api = new FakeGitHubApi()
    api.listCheckRuns = () =>
      Promise.reject(
        new UserError(
          'The token is not allowed to list the check runs (403: Resource not accessible by integration).',
        ),
      )
    const c = await failingChecks(api, SHA, clean)
    expect(c).toMatchObject({ failing: [], text: '' })
    expect(c.error).toContain('`permissions: checks: read`')
  })

  it('a fence longer than any backtick run inside', () => {
    expect(fenced('a ``` b', 'text')).toBe('````text\na ``` b\n````')
    expect(fenced('plain')).toBe('```\nplain\n```')
  })
})
