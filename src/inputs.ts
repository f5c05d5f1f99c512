import { isIP } from 'node:net'
import * as core from '@actions/core'
import { UserError } from './errors.js'
import { parseMcpConfigInput, type McpConfigInput } from './mcp/config.js'
import { MODEL_ALIASES, MODEL_ID_PATTERN } from './providers/models.js'
import { PROVIDERS, type ProviderName } from './providers/select.js'
import { EFFORTS, type Effort } from './providers/types.js'

/** The action's inputs, validated. Names and defaults mirror action.yml. */
export interface Inputs {
  /** Who serves the model: the Anthropic API (default), Amazon Bedrock, Vertex AI or Microsoft Foundry. */
  provider: ProviderName
  anthropicApiKey: string
  anthropicBaseUrl?: string
  githubToken: string
  specName?: string
  issueId?: string
  notes?: string
  model?: string
  template?: string
  trigger: string
  allowedBots: string[]
  baseBranch?: string
  maxTurns: number
  maxCostUsd: number
  timeoutMinutes: number
  draft: boolean
  workflowFile?: string
  /** `auto`: commands the model runs are sandboxed, or the run stops before the model; `off`: unsandboxed. */
  sandbox: 'auto' | 'off'
  /** Hosts the sandbox lets commands reach (`['*']`: every host); empty: no network. */
  allowedDomains: string[]
  /** The verification command (a script of one or more lines) the action runs when the model ends its turn. */
  verify?: string
  /** How many times the model is sent back to fix a failed verification (0: never). */
  verifyAttempts: number
  /** `adaptive` or `off`; unset: the model's default (adaptive where the model table says it thinks so). */
  thinking?: 'adaptive' | 'off'
  /** How much effort the model puts in; unset: the model's own default. */
  effort?: Effort
  /** MCP servers whose tools the model gets: inline (parsed) or a path in the repository (read when planning). */
  mcpConfig?: McpConfigInput
}

type Getter = (name: string) => string

/** Reads inputs the way the runner passes them: `INPUT_<NAME>` with hyphens kept, upper-cased. */
export const envGetter: Getter = (name) => core.getInput(name)

function optional(v: string): string | undefined {
  const t = v.trim()
  return t === '' ? undefined : t
}

function positiveInt(name: string, raw: string, max: number): number {
  const t = raw.trim()
  if (!/^\d+$/.test(t) || Number(t) < 1 || Number(t) > max) {
    throw new UserError(`Input \`${name}\` must be a whole number from 1 to ${max}; got "${raw}".`)
  }
  return Number(t)
}

function wholeNumber(name: string, raw: string, max: number): number {
  const t = raw.trim()
  if (!/^\d+$/.test(t) || Number(t) > max) {
    throw new UserError(`Input \`${name}\` must be a whole number from 0 to ${max}; got "${raw}".`)
  }
  return Number(t)
}

/** `verify`: the script as written (lines kept, so several commands run as one script); empty means none. */
function verifyScript(raw: string): string | undefined {
  const script = raw.replace(/\r\n?/g, '\n').replace(/^\s*\n|\s+$/g, '')
  return script.trim() === '' ? undefined : script
}

function positiveNumber(name: string, raw: string, max: number): number {
  const t = raw.trim()
  const n = Number(t)
  if (t === '' || !/^\d+(\.\d+)?$/.test(t) || !(n > 0) || n > max) {
    throw new UserError(`Input \`${name}\` must be a number above 0 and at most ${max}; got "${raw}".`)
  }
  return n
}

function bool(name: string, raw: string): boolean {
  const t = raw.trim().toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(t)) return true
  if (['false', 'no', '0', 'off'].includes(t)) return false
  throw new UserError(`Input \`${name}\` must be true or false; got "${raw}".`)
}

function url(name: string, raw: string): string | undefined {
  const t = optional(raw)
  if (!t) return undefined
  try {
    const u = new URL(t)
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol')
  } catch {
    throw new UserError(`Input \`${name}\` must be an http(s) URL; got "${raw}".`)
  }
  return t.replace(/\/+$/, '')
}

/** `allowed-bots`: logins separated by commas or white space, lower-cased. */
export function parseAllowedBots(raw: string): string[] {
  return raw
    .split(/[,\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
}

/** `thinking`: `adaptive` or `off`; empty means the model's default. */
function thinkingMode(raw: string): 'adaptive' | 'off' | undefined {
  const t = raw.trim().toLowerCase()
  if (t === '') return undefined
  if (t === 'adaptive' || t === 'off') return t
  throw new UserError(
    `Input \`thinking\` must be \`adaptive\` or \`off\`; got "${raw}".`,
    'Leave it empty for the default: adaptive thinking on the models that support it.',
  )
}

/** `effort`: one of the API's levels; empty means the model's own default. */
function effortLevel(raw: string): Effort | undefined {
  const t = raw.trim().toLowerCase()
  if (t === '') return undefined
  const level = EFFORTS.find((e) => e === t)
  if (level) return level
  throw new UserError(`Input \`effort\` must be one of ${EFFORTS.join(', ')}; got "${raw}".`)
}

/** `provider`: who serves the model; empty means `anthropic`. */
function providerName(raw: string): ProviderName {
  const t = raw.trim().toLowerCase() || 'anthropic'
  const name = PROVIDERS.find((p) => p === t)
  if (name) return name
  throw new UserError(`Input \`provider\` must be one of ${PROVIDERS.join(', ')}; got "${raw}".`)
}

/** `sandbox`: `auto` (the default) or `off`. */
function sandboxMode(raw: string): 'auto' | 'off' {
  const t = raw.trim().toLowerCase() || 'auto'
  if (t === 'auto' || t === 'off') return t
  throw new UserError(
    `Input \`sandbox\` must be \`auto\` or \`off\`; got "${raw}".`,
    "`off` runs the model's commands unsandboxed (unsafe); leave it at `auto` unless the runner cannot sandbox.",
  )
}

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/

/** One `allowed-domains` entry as the sandbox takes it, or undefined if it is not a host name or IP address. */
function allowedDomain(entry: string): string | undefined {
  // A bare IPv6 address; the sandbox wants it bracketed.
  if (isIP(entry) === 6) return `[${entry}]`
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry)
  if (!m) return undefined
  const [, host, port] = m
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return undefined
  if (host.startsWith('[')) return isIP(host.slice(1, -1)) === 6 ? entry : undefined
  if (isIP(host) === 4) return entry
  const name = host.startsWith('*.') ? host.slice(2) : host
  const labels = name.split('.')
  // A wildcard needs at least two labels under it (`*.example.com`, not `*.com`).
  if (host.startsWith('*.') && labels.length < 2) return undefined
  if (name.length > 253 || !labels.every((l) => HOST_LABEL.test(l)) || /^\d+$/.test(labels.at(-1) ?? ''))
    return undefined
  return entry
}

/**
 * `allowed-domains`: host names (`*.example.com` for its subdomains) or IP addresses, each with an optional
 * `:port`, separated by commas or white space; `*` alone lets every host through. Lower-cased.
 */
export function parseAllowedDomains(raw: string): string[] {
  const entries = raw
    .split(/[,\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
  if (entries.includes('*')) {
    if (entries.length > 1)
      throw new UserError('Input `allowed-domains` is `*` (every host) or a list of hosts, not both.')
    return ['*']
  }
  return [...new Set(entries)].map((entry) => {
    const ok = allowedDomain(entry)
    if (!ok)
      throw new UserError(
        `Input \`allowed-domains\` must list host names or IP addresses (optionally with :port), or be \`*\`; got "${entry}".`,
        'Separate entries with commas, for example `allowed-domains: registry.example.org, *.example.com, 127.0.0.1:8080`.',
      )
    return ok
  })
}

/** Reads and validates every input. Throws UserError with a message that says what to fix. */
export function readInputs(get: Getter = envGetter): Inputs {
  const anthropicApiKey = get('anthropic-api-key').trim()
  const githubToken = get('github-token').trim()
  if (!githubToken) {
    throw new UserError(
      'Input `github-token` is empty.',
      'Pass `github-token: ${{ github.token }}` (the default) or a token with contents, issues and pull-requests write.',
    )
  }
  const trigger = get('trigger').trim() || '/implement'
  if (/\s/.test(trigger))
    throw new UserError(`Input \`trigger\` must be one word such as /implement; got "${trigger}".`)
  const allowedBots = parseAllowedBots(get('allowed-bots'))
  const model = optional(get('model'))
  if (model && !MODEL_ID_PATTERN.test(model)) {
    const aliases = Object.keys(MODEL_ALIASES).join(', ')
    throw new UserError(`Input \`model\` must be an alias (${aliases}) or a model id; got "${model}".`)
  }
  return {
    provider: providerName(get('provider')),
    anthropicApiKey,
    anthropicBaseUrl: url('anthropic-base-url', get('anthropic-base-url')),
    githubToken,
    specName: optional(get('spec-name')),
    issueId: optional(get('issue-id')),
    notes: optional(get('notes')),
    model,
    template: optional(get('template')),
    trigger,
    allowedBots,
    baseBranch: optional(get('base-branch')),
    maxTurns: positiveInt('max-turns', get('max-turns') || '40', 500),
    maxCostUsd: positiveNumber('max-cost-usd', get('max-cost-usd') || '5', 1000),
    timeoutMinutes: positiveInt('timeout-minutes', get('timeout-minutes') || '30', 360),
    draft: bool('draft', get('draft') || 'true'),
    workflowFile: optional(get('workflow-file')),
    sandbox: sandboxMode(get('sandbox')),
    allowedDomains: parseAllowedDomains(get('allowed-domains')),
    verify: verifyScript(get('verify')),
    verifyAttempts: wholeNumber('verify-attempts', get('verify-attempts') || '2', 10),
    thinking: thinkingMode(get('thinking')),
    effort: effortLevel(get('effort')),
    mcpConfig: parseMcpConfigInput(get('mcp-config')),
  }
}
