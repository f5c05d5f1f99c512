/**
 * MCP servers as tools: the test server (__tests__/fixtures/mcp/server.mjs, on the SDK's server classes) started
 * through the sandbox, connected over its pipes, its tools named `mcp__<server>__<tool>` with their schemas, their
 * results capped, their failures told to the model, and every server gone when its tools close. A server that
 * cannot start is a UserError naming it, and leaves nothing running.
 */
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { startMcpTools, type McpServerConfig, type McpStartOptions } from '../../src/mcp/index.js'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import type { Sandbox } from '../../src/sandbox/types.js'
import { createToolset } from '../../src/tools/toolset.js'
import type { Tool, ToolContext } from '../../src/tools/types.js'
import { makeRepo, makeTempDir, type TempRepo } from '../tools/repo.js'
import { pidsWith } from '../support/processes.js'

const SERVER = path.resolve(import.meta.dirname, '../fixtures/mcp/server.mjs')
const linux = process.platform === 'linux'

/** The fixture server, tagged so the test can find its process. */
function fixture(
  name: string,
  o: { mode?: string; env?: Record<string, string> } = {},
): McpServerConfig & { tag: string } {
  const tag = `mcp-fixture-${randomBytes(6).toString('hex')}`
  return {
    name,
    command: process.execPath,
    args: [SERVER, '--mode', o.mode ?? 'normal', '--tag', tag],
    env: o.env ?? {},
    tag,
  }
}

let repo: TempRepo | undefined
const opened: Tool[] = []
afterEach(async () => {
  for (const t of opened.splice(0)) await t.close?.()
  repo?.cleanup()
})

/** A repository, a sandbox for it (the plain one unless given) and the options to start servers in both. */
function setup(sandbox?: (workspace: string) => Sandbox): {
  ctx: ToolContext
  opts: McpStartOptions
  logs: string[]
  warnings: string[]
} {
  repo = makeRepo({ 'a.txt': 'hello\n' })
  const logs: string[] = []
  const warnings: string[] = []
  const sb = sandbox?.(repo.root) ?? createPlainSandbox({ env: allowlistedEnv() })
  return {
    ctx: { workspace: repo.root, sandbox: sb },
    opts: {
      sandbox: sb,
      workspace: repo.root,
      log: (l) => logs.push(l),
      warn: (l) => warnings.push(l),
      startTimeoutMs: 10_000,
      callTimeoutMs: 1_000,
    },
    logs,
    warnings,
  }
}

async function start(servers: McpServerConfig[], opts: McpStartOptions): Promise<Tool[]> {
  const tools = await startMcpTools(servers, opts)
  opened.push(...tools)
  return tools
}

async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UserError)
  return err as UserError
}

describe.skipIf(!linux)('startMcpTools', () => {
  it('names the tools mcp__<server>__<tool>, passes their schemas through and leaves out a name the API refuses', async () => {
    const { opts, logs, warnings } = setup()
    const server = fixture('fixture')
    const tools = await start([server], opts)
    expect(tools.map((t) => t.name)).toEqual([
      'mcp__fixture__add',
      'mcp__fixture__probe',
      'mcp__fixture__fail',
      'mcp__fixture__slow',
      'mcp__fixture__big',
      'mcp__fixture__exit',
      'mcp__fixture__read_file',
    ])
    expect(tools[0].definition).toEqual({
      name: 'mcp__fixture__add',
      description: 'Add: Adds two numbers.',
      input_schema: {
        type: 'object',
        properties: { a: { type: 'number' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
    })
    expect(warnings).toEqual([
      expect.stringMatching(
        /^MCP server fixture: tool "x{70}" left out: its name mcp__fixture__x{70} is longer than 64/,
      ),
    ])
    expect(logs).toContain(
      `MCP server fixture started in the sandbox: ${tools.map((t) => t.name).join(', ')}.`,
    )
    expect(pidsWith(server.tag)).toHaveLength(1)
  })

  it('calls tools through the toolset: results, read-only hints, errors, timeouts, caps and a server that died', async () => {
    const { ctx, opts } = setup()
    const server = fixture('fixture')
    const tools = await start([server], opts)
    const toolset = createToolset(tools)
    const call = async (name: string, input: unknown = {}) =>
      (await toolset.call({ name: `mcp__fixture__${name}`, input }, ctx)).outcome

    expect(await call('add', { a: 2, b: 3 })).toEqual({ content: 'sum=5' })
    expect(toolset.isReadOnly({ name: 'mcp__fixture__add', input: { a: 1, b: 2 } })).toBe(true)
    expect(toolset.isReadOnly({ name: 'mcp__fixture__probe', input: {} })).toBe(false)
    expect(toolset.summarize({ name: 'mcp__fixture__add', input: { a: 1, b: 2 } })).toBe(
      'fixture add {"a":1,"b":2}',
    )
    expect(await call('add', [1, 2])).toEqual({
      content: 'The input of mcp__fixture__add must be a JSON object.',
      isError: true,
    })
    expect(await call('fail')).toEqual({ content: 'the fixture failed on purpose', isError: true })
    expect(await call('read_file')).toEqual({ content: 'dotted\n[image (image/png, 3 bytes) not shown]' })

    const big = await call('big')
    expect(big.content.length).toBeLessThan(30_200)
    expect(big.content).toMatch(/^a{15000}\n\n\[… 70000 characters of output truncated …\]\n\nz{15000}$/)

    const slow = await call('slow')
    expect(slow).toEqual({
      content: 'The MCP tool slow of server fixture did not answer within 1 s; the call was cancelled.',
      isError: true,
    })
    expect(await call('add', { a: 1, b: 1 })).toEqual({ content: 'sum=2' }) // still serving

    const exit = await call('exit')
    expect(exit.isError).toBe(true)
    expect(exit.content).toMatch(/^The MCP server fixture is no longer running \(it exited with code 5\)/)
    expect(await call('add', { a: 1, b: 1 })).toEqual({
      content:
        'The MCP server fixture is no longer running (it exited with code 5); its tools cannot be called for the rest of this run.',
      isError: true,
    })
    expect(pidsWith(server.tag)).toEqual([])
  })

  it('stops the server when its tools close, once however many tools it has', async () => {
    const { opts } = setup()
    const server = fixture('fixture')
    const tools = await start([server], opts)
    expect(pidsWith(server.tag)).toHaveLength(1)
    await createToolset(tools).close()
    expect(pidsWith(server.tag)).toEqual([])
  })

  it.each([
    [
      'exits early',
      { mode: 'exit-early' },
      /^The MCP server `broken` could not start, so the model was not run: it exited with code 3 before it answered the MCP handshake; its stderr ends: `fixture: cannot reach the database, giving up`\.$/,
    ],
    [
      'does not answer the handshake',
      { mode: 'no-handshake' },
      /^The MCP server `broken` could not start, so the model was not run: it did not answer the MCP handshake within 1 s\.$/,
    ],
  ])('refuses a server that %s, naming it, and leaves nothing running', async (_what, o, message) => {
    const { opts } = setup()
    const good = fixture('good')
    const broken = fixture('broken', o)
    const err = await refusal(start([good, broken], { ...opts, startTimeoutMs: 1_000 }))
    expect(err.message).toMatch(message)
    expect(err.hint).toContain('Each server runs inside the sandbox')
    expect(pidsWith(good.tag)).toEqual([]) // the one that started is stopped again
    expect(pidsWith(broken.tag)).toEqual([])
  })

  it('refuses a command that does not exist, and names every server that failed', async () => {
    const { opts } = setup()
    const missing: McpServerConfig = {
      name: 'missing',
      command: '/nonexistent/mcp-server',
      args: [],
      env: {},
    }
    const one = await refusal(start([missing], opts))
    expect(one.message).toMatch(
      /^The MCP server `missing` could not start, so the model was not run: it could not be started \(Could not run \/nonexistent\/mcp-server: .*ENOENT\)/,
    )
    const two = await refusal(start([missing, fixture('early', { mode: 'exit-early' })], opts))
    expect(two.message).toMatch(
      /^The MCP servers `missing`, `early` could not start, so the model was not run: `missing`: it could not be started .*; `early`: it exited with code 3/,
    )
  })

  it('stops starting when the run is cancelled, and leaves nothing running', async () => {
    const { opts } = setup()
    const server = fixture('slow', { mode: 'no-handshake' })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 300)
    await expect(startMcpTools([server], { ...opts, signal: controller.signal })).rejects.toThrow()
    expect(pidsWith(server.tag)).toEqual([])
  })

  it('stops a server that offers no tools, and says so', async () => {
    const { opts, logs } = setup()
    const server = fixture('empty', { mode: 'no-tools' })
    expect(await start([server], opts)).toEqual([])
    expect(logs).toContain('MCP server empty started, but offers no tools: stopped again.')
    expect(pidsWith(server.tag)).toEqual([])
  })
})

describe.skipIf(!linux)('startMcpTools in the runtime sandbox', () => {
  it('runs the server inside bubblewrap: its own env, no writes outside the workspace; reap stops it', async () => {
    let real: ReturnType<typeof createRuntimeSandbox> | undefined
    const { ctx, opts } = setup(
      (workspace) => (real = createRuntimeSandbox({ env: allowlistedEnv(), workspace, allowedDomains: [] })),
    )
    if (!real || !(await real.status()).isolated) return // the sandbox tests say why
    const server = fixture('fixture', { env: { MCP_FIXTURE_GREETING: 'hello from the config' } })
    const outside = path.join(makeTempDir(), 'outside.txt')
    const tools = await start([server], opts)
    const probe = tools.find((t) => t.name === 'mcp__fixture__probe')!
    const seen = JSON.parse((await probe.run({ outside }, ctx)).content) as Record<string, unknown>
    expect(seen).toMatchObject({
      greeting: 'hello from the config',
      wroteOutside: 'refused (EROFS)',
      cwd: ctx.workspace,
      procScanned: 1, // its own PID namespace: only itself in /proc
    })
    expect(fs.existsSync(outside)).toBe(false)
    expect(pidsWith(server.tag).length).toBeGreaterThan(0) // bubblewrap's processes and the server
    expect(await real.reap()).toBeGreaterThanOrEqual(1)
    expect(pidsWith(server.tag)).toEqual([])
    await real.close?.()
  })
})
