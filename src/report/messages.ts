import { totalInputTokens } from '../agent/usage.js'
import { pullMarker } from '../discussion/markers.js'
import { sentence } from '../errors.js'
import type { AgentResult } from '../agent/types.js'
import type { NetworkBlock } from '../sandbox/types.js'
import { formatDuration, formatUsd, inlineCode } from './format.js'
import { verificationSection } from './verification.js'
import type { Verification } from '../verify/verify.js'

export { formatDuration, formatUsd }

/** One line of accounting: cost, turns, tokens, cache share, duration. */
export function accountingLine(r: AgentResult, model: string): string {
  const u = r.usage
  const input = totalInputTokens(u)
  return [
    `model \`${model}\``,
    `cost ${formatUsd(r.costUsd)}`,
    `${r.turns} turn${r.turns === 1 ? '' : 's'}`,
    `${input.toLocaleString('en-US')} input / ${u.outputTokens.toLocaleString('en-US')} output tokens` +
      (u.thinkingTokens ? ` (${u.thinkingTokens.toLocaleString('en-US')} thinking)` : ''),
    `${Math.round(r.cacheHitShare * 100)}% from cache`,
    formatDuration(r.durationMs),
  ].join(' · ')
}

/** The model's final message as a quote under "Model's last words:"; empty when it left none. */
export function lastWords(summary: string): string {
  return summary ? `Model's last words:\n\n> ${summary.split('\n').join('\n> ')}` : ''
}

/** Why a run ended early, in words a user can act on. */
export function earlyStopReason(
  r: AgentResult,
  budgets: { maxTurns: number; maxCostUsd: number; timeoutMinutes: number },
): string {
  switch (r.status) {
    case 'max-turns':
      return `it reached the turn budget (max-turns: ${budgets.maxTurns}). Raise \`max-turns\` or split the phase, then comment the command again to continue on the same branch.`
    case 'max-cost':
      return `it reached the cost budget (max-cost-usd: ${budgets.maxCostUsd}). Raise \`max-cost-usd\` or split the phase, then comment the command again to continue on the same branch.`
    case 'timeout':
      return `it reached the time budget (timeout-minutes: ${budgets.timeoutMinutes}). Raise \`timeout-minutes\`, then comment the command again to continue on the same branch.`
    case 'cancelled':
      return 'the workflow run was cancelled (or its job reached `timeout-minutes`). Comment the command again to continue on the same branch.'
    case 'refused':
      return 'the model declined to continue the task (a refusal by the model, not an API failure). Check the phase and the notes for anything that reads as a harmful request, then comment the command again; work so far continues on the same branch.'
    case 'error':
      // Not always the API: the context window, or the loop itself, end a run the same way.
      return `it ended with an error: ${sentence(r.error ?? 'unknown error')} Comment the command again to retry; work so far continues on the same branch.`
    default:
      return ''
  }
}

export interface PrBodyInput {
  issueId: string
  phaseTitle: string
  specPath: string
  specUrl?: string
  issueNumber?: number
  branch: string
  summary: string
  accounting: string
  runUrl?: string
  wip?: string
  warnings: string[]
  draftFallback?: boolean
  /** Connections the sandbox refused during the run. */
  blockedNetwork?: NetworkBlock[]
  /** The run was not sandboxed (`sandbox: off`). */
  unsandboxed?: boolean
  /** The command that starts a run (`/implement`), for the review loop's instructions. */
  trigger: string
  /** When the body is written (its hidden marker keeps it for the next review iteration). */
  writtenAt: string
  /** The verdict of the `verify` command on this work. */
  verification?: Verification
  /** The PR is opened with the workflow's own token: say that CI may not run on it, and the fix. */
  actionsToken?: boolean
  /** The model's last plan as checklist lines (planChecklist), for a `## Plan` section. */
  plan?: string[]
}

/**
 * The "Blocked network access" section (Markdown lines, ending with a blank one) for the PR body and the job
 * summary: each refused destination once, with the first command that tried it; nothing when none was refused.
 */
export function blockedNetworkSection(blocked: NetworkBlock[]): string[] {
  if (blocked.length === 0) return []
  const first = new Map<string, NetworkBlock>()
  for (const b of blocked) {
    const where = b.port ? `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}` : b.host
    if (!first.has(where)) first.set(where, b)
  }
  return [
    '## Blocked network access',
    '',
    'The sandbox refused these connections because `allowed-domains` does not list them. If the work needs one, ' +
      'add the host to `allowed-domains`, or better, fetch what it needs in a workflow step before the action.',
    '',
    ...[...first].map(([where, b]) => `- ${inlineCode(where)} by ${inlineCode(b.command)}`),
    '',
  ]
}

/**
 * Why CI may not run on a PR the workflow's own token opened, and the fix: GitHub starts no workflow run for
 * events caused by `GITHUB_TOKEN` (on github.com, since mid-2026, reportedly runs that wait for a maintainer's
 * approval instead).
 */
export const ACTIONS_TOKEN_CI_NOTE =
  "This pull request was opened with the workflow's `GITHUB_TOKEN` (as github-actions[bot]), and GitHub starts no " +
  'workflow runs for what that token does (or starts them only once a maintainer approves them), so CI may not run ' +
  'on it. To have CI run, pass a GitHub App token from `actions/create-github-app-token` as `github-token` (see ' +
  '`examples/implement-app-token.yml`), or push a commit to the branch yourself.'

/** The PR body's warning for a run whose commands were not sandboxed. */
export const UNSANDBOXED_WARNING =
  "This run was **not sandboxed** (`sandbox: off`): the commands the model ran could read the runner's secrets, " +
  "write anywhere the runner's user can and reach any host. Review every change with that in mind."

/** The pull request body: summary, how to test locally, the model's plan, spec link, refs, accounting and run link. */
export function prBody(p: PrBodyInput): string {
  const lines: string[] = []
  if (p.unsandboxed) lines.push('> [!CAUTION]', `> ${UNSANDBOXED_WARNING}`, '')
  // One line: a review iteration that finishes the work removes it by that shape.
  if (p.wip)
    lines.push(
      `> [!WARNING]`,
      `> Work in progress: the run stopped early because ${p.wip.replace(/\s*\n\s*/g, ' ')}`,
      '',
    )
  lines.push(
    `Implements **${p.issueId}: ${p.phaseTitle}** of [\`${p.specPath}\`](${p.specUrl ?? p.specPath}).`,
    '',
  )
  lines.push('## Summary', '', p.summary.trim() || '_The model left no summary._', '')
  if (p.verification) lines.push(...verificationSection(p.verification))
  lines.push(
    '## Test it locally',
    '',
    'This draft PR is the pause for a human to test the work before it is merged.',
    '',
    '```sh',
    `git fetch origin ${p.branch} && git checkout ${p.branch}`,
    '```',
    '',
    'Then follow the test steps in the summary above.',
    '',
    `To ask for changes, comment \`${p.trigger} <what to change>\` on this pull request, or review it with \`${p.trigger}\` in the review's text (or in a comment on a line). The next run reads the unresolved review threads, new comments and failing checks, pushes a new commit to this branch and answers each thread.`,
    '',
  )
  // After the test steps, which the summary points to: the plan is how the model went about it.
  if (p.plan?.length) lines.push('## Plan', '', ...p.plan, '')
  if (p.actionsToken) lines.push('> [!NOTE]', `> ${ACTIONS_TOKEN_CI_NOTE}`, '')
  if (p.warnings.length) lines.push('## Warnings', '', ...p.warnings.map((w) => `- ${w}`), '')
  lines.push(...blockedNetworkSection(p.blockedNetwork ?? []))
  if (p.draftFallback)
    lines.push(
      '_Draft pull requests are not available in this repository, so this is a normal PR marked [WIP]._',
      '',
    )
  lines.push('---', '')
  if (p.issueNumber !== undefined) lines.push(`Refs #${p.issueNumber}`, '')
  lines.push(`${p.accounting}${p.runUrl ? ` · [workflow run](${p.runUrl})` : ''}`, '')
  lines.push(pullMarker(p.issueNumber, p.writtenAt))
  return lines.join('\n')
}
