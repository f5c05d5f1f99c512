import { mkdtemp, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2 } from '../support/scripted-model.js'
import { act, botComments, writes } from './world.js'

describe('e2e: events that must not run the model', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('an event file that is not JSON: a clear failure with every output set, never a stack trace', async () => {
    sb = await createSandbox()
    const bad = path.join(await mkdtemp(path.join(os.tmpdir(), 'bad-event-')), 'event.json')
    await writeFile(bad, '{ not json')
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, { payload, script: implementIssue2(), env: { GITHUB_EVENT_PATH: bad } })
    expect(run.exitCode).toBe(1)
    expect(run.stdout + run.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(run.stdout).toContain(`::error::Could not read the event payload at ${bad}`)
    expect(run.outputs).toMatchObject({ status: 'failed', branch: '', 'pr-url': '' })
    expect(run.anthropic.requests).toHaveLength(0)
  })

  it('a comment that is not a command: exit 0, no API write, no model call', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('Looks good, thanks! We should /implement this later.')
    const run = await act(sb, { payload, script: implementIssue2() })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('skipped')
    expect(writes(sb)).toEqual([])
    expect(run.anthropic.requests).toHaveLength(0)
  })

  it('a read-only commenter is refused with a short reply; nothing pushed, no model call', async () => {
    sb = await createSandbox()
    sb.github.addUser('drive-by', { permission: 'read' })
    const { payload } = sb.comment('/implement ISSUE-2', { user: 'drive-by' })
    const run = await act(sb, { payload, script: implementIssue2() })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('skipped')
    expect(run.anthropic.requests).toHaveLength(0)
    expect(await sb.origin.head('ISSUE-2')).toBeUndefined()
    const [reply] = botComments(sb)
    expect(reply).toMatch(/drive-by/)
    expect(reply).toMatch(/write/)
    expect(sb.github.state.reactions).toHaveLength(0)
  })

  it('a bot is refused unless listed in allowed-bots', async () => {
    sb = await createSandbox()
    sb.github.addUser('helper[bot]', { type: 'Bot', permission: 'write' })
    const { payload } = sb.comment('/implement ISSUE-2', { user: 'helper[bot]' })
    const run = await act(sb, { payload, script: implementIssue2() })
    expect(run.outputs.status).toBe('skipped')
    expect(run.anthropic.requests).toHaveLength(0)
    expect(botComments(sb)[0]).toMatch(/bot/i)
  })

  it('an id the spec does not define: a reply listing the ids it does define', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement docs/specs/slugkit.md ISSUE-9')
    const run = await act(sb, { payload })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.anthropic.requests).toHaveLength(0)
    const [reply] = botComments(sb)
    expect(reply).toContain('ISSUE-9')
    expect(reply).toMatch(/ISSUE-1[\s\S]*ISSUE-2[\s\S]*ISSUE-3/)
    expect(reply).not.toMatch(/at .*\.js:\d+/)
  })

  it('a phase already complete is reported, not redone', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-1')
    const run = await act(sb, { payload })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.status).toBe('skipped')
    expect(run.anthropic.requests).toHaveLength(0)
    expect(botComments(sb)[0]).toMatch(/already marked complete/)
  })

  it('a malformed input fails with a clear message on the issue and in the log, no stack trace', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, { payload, with: { 'max-turns': 'lots' } })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.stdout).toContain('::error::Input `max-turns` must be a whole number')
    expect(run.stdout + run.stderr).not.toMatch(/at .*\.js:\d+/)
    expect(botComments(sb)[0]).toContain('Input `max-turns` must be a whole number')
  })

  it('a malformed input and a commenter without write access: nothing on the issue', async () => {
    sb = await createSandbox()
    sb.github.addUser('drive-by', { permission: 'read' })
    const { payload } = sb.comment('/implement ISSUE-2', { user: 'drive-by' })
    const run = await act(sb, { payload, with: { 'max-turns': 'lots' } })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('::error::Input `max-turns`')
    expect(botComments(sb)).toEqual([])
  })
})
