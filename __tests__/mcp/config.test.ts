/**
 * The `mcp-config` input: Claude Code's `.mcp.json` inline or from a file of the base checkout, stdio servers only,
 * safe names, `${NAME}` from the step's environment but never the action's own variables or secrets; every
 * refusal says what is wrong and where.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import {
  loadMcpServers,
  parseMcpConfig,
  parseMcpConfigInput,
  type LoadOptions,
} from '../../src/mcp/config.js'
import { Redactor } from '../../src/report/redact.js'
import { makeRepo, makeTempDir, type TempRepo } from '../tools/repo.js'

const INPUT = 'The `mcp-config` input'
const noEnv: LoadOptions = { env: {}, holdsSecret: () => false }

/** The UserError `fn` throws (fails the test when it throws nothing or something else). */
function refusal(fn: () => unknown): UserError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UserError)
    return err as UserError
  }
  throw new Error('expected a UserError')
}

async function asyncRefusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(UserError)
  return err as UserError
}

const config = (servers: Record<string, unknown>): string => JSON.stringify({ mcpServers: servers })

describe('parseMcpConfig', () => {
  it('reads stdio servers in Claude Code\'s format, `type: "stdio"` included, args and env optional', () => {
    const text = config({
      files: { command: 'npx', args: ['-y', 'files-server', '.'], env: { LOG_LEVEL: 'debug' } },
      'local_2-x': { type: 'stdio', command: './bin/server' },
    })
    expect(parseMcpConfig(text, INPUT)).toEqual([
      { name: 'files', command: 'npx', args: ['-y', 'files-server', '.'], env: { LOG_LEVEL: 'debug' } },
      { name: 'local_2-x', command: './bin/server', args: [], env: {} },
    ])
    expect(parseMcpConfig('{"mcpServers": {}}', INPUT)).toEqual([])
  })

  it.each([
    ['{"mcpServers": ', /^The `mcp-config` input is not valid JSON: /],
    ['[]', /^The `mcp-config` input must be a JSON object with an `mcpServers` object\.$/],
    ['{"servers": {}}', /must be a JSON object with an `mcpServers` object/],
    [
      config({ 'my server': { command: 'x' } }),
      /names a server "my server": server names may hold only letters/,
    ],
    [config({ 'a.b': { command: 'x' } }), /server "a\.b"/],
    [
      config({ web: { type: 'http', url: 'https://mcp.example.com' } }),
      /server `web` is a `http` server; only stdio/,
    ],
    [config({ web: { type: 'sse', url: 'https://mcp.example.com' } }), /server `web` is a `sse` server/],
    [config({ web: { url: 'https://mcp.example.com' } }), /server `web` is a remote server \(`url`\)/],
    [config({ s: { command: 'x', cwd: '/' } }), /server `s` has `cwd`; a stdio server takes only/],
    [config({ s: { args: ['x'] } }), /server `s` needs a `command`/],
    [config({ s: { command: '  ' } }), /server `s` needs a `command`/],
    [config({ s: { command: 'x', args: 'a b' } }), /server `s`: `args` must be a list of strings/],
    [config({ s: { command: 'x', args: [1] } }), /`args` must be a list of strings/],
    [config({ s: { command: 'x', env: { A: 1 } } }), /server `s`: `env` must be an object of string values/],
    [config({ s: { command: 'x', env: { 'A-B': 'v' } } }), /`env` names a variable "A-B"/],
    [config({ s: 'npx server' }), /server `s` must be a JSON object/],
  ])('refuses %s', (text, message) => {
    expect(refusal(() => parseMcpConfig(text, INPUT)).message).toMatch(message)
  })
})

describe('parseMcpConfigInput', () => {
  it('is inline JSON when it starts with `{`, a path otherwise, nothing when empty', () => {
    expect(parseMcpConfigInput('  ')).toBeUndefined()
    expect(parseMcpConfigInput(' .github/mcp.json ')).toEqual({ kind: 'path', path: '.github/mcp.json' })
    expect(parseMcpConfigInput(config({ s: { command: 'x' } }))).toEqual({
      kind: 'inline',
      servers: [{ name: 's', command: 'x', args: [], env: {} }],
    })
    expect(refusal(() => parseMcpConfigInput('{"mcpServers": {"s": {}}}')).message).toContain(
      'The `mcp-config` input: server `s` needs a `command`',
    )
  })
})

describe('loadMcpServers', () => {
  let repo: TempRepo | undefined
  afterEach(() => repo?.cleanup())

  it('reads a path from the checkout (jailed to it) and names the file in its refusals', async () => {
    repo = makeRepo({
      '.mcp.json': config({ s: { command: 'srv', args: ['--x'] } }),
      'bad/.mcp.json': config({ web: { type: 'http', url: 'https://x.example' } }),
    })
    expect(await loadMcpServers(repo.root, { kind: 'path', path: './.mcp.json' }, noEnv)).toEqual([
      { name: 's', command: 'srv', args: ['--x'], env: {} },
    ])
    expect(
      (await asyncRefusal(loadMcpServers(repo.root, { kind: 'path', path: 'bad/.mcp.json' }, noEnv))).message,
    ).toBe(
      '`bad/.mcp.json`: server `web` is a `http` server; only stdio servers (`command`, `args`, `env`) are supported.',
    )
    const missing = await asyncRefusal(loadMcpServers(repo.root, { kind: 'path', path: 'none.json' }, noEnv))
    expect(missing.message).toBe(
      'The `mcp-config` input ("none.json") names no file in the repository (read from the base branch).',
    )
    const dir = await asyncRefusal(loadMcpServers(repo.root, { kind: 'path', path: 'bad' }, noEnv))
    expect(dir.message).toContain('names no file')
    const outside = await asyncRefusal(loadMcpServers(repo.root, { kind: 'path', path: '../x.json' }, noEnv))
    expect(outside.message).toContain('points outside the repository')
    const secret = path.join(makeTempDir(), 'mcp.json')
    fs.writeFileSync(secret, config({ s: { command: 'x' } }))
    fs.symlinkSync(secret, path.join(repo.root, 'link.json'))
    const linked = await asyncRefusal(loadMcpServers(repo.root, { kind: 'path', path: 'link.json' }, noEnv))
    expect(linked.message).toContain('resolves outside the repository')
    expect(await loadMcpServers(repo.root, undefined, noEnv)).toEqual([])
  })

  it('expands ${NAME} and ${NAME:-default} from the step environment in command, args and env', async () => {
    const input = parseMcpConfigInput(
      config({
        s: {
          command: '${SERVER_BIN:-npx}',
          args: ['--db', '${DB_URL}', 'literal $HOME'],
          env: { SERVICE_KEY: '${MY_SERVICE_KEY}', MODE: 'a-${MODE:-fast}-b' },
        },
      }),
    )
    const env = { DB_URL: 'postgres://db', MY_SERVICE_KEY: 'svc-123', MODE: '' }
    expect(await loadMcpServers('/nonexistent', input, { env, holdsSecret: () => false })).toEqual([
      {
        name: 's',
        command: 'npx',
        args: ['--db', 'postgres://db', 'literal $HOME'],
        env: { SERVICE_KEY: 'svc-123', MODE: 'a-fast-b' },
      },
    ])
  })

  it.each([
    ['${GITHUB_TOKEN}', /env\.X` refers to `\$\{GITHUB_TOKEN\}`, one of the action's own variables/],
    ['${INPUT_GITHUB_TOKEN}', /`\$\{INPUT_GITHUB_TOKEN\}`, one of the action's own variables/],
    ['${ACTIONS_RUNTIME_TOKEN}', /one of the action's own variables/],
    ['${ANTHROPIC_API_KEY}', /one of the action's own variables/],
    ['${AWS_SECRET_ACCESS_KEY}', /one of the action's own variables/],
    ['${INPUT_ANTHROPIC-API-KEY}', /`\$\{INPUT_ANTHROPIC-API-KEY\}`, which names no variable/],
    ['${UNSET_ONE}', /refers to `\$\{UNSET_ONE\}`, which is not set in the step's environment/],
  ])('refuses %s in a value', async (value, message) => {
    const input = parseMcpConfigInput(config({ s: { command: 'x', env: { X: value } } }))
    const env = { GITHUB_TOKEN: 'ghs_x', ANTHROPIC_API_KEY: 'k', AWS_SECRET_ACCESS_KEY: 'a' }
    const err = await asyncRefusal(loadMcpServers('/nonexistent', input, { env, holdsSecret: () => false }))
    expect(err.message).toMatch(/^The `mcp-config` input: server `s`, `env\.X`/)
    expect(err.message).toMatch(message)
  })

  it("refuses a value that holds one of the action's secrets, however it got there, without repeating it", async () => {
    const redactor = new Redactor()
    const token = 'ghs_theActionsOwnToken0123456789abcd'
    redactor.add(token)
    const holdsSecret = (v: string): boolean => redactor.holds(v)
    // Written in by the workflow (`${{ github.token }}`), or passed through a variable of the user's own.
    for (const [server, env] of [
      [{ command: 'x', args: ['--token', token] }, {}],
      [{ command: 'x', env: { GH_PAT: '${MY_PAT}' } }, { MY_PAT: token }],
    ] as const) {
      const input = parseMcpConfigInput(config({ github: server }))
      const err = await asyncRefusal(loadMcpServers('/nonexistent', input, { env, holdsSecret }))
      expect(err.message).toMatch(
        /^The `mcp-config` input: server `github`, `(args\[1\]|env\.GH_PAT)` holds one of the action's own secrets/,
      )
      expect(`${err.message} ${err.hint}`).not.toContain(token)
    }
    // A credential of the server's own is fine.
    const own = parseMcpConfigInput(config({ github: { command: 'x', env: { GH_PAT: '${MY_PAT}' } } }))
    const [server] = await loadMcpServers('/nonexistent', own, {
      env: { MY_PAT: 'ghp_readOnlyPat' },
      holdsSecret,
    })
    expect(server.env).toEqual({ GH_PAT: 'ghp_readOnlyPat' })
  })
})
