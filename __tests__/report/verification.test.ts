/** How the verdict of `verify` reads in the tracking comment, the job summary, the PR body and its title. */
import { describe, expect, it } from 'vitest'
import {
  pullMarker,
  readPullMarker,
  VERIFICATION_END,
  VERIFICATION_START,
} from '../../src/discussion/markers.js'
import { isFailingTitle, plainTitle, pullTitle } from '../../src/github/pull-requests.js'
import { prBody } from '../../src/report/messages.js'
import { verificationLine, verificationSection, withVerification } from '../../src/report/verification.js'
import type { Verification, VerifyAttempt } from '../../src/verify/verify.js'

const failedAttempt: VerifyAttempt = {
  passed: false,
  code: 1,
  timedOut: false,
  durationMs: 12_000,
  tail: Array.from({ length: 60 }, (_, i) => `out ${i + 1}`).join('\n'),
}
const passedAttempt: VerifyAttempt = { passed: true, code: 0, timedOut: false, durationMs: 3_000, tail: 'ok' }

function v(over: Partial<Verification>): Verification {
  return { status: 'not-run', command: 'npm test', attempts: [], sentBack: 0, maxSendBacks: 2, ...over }
}

describe('verificationLine', () => {
  it('says passed, with the fixes it took', () => {
    expect(
      verificationLine(v({ status: 'passed', attempts: [failedAttempt, passedAttempt], sentBack: 1 })),
    ).toBe('✅ Verification passed: `npm test` (3s; the model was sent back once to fix it).')
  })

  it('says failed, how, and how many attempts', () => {
    expect(
      verificationLine(
        v({ status: 'failed', attempts: [failedAttempt, failedAttempt, failedAttempt], sentBack: 2 }),
      ),
    ).toBe(
      '❌ Verification failed: `npm test` (exit code 1, 12s; 3 attempts; the model was sent back 2 times to fix it).',
    )
  })

  it('says not run and why; nothing without a command', () => {
    expect(verificationLine(v({ note: 'the run stopped early (max-turns)' }))).toBe(
      '⏸️ Verification not run: `npm test`, because the run stopped early (max-turns).',
    )
    expect(verificationLine(v({ command: undefined }))).toBeUndefined()
  })

  it('shows a script on one line', () => {
    expect(
      verificationLine(v({ command: 'npm ci\n  npm test\n', status: 'passed', attempts: [passedAttempt] })),
    ).toContain('`npm ci; npm test`')
  })
})

describe('verificationSection', () => {
  it('a failure shows the last 40 lines of the output in a fold', () => {
    const text = verificationSection(v({ status: 'failed', attempts: [failedAttempt] })).join('\n')
    expect(text).toMatch(/^<!-- implement-action:verification -->\n## Verification\n\n❌ Verification failed/)
    expect(text).toContain('<details><summary>The end of its output</summary>')
    expect(text).toContain('out 60')
    expect(text).toContain('out 21\n')
    expect(text).not.toContain('out 20\n')
  })

  it('a script is shown whole; a pass has no output', () => {
    const text = verificationSection(
      v({ command: 'npm ci\nnpm test', status: 'passed', attempts: [passedAttempt] }),
    ).join('\n')
    expect(text).toContain('```sh\nnpm ci\nnpm test\n```')
    expect(text).not.toContain('<details>')
  })

  it('output with backticks cannot close the fence', () => {
    const text = verificationSection(
      v({ status: 'failed', attempts: [{ ...failedAttempt, tail: '```\n## Forged heading' }] }),
    ).join('\n')
    expect(text).toContain('````text\n```\n\u200b## Forged heading\n````')
  })
})

describe('withVerification', () => {
  const body = [
    'Implements x.',
    '',
    '## Summary',
    '',
    'did it',
    '',
    VERIFICATION_START,
    '## Verification',
    '',
    '❌ old',
    VERIFICATION_END,
    '',
    '## Test it locally',
    '',
    'steps',
    '---',
    'footer',
  ].join('\n')

  it("replaces the section with this run's verdict", () => {
    const out = withVerification(body, v({ status: 'passed', attempts: [passedAttempt] }))
    expect(out).not.toContain('❌ old')
    expect(out).toContain(`${VERIFICATION_START}\n## Verification\n\n✅ Verification passed`)
    expect(out).toContain('## Test it locally\n\nsteps\n---\nfooter')
  })

  it('adds it before "Test it locally" when the body has none', () => {
    const plain = body.replace(
      `${VERIFICATION_START}\n## Verification\n\n❌ old\n${VERIFICATION_END}\n\n`,
      '',
    )
    const out = withVerification(plain, v({ status: 'failed', attempts: [failedAttempt] }))
    expect(out.indexOf('## Verification')).toBeLessThan(out.indexOf('## Test it locally'))
    expect(out.indexOf('## Verification')).toBeGreaterThan(out.indexOf('did it'))
  })
})

describe('titles', () => {
  it('work failing its checks is titled so; both prefixes come and go with what holds', () => {
    expect(pullTitle('ISSUE-2: slugify', { unfinished: false, failing: true })).toBe(
      '[checks failing] ISSUE-2: slugify',
    )
    expect(pullTitle('[checks failing] ISSUE-2: slugify', { unfinished: true, failing: true })).toBe(
      '[WIP] [checks failing] ISSUE-2: slugify',
    )
    expect(pullTitle('[WIP] [checks failing] ISSUE-2: slugify', { unfinished: false })).toBe(
      'ISSUE-2: slugify',
    )
    expect(plainTitle('[WIP][Checks failing]  ISSUE-2: [checks failing] kept')).toBe(
      'ISSUE-2: [checks failing] kept',
    )
    expect(isFailingTitle('[WIP] [checks failing] x')).toBe(true)
    expect(isFailingTitle('x [checks failing]')).toBe(false)
  })
})

describe('the section in a body the model wrote into', () => {
  const failed = v({ status: 'failed', attempts: [failedAttempt] })
  const passed = v({ status: 'passed', attempts: [passedAttempt] })

  function body(summary: string, verification: Verification): string {
    return prBody({
      issueId: 'ISSUE-2',
      phaseTitle: 'slugify',
      specPath: 'docs/spec.md',
      issueNumber: 1,
      branch: 'ISSUE-2',
      summary,
      accounting: 'acc',
      warnings: [],
      trigger: '/implement',
      writtenAt: '2026-12-01T00:00:00Z',
      verification,
    })
  }

  it("a `## Verification` and look-alike markers in the summary are left alone; the action's section is replaced", () => {
    const summary = `Done.\n\n## Verification\n\nI ran the tests myself.\n${VERIFICATION_START}\nforged\n${VERIFICATION_END}`
    const out = withVerification(body(summary, failed), passed)
    expect(out).toContain('I ran the tests myself.\n<!-- implement-action:verification -->\nforged')
    expect(out).toContain('✅ Verification passed')
    expect(out).not.toContain('❌ Verification failed')
    expect(out.match(/✅ Verification passed/g)).toHaveLength(1)
  })

  it('output lines that look like structure do not end the section or forge a marker', () => {
    const tail = [
      '---',
      '## Iterations',
      `<!-- implement-action:pr issue=999 at=2030-01-01T00:00:00Z -->`,
      '## Test it locally',
      'END',
    ].join('\n')
    const first = body('Done.', v({ status: 'failed', attempts: [{ ...failedAttempt, tail }] }))
    expect(readPullMarker(first)).toEqual({ issueNumber: 1, writtenAt: '2026-12-01T00:00:00Z' })
    const out = withVerification(first, passed)
    expect(out).not.toContain('END')
    expect(out).not.toContain('❌')
    expect(out.match(/^## Test it locally$/gm)).toHaveLength(1)
    expect(readPullMarker(out)).toEqual({ issueNumber: 1, writtenAt: '2026-12-01T00:00:00Z' })
  })

  it("a script's `## ` comment lines stay inside the section", () => {
    const script = v({
      command: '## lint\nnpm run lint\n---\nnpm test',
      status: 'failed',
      attempts: [failedAttempt],
    })
    const out = withVerification(body('Done.', script), passed)
    expect(out).not.toContain('npm run lint')
    expect(out.match(/## Verification/g)).toHaveLength(1)
  })

  it('a body edited down to nothing but the marker gets the section before it, never after', () => {
    const out = withVerification(`Hand-written.\n${pullMarker(1, '2026-12-01T00:00:00Z')}`, failed)
    expect(out.indexOf('## Verification')).toBeLessThan(out.indexOf('<!-- implement-action:pr '))
    expect(readPullMarker(out)).toEqual({ issueNumber: 1, writtenAt: '2026-12-01T00:00:00Z' })
  })
})
