import * as core from '@actions/core'
import { UserError } from './errors.js'
import { MODEL_ALIASES, MODEL_ID_PATTERN } from './providers/models.js'

/** The action's inputs, validated. Names and defaults mirror action.yml. */
export interface Inputs {
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
  }
}
