/**
 * MCP tools, end to end: `node dist/index.js` as the runner runs it, with `mcp-config` naming the test server
 * (__tests__/fixtures/mcp/server.mjs). The scripted model calls `mcp__fixture__add` and `mcp__fixture__probe`
 * and gets their results; the server ran inside the sandbox (none of the action's secrets in its environment or
 * any /proc environ it can read, no write outside the workspace), the configuration came from the base branch
 * (not the one the phase's branch carries), the PR opens as usual, and the server is gone at the end. A server
 * that cannot start stops the run before the model, with its name and why on the issue.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReplyStep } from '../support/anthropic-server.js'
import { pidsWith } from '../support/processes.js'
import { REPO_ROOT } from '../support/run-action.js'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { implementIssue2, SLUGIFY_JS } from '../support/scripted-model.js'
import { act, API_KEY, botComments, GITHUB_TOKEN, type E2ERun } from './world.js'

const SERVER = path.join(REPO_ROOT, '__tests__', 'fixtures', 'mcp', 'server.mjs')
const reversed = (s: string): string => [...s].reverse().join('')

const call = (name: string, input: unknown): ReplyStep => ({
  content: [{ type: 'tool_use', name, input }],
})

/** An `.mcp.json` with the test server under `name`, tagged so the test can find its processes. */
function mcpJson(name: string, tag: string, mode = 'normal'): string {
  const server = {
    command: process.execPath,
    args: [SERVER, '--mode', mode, '--tag', tag],
    env: { MCP_FIXTURE_GREETING: 'hello from .mcp.json' },
  }
  return JSON.stringify({ mcpServers: { [name]: server } }, null, 2)
}

/** Every tool result the model was sent, as one string (the last request carries the whole conversation). */
function toolResults(run: E2ERun): string {
  const messages = (run.anthropic.scripted.at(-1)?.body?.messages ?? []) as Array<{
    role: string
    content: unknown
  }>
  return JSON.stringify(messages.filter((m) => m.role === 'user').slice(1))
}

describe.skipIf(process.platform !== 'linux')('e2e: MCP tools', () => {
  let sb: Sandbox
  let run: E2ERun
  const tag = `mcp-e2e-${randomBytes(6).toString('hex')}`
  const branchTag = `mcp-e2e-branch-${randomBytes(6).toString('hex')}`
  const outside = path.join(
    fs.realpathSync(os.tmpdir()),
    `mcp-e2e-outside-${randomBytes(6).toString('hex')}.txt`,
  )

  beforeAll(async () => {
    sb = await createSandbox({ files: { '.mcp.json': mcpJson('fixture', tag) } })
    // An earlier run's branch carries a configuration of its own: it must not be the one used.
    const work = await sb.origin.clone({ depth: 0 })
    await sb.origin.push(work, {
      branch: 'ISSUE-2',
      files: { '.mcp.json': mcpJson('planted', branchTag) },
      message: 'A model wrote this',
    })
    const { payload } = sb.comment('/implement ISSUE-2')
    run = await act(sb, {
      payload,
      script: [
        call('mcp__fixture__add', { a: 2, b: 3 }),
        call('mcp__fixture__probe', { outside }),
        ...implementIssue2(),
      ],
      with: { 'mcp-config': '.mcp.json' },
    })
  })
  afterAll(async () => {
    fs.rmSync(outside, { force: true })
    await sb?.cleanup()
  })

  it('gives the model the server tools, from the base branch, and its calls their results', () => {
    expect(run.exitCode, run.stdout).toBe(0)
    const tools = run.anthropic.scripted[0].body?.tools as Array<{ name: string; input_schema?: unknown }>
    const names = tools.map((t) => t.name)
    expect(names).toContain('bash')
    expect(names).toContain('mcp__fixture__add')
    expect(names.some((n) => n.startsWith('mcp__planted__'))).toBe(false)
    expect(tools.find((t) => t.name === 'mcp__fixture__add')?.input_schema).toEqual({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    })
    expect(JSON.stringify(run.anthropic.scripted[0].body?.system)).toContain('`mcp__fixture__*`')
    const seen = toolResults(run)
    expect(seen).toContain('sum=5')
    expect(seen).toContain('hello from .mcp.json')
    expect(run.stdout).toContain('MCP server fixture started in the sandbox: mcp__fixture__add')
    expect(botComments(sb).at(-1)).toContain('MCP servers: `fixture`')
    expect(pidsWith(branchTag)).toEqual([])
  })

  it('ran the server inside the sandbox: no secret of the action, no write outside the workspace', () => {
    const seen = toolResults(run)
    const probe = /\{\\"greeting[^}]*\}/.exec(seen)?.[0]
    expect(probe, seen).toBeDefined()
    const report = JSON.parse(JSON.parse(`"${probe}"`)) as Record<string, unknown>
    expect(report).toMatchObject({ procScanned: 1, procHits: [], wroteOutside: 'refused (EROFS)' })
    for (const secret of [API_KEY, GITHUB_TOKEN, 'INPUT_']) {
      expect(seen).not.toContain(secret)
      expect(seen).not.toContain(reversed(secret))
    }
    expect(fs.existsSync(outside)).toBe(false)
  })

  it('still opens the PR with the work, and leaves no server process behind', async () => {
    expect(run.outputs.status).toBe('pr-opened')
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBe(SLUGIFY_JS)
    expect(sb.github.state.pulls).toHaveLength(1)
    expect(pidsWith(tag)).toEqual([])
  })
})

describe.skipIf(process.platform !== 'linux')('e2e: an MCP server that cannot start', () => {
  let sb: Sandbox
  afterAll(async () => sb?.cleanup())

  it('stops the run before the model, naming the server and why on the issue', async () => {
    sb = await createSandbox()
    const tag = `mcp-e2e-broken-${randomBytes(6).toString('hex')}`
    const { payload } = sb.comment('/implement ISSUE-2')
    const run = await act(sb, {
      payload,
      script: implementIssue2(),
      with: { 'mcp-config': mcpJson('database', tag, 'exit-early').replace(/\s*\n\s*/g, ' ') },
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.anthropic.requests).toHaveLength(0) // the model was never asked
    expect(run.outputs.status).toBe('failed')
    const comment = botComments(sb).at(-1) ?? ''
    expect(comment).toContain(
      'The MCP server `database` could not start, so the model was not run: it exited with code 3 before it answered the MCP handshake',
    )
    expect(comment).toMatch(/its stderr ends: `[^`]*fixture: cannot reach the database, giving up`/)
    expect(comment).toContain('Each server runs inside the sandbox')
    expect(run.stdout).toMatch(/::error::.*MCP server `database` could not start/)
    expect(sb.github.state.pulls).toHaveLength(0)
    expect(await sb.origin.head('ISSUE-2')).toBeUndefined()
    expect(pidsWith(tag)).toEqual([])
  })
})
