import { renderTranscript } from '../agent/transcript.js'
import type { AgentResult } from '../agent/types.js'
import { totalInputTokens } from '../agent/usage.js'
import { QUESTION_MARKER } from '../discussion/markers.js'
import { describeError } from '../errors.js'
import { hasChanges, type AgentRun } from '../pipeline/agent-run.js'
import type { Budgets, PipelineDeps, PipelineResult } from '../pipeline/types.js'
import { ACTIONS_BOT } from '../discussion/thread.js'
import { ACTIONS_TOKEN_CI_NOTE, earlyStopReason, lastWords } from '../report/messages.js'
import type { TrackingComment } from '../report/tracking.js'
import type { Phase, SpecDocument } from '../spec/types.js'
import { verificationLine } from '../report/verification.js'
import type { Verification } from '../verify/verify.js'
import { ensurePhaseMarked, publishWork, type Published, type PublishRequest } from './phase-publish.js'

/** What the ending of a run needs to know about it. */
export interface RunContext {
  d: PipelineDeps
  tracking: TrackingComment
  phase: Phase
  baseDoc: SpecDocument
  /** The spec on the branch before the model ran. */
  before: SpecDocument
  branch: string
  base: string
  /** The branch was on origin already (a rerun). */
  branchExisted: boolean
  issueNumber?: number
  requester: { login: string; id?: number }
  budgets: Budgets
  /** A review iteration: the PR it works on (its questions go there, and the PR stays open). */
  pullNumber?: number
}

/** After the model: ask its questions, or deliver its work (or say why there is nothing to deliver). */
export async function finishRun(
  c: RunContext,
  { result, accounting, warnings, verification, plan }: AgentRun,
): Promise<PipelineResult> {
  const common = runFigures(c.branch, result, accounting, verification)
  const publishing = publishRequest(c, result, accounting, {
    issueNumber: c.issueNumber,
    warnings,
    verification,
    plan,
    postedAs: await c.tracking.postedAs(),
  })
  return result.status === 'clarification'
    ? { ...common, ...(await askQuestions(c, result, accounting, publishing)) }
    : { ...common, ...(await deliver(c, result, accounting, publishing)) }
}

/** What publishing a run's work takes from its context; `more` adds or overrides (a review iteration's PR text). */
export function publishRequest(
  c: RunContext,
  result: AgentResult,
  accounting: string,
  more: Partial<PublishRequest>,
): PublishRequest {
  return {
    branch: c.branch,
    base: c.base,
    phase: c.phase,
    baseDoc: c.baseDoc,
    requester: c.requester,
    result,
    accounting,
    openPr: true,
    ...more,
  }
}

/**
 * The outputs every ending of an agent run shares: branch, cost, tokens, turns, the verdict of `verify`, and the
 * accounting, verification and transcript for the job summary.
 */
export function runFigures(
  branch: string,
  result: AgentResult,
  accounting: string,
  verification?: Verification,
) {
  const verified = verification ? verificationLine(verification) : undefined
  return {
    branch,
    costUsd: result.costUsd,
    inputTokens: totalInputTokens(result.usage),
    outputTokens: result.usage.outputTokens,
    turns: result.turns,
    verified: verification?.status ?? 'not-run',
    summary: [accounting, verified, renderTranscript(result)].filter(Boolean).join('\n\n'),
  }
}

export type Ending = Omit<
  PipelineResult,
  'branch' | 'costUsd' | 'inputTokens' | 'outputTokens' | 'turns' | 'summary' | 'verified'
>

/** The model asked instead of guessing: the questions go on the issue first, then any work so far is pushed. */
export async function askQuestions(
  c: RunContext,
  result: AgentResult,
  accounting: string,
  publishing: PublishRequest,
): Promise<Ending> {
  const questions = result.questions ?? []
  const body = [
    QUESTION_MARKER,
    `❓ Before implementing \`${c.phase.id}\`, the model needs answers:`,
    '',
    ...questions.map((q, i) => `${i + 1}. ${q}`),
    '',
    `Reply in a comment, then comment \`${c.d.inputs.trigger} ${c.phase.id}\` again. Answers from people with write access are passed to the next run.`,
  ].join('\n')
  if (c.issueNumber !== undefined) await c.d.api.createComment(c.issueNumber, body)
  else c.d.log(body.replace(QUESTION_MARKER, '').trim())

  let kept = ''
  try {
    const pushed = await publishWork(c.d, { ...publishing, wip: 'it asked for clarification', openPr: false })
    if (pushed.committed) kept = ` Work so far is on branch \`${c.branch}\`.`
  } catch (err) {
    kept = ` The work so far could not be pushed: ${describeError(err)}`
  }
  const pr = c.pullNumber === undefined ? 'no PR opened' : `#${c.pullNumber} is otherwise unchanged`
  await c.tracking.finish(`❓ Asked for clarification (questions below); ${pr}.${kept}`, accounting)
  return {
    status: 'clarification-requested',
    message: `asked ${questions.length} question(s)`,
    failed: false,
  }
}

/** Completed or stopped early: commit, push and open or update the (draft) PR, or say why there is none. */
async function deliver(
  c: RunContext,
  result: AgentResult,
  accounting: string,
  publishing: PublishRequest,
): Promise<Ending> {
  const { d, tracking } = c
  const warnings: string[] = [...(publishing.warnings ?? [])]
  const wip = result.status === 'completed' ? undefined : earlyStopReason(result, c.budgets)
  const verified = publishing.verification && verificationLine(publishing.verification)
  const failing = publishing.verification?.status === 'failed'
  // A completed phase is marked in the spec, but the action's own mark alone is not work: only when the model
  // changed something, or the branch already holds earlier work (a rerun that only verified it).
  // Work that fails its verification is not marked by the action (what the model marked stays, under the title's
  // `[checks failing]`).
  if (!wip && !failing && (c.branchExisted || (await hasChanges(d)))) {
    warnings.push(...(await ensurePhaseMarked(d.workspace, c.before, c.phase.id, d.log)))
  }
  const published = await publishWork(d, { ...publishing, wip, warnings })
  // Cancelled during the run, or while its work was being delivered (a PR skipped is then the signal's doing).
  if (result.status === 'cancelled' || (d.cancellation?.signal.aborted && !published.pull))
    return reportCancelled(c, published, accounting)
  if (!published.pull) {
    const msg = wip
      ? `The run stopped early because ${wip} No files had changed, so no PR was opened.`
      : 'The model finished without changing any file, so no PR was opened.'
    await tracking.finish(
      `⚠️ ${msg}`,
      [lastWords(result.summary), verified, accounting].filter(Boolean).join('\n\n'),
    )
    return { status: 'failed', message: msg, failed: true }
  }

  const pr = published.pull
  const prLine = `${wip ? 'work-in-progress ' : ''}${published.draftFallback ? 'PR' : 'draft PR'} #${pr.number}: ${pr.html_url}`
  const outputs = { prNumber: pr.number, prUrl: pr.html_url }
  if (wip) {
    await tracking.finish(
      `⚠️ Stopped early because ${wip} Work so far is in the ${prLine}`,
      [verified, accounting].filter(Boolean).join('\n\n'),
    )
    return {
      ...outputs,
      status: 'failed',
      message: `stopped early (${result.status}); ${prLine}`,
      failed: true,
    }
  }
  const verb = published.created ? 'Opened' : 'Updated'
  const fallback = published.draftFallback
    ? ' (draft PRs are not available in this repository, so it is a normal PR marked [WIP])'
    : ''
  // Said on a first opening only: the PR body keeps it for later.
  const ci =
    published.created && publishing.postedAs === ACTIONS_BOT ? `ℹ️ ${ACTIONS_TOKEN_CI_NOTE}` : undefined
  const details = [verified, accounting, ...warnings.map((w) => `⚠️ ${w}`), ci].filter(Boolean).join('\n\n')
  if (failing) {
    // Nothing lost: the work is in its PR, titled as failing its checks; the job is marked failed, like a red CI.
    await tracking.finish(`❌ ${verb} ${prLine}${fallback}, but its verification fails.`, details)
    const message = `${verb.toLowerCase()} ${prLine}; verification failed`
    return { ...outputs, status: 'pr-opened', message, failed: true }
  }
  await tracking.finish(`✅ ${verb} ${prLine}${fallback}`, details)
  return { ...outputs, status: 'pr-opened', message: `${verb.toLowerCase()} ${prLine}`, failed: false }
}

/**
 * The run was cancelled (or its job timed out) and its work is kept as far as there was time: the tracking
 * comment says what was kept, and the status is `cancelled`.
 */
export async function reportCancelled(
  c: RunContext,
  published: Published,
  accounting: string,
): Promise<Ending> {
  const pr = published.pull
  const branch = `Work so far is pushed to branch \`${c.branch}\``
  const kept = pr
    ? `Work so far is in the work-in-progress ${published.draftFallback ? 'PR' : 'draft PR'} #${pr.number}: ${pr.html_url}`
    : published.unconfirmed
      ? `${branch}; the runner ended the job while its PR was being opened, so whether it was is unconfirmed.`
      : published.committed
        ? `${branch}; no PR was opened because the runner was ending the job.`
        : 'No file had changed, so there was nothing to keep.'
  await c.tracking.finish(
    `🛑 **Cancelled.** ${kept}`,
    [
      `Comment \`${c.d.inputs.trigger} ${c.phase.id}\` again to continue on the same branch.`,
      accounting,
    ].join('\n\n'),
  )
  return {
    ...(pr ? { prNumber: pr.number, prUrl: pr.html_url } : {}),
    status: 'cancelled',
    message: `cancelled; ${kept}`,
    failed: true,
  }
}
