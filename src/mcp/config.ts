/**
 * The `mcp-config` input: MCP servers in Claude Code's `.mcp.json` format,
 * `{"mcpServers": {"<name>": {"command": "...", "args": [...], "env": {...}}}}`, stdio servers only. Given inline
 * (a JSON object) or as a path in the repository, read from the base checkout like the prompt template, so nothing
 * a model wrote on the phase's branch can change which servers run or how.
 */
import { readFile, stat } from 'node:fs/promises'
import { UserError } from '../errors.js'
import { resolveInWorkspace } from '../paths.js'
import { CREDENTIAL_VARIABLES } from '../providers/cloud.js'

/** One stdio server: its name (`mcp__<name>__<tool>`), the program and arguments, and its own variables. */
export interface McpServerConfig {
  name: string
  command: string
  args: string[]
  env: Record<string, string>
}

/** The input as given: the servers of an inline JSON object, or the repository file that holds them. */
export type McpConfigInput = { kind: 'inline'; servers: McpServerConfig[] } | { kind: 'path'; path: string }

/** What a server may be called: it becomes part of its tools' names. */
export const SERVER_NAME = /^[A-Za-z0-9_-]+$/
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** `${NAME}` or `${NAME:-default}`, as Claude Code expands them in `.mcp.json`. */
const REFERENCE = /\$\{([^}:]*)(?::-([^}]*))?\}/g
/**
 * The action's own variables, never expanded into a server's configuration: its inputs (the API key and the token
 * among them), GitHub's and the runner's, the Actions runtime's tokens, the model providers' credentials.
 */
const ACTION_VARIABLES = [/^INPUT_/i, /^GITHUB_/i, /^ACTIONS_/i, /^RUNNER_/i, /^ANTHROPIC_/i, /^CLAUDE_/i]
const MAX_BYTES = 1024 * 1024
const KEYS = ['type', 'command', 'args', 'env']
const HINT =
  'Write it as Claude Code\'s `.mcp.json`: `{"mcpServers": {"name": {"command": "npx", "args": ["-y", "some-mcp-server"], "env": {"KEY": "value"}}}}`.'

/**
 * The `mcp-config` input: a JSON object (starting with `{`) is parsed now; anything else is a path in the
 * repository, read when the run plans (see {@link loadMcpServers}). Undefined when empty.
 *
 * @throws UserError naming the input for malformed JSON or servers
 */
export function parseMcpConfigInput(raw: string): McpConfigInput | undefined {
  const t = raw.trim()
  if (t === '') return undefined
  if (t.startsWith('{')) return { kind: 'inline', servers: parseMcpConfig(t, 'The `mcp-config` input') }
  if (/[\r\n]/.test(t))
    throw new UserError(
      'Input `mcp-config` must be a path in the repository (such as `.mcp.json`) or a JSON object starting with `{`.',
      HINT,
    )
  return { kind: 'path', path: t }
}

/**
 * Parses a `.mcp.json` document. `origin` names it in messages ("The `mcp-config` input", "`.mcp.json`").
 *
 * @throws UserError for invalid JSON, a missing `mcpServers`, an unsafe server name, a server that is not stdio
 *   (`type`/`url`), or a `command`, `args` or `env` of the wrong shape
 */
export function parseMcpConfig(text: string, origin: string): McpServerConfig[] {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new UserError(
      `${origin} is not valid JSON: ${err instanceof Error ? err.message : String(err)}.`,
      HINT,
    )
  }
  if (!isRecord(data) || !isRecord(data.mcpServers))
    throw new UserError(`${origin} must be a JSON object with an \`mcpServers\` object.`, HINT)
  return Object.entries(data.mcpServers).map(([name, server]) => parseServer(name, server, origin))
}

function parseServer(name: string, raw: unknown, origin: string): McpServerConfig {
  if (!SERVER_NAME.test(name))
    throw new UserError(
      `${origin} names a server "${name}": server names may hold only letters, digits, \`_\` and \`-\`.`,
      'The name becomes part of its tools\' names (`mcp__<server>__<tool>`); rename it, e.g. "my-server".',
    )
  const what = `${origin}: server \`${name}\``
  if (!isRecord(raw)) throw new UserError(`${what} must be a JSON object.`, HINT)
  if ((raw.type !== undefined && raw.type !== 'stdio') || raw.url !== undefined) {
    const kind = typeof raw.type === 'string' ? `a \`${raw.type}\` server` : 'a remote server (`url`)'
    throw new UserError(
      `${what} is ${kind}; only stdio servers (\`command\`, \`args\`, \`env\`) are supported.`,
      'Start it as a stdio server (many remote servers have a local command), or remove it from the configuration.',
    )
  }
  const unknown = Object.keys(raw).filter((k) => !KEYS.includes(k))
  if (unknown.length)
    throw new UserError(
      `${what} has ${unknown.map((k) => `\`${k}\``).join(', ')}; a stdio server takes only \`command\`, \`args\` and \`env\`.`,
      HINT,
    )
  if (typeof raw.command !== 'string' || raw.command.trim() === '')
    throw new UserError(`${what} needs a \`command\`: the program to start.`, HINT)
  const args = raw.args ?? []
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))
    throw new UserError(`${what}: \`args\` must be a list of strings.`, HINT)
  const env = raw.env ?? {}
  if (!isRecord(env) || !Object.values(env).every((v) => typeof v === 'string'))
    throw new UserError(`${what}: \`env\` must be an object of string values.`, HINT)
  const badName = Object.keys(env).find((k) => !VARIABLE_NAME.test(k))
  if (badName !== undefined)
    throw new UserError(`${what}: \`env\` names a variable "${badName}", which is not a valid variable name.`)
  return { name, command: raw.command, args, env: env as Record<string, string> }
}

export interface LoadOptions {
  /** The step's environment, for `${NAME}` references. */
  env: NodeJS.ProcessEnv
  /** True when a value holds one of the action's own secrets (the API key, the token, a cloud credential). */
  holdsSecret: (value: string) => boolean
}

/**
 * The servers to start: the inline ones, or those of the repository file the input names (jailed to the
 * checkout), with `${NAME}` and `${NAME:-default}` expanded from the step's environment. Call it on the base
 * checkout, before the phase's branch is checked out.
 *
 * @throws UserError for a missing or malformed file, a reference to one of the action's own variables or to an
 *   unset one, and a value that holds one of the action's secrets
 */
export async function loadMcpServers(
  workspace: string,
  input: McpConfigInput | undefined,
  opts: LoadOptions,
): Promise<McpServerConfig[]> {
  if (!input) return []
  let servers = input.kind === 'inline' ? input.servers : undefined
  let origin = 'The `mcp-config` input'
  if (input.kind === 'path') {
    const what = `The \`mcp-config\` input ("${input.path}")`
    const found = await resolveInWorkspace(workspace, input.path, what)
    if (!found || !(await stat(found.abs)).isFile())
      throw new UserError(
        `${what} names no file in the repository (read from the base branch).`,
        'Give the repo-relative path of an MCP configuration such as `.mcp.json`, or the JSON itself.',
      )
    if ((await stat(found.abs)).size > MAX_BYTES)
      throw new UserError(`${what} is too large (the limit is ${MAX_BYTES} bytes).`)
    origin = `\`${found.rel}\``
    servers = parseMcpConfig(await readFile(found.abs, 'utf8'), origin)
  }
  return (servers ?? []).map((s) => resolveServer(s, origin, opts))
}

/** A server with its references expanded, refused when a value would carry one of the action's secrets. */
function resolveServer(s: McpServerConfig, origin: string, opts: LoadOptions): McpServerConfig {
  const where = (field: string): string => `${origin}: server \`${s.name}\`, ${field}`
  const expand = (value: string, field: string): string => {
    const out = expandReferences(value, where(field), opts.env)
    if (opts.holdsSecret(out))
      throw new UserError(
        `${where(field)} holds one of the action's own secrets (its API key, its GitHub token or a cloud credential); the action never passes those to an MCP server.`,
        "The model drives the server: give it a credential of its own, with only the access the server needs (for example a read-only token in a secret of its own, passed through the step's `env:`).",
      )
    return out
  }
  return {
    name: s.name,
    command: expand(s.command, '`command`'),
    args: s.args.map((a, i) => expand(a, `\`args[${i}]\``)),
    env: Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, expand(v, `\`env.${k}\``)])),
  }
}

function expandReferences(value: string, where: string, env: NodeJS.ProcessEnv): string {
  return value.replace(REFERENCE, (whole: string, name: string, fallback: string | undefined) => {
    if (!VARIABLE_NAME.test(name))
      throw new UserError(
        `${where} has \`${whole}\`, which names no variable.`,
        'Write `${NAME}` or `${NAME:-default}`.',
      )
    if (ACTION_VARIABLES.some((re) => re.test(name)) || CREDENTIAL_VARIABLES.includes(name))
      throw new UserError(
        `${where} refers to \`\${${name}}\`, one of the action's own variables; those never reach an MCP server.`,
        "Pass what the server needs in a variable of its own, set in the step's `env:`.",
      )
    const v = env[name]
    if (v !== undefined && v !== '') return v
    if (fallback !== undefined) return fallback
    throw new UserError(
      `${where} refers to \`\${${name}}\`, which is not set in the step's environment.`,
      "Set it in the step's `env:` (from a secret, say), or give a default: `${NAME:-value}`.",
    )
  })
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
