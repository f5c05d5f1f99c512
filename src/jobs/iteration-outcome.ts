/**
 * The ending of a review iteration: questions go on the PR; work is pushed to the PR's branch and the PR itself is
 * updated (never a second PR): its body gains an "Iterations" entry, each review thread the model was given gets a
 * reply naming the commit (or the model's answer when it changed nothing), and the issue the PR refers to gets a
 * line linking the iteration.
 */
import type { AgentResult } from '../agent/types.js'
import { replyMarker } from '../discussion/markers.js'
import { describeError } from '../errors.js'
import { plainTitle } from '../github/pull-requests.js'
import type { AgentRun } from '../pipeline/agent-run.js'
import type { PipelineResult } from '../pipeline/types.js'
import { earlyStopReason, formatUsd, lastWords } from '../report/messages.js'
import type { Feedback, PullCommand } from '../review/feedback.js'
import { iterationEntry, replyInThreads, withIteration } from '../review/iterations.js'
import { verificationLine, withVerification } from '../report/verification.js'
import type { Verification } from '../verify/verify.js'
import type { IterationTarget } from '../review/target.js'
import {
  askQuestions,
  publishRequest,
  reportCancelled,
  runFigures,
  type Ending,
  type RunContext,
} from './phase-outcome.js'
import { ensurePhaseMarked, publishWork } from './phase-publish.js'

export interface IterationContext {
  target: IterationTarget
  feedback: Feedback
  trigger: PullCommand
}

/** Characters of the model's answer posted in a review thread when it changed nothing. */
const MAX_ANSWER_CHARS = 3_000

/**
 * After the model: its questions on the PR, or its work on the PR's branch and the replies. The run's plan (TodoWrite)
 * was shown in the tracking comment only: the PR body keeps the plan of the run that opened it.
 */
export async function finishIteration(
  c: RunContext,
  { result, accounting, warnings: runWarnings, verification }: AgentRun,
  it: IterationContext,
): Promise<PipelineResult> {
  const { d } = c
  const pull = it.target.pull
  const outputs = { prNumber: pull.number, prUrl: pull.html_url }
  const figures = runFigures(c.branch, result, accounting, verification)
  const finished = result.status === 'completed'
  const failing = verification.status === 'failed'
  const wip = finished || result.status === 'clarification' ? undefined : earlyStopReason(result, c.budgets)
  const marked = finished && !failing ? await ensurePhaseMarked(d.workspace, c.before, c.phase.id, d.log) : []
  const warnings = [...(runWarnings ?? []), ...marked, ...runNotices(c)]
  // The body as it is now (someone may have edited it during the run), with this iteration's entry.
  const current = await d.api.getPull(pull.number).catch(() => pull)
  const publishing = publishRequest(c, result, accounting, {
    issueNumber: it.target.issueNumber,
    warnings,
    wip,
    verification,
    commitSubject: `${c.phase.id}: review iteration on #${pull.number}`,
    pullText: {
      pull: current,
      title: plainTitle(current.title),
      body: (_fallback, commit) => {
        const body = withIteration(
          current.body,
          entry(c, result, it, { commit, wip, warnings, verification }),
          {
            issueNumber: it.target.issueNumber,
            // A finished iteration addressed what came before its command; otherwise the next one sees it again.
            addressedUntil: finished ? it.trigger.createdAt : it.target.addressedUntil,
            finished,
          },
        )
        // Without a `verify` command the last verdict stays (the title keeps it too); with one, this run's
        // verdict replaces it, `not run` included: the work changed since.
        return verification.command ? withVerification(body, verification) : body
      },
    },
  })
  if (result.status === 'clarification') {
    return { ...figures, ...outputs, ...(await askQuestions(c, result, accounting, publishing)) }
  }
  const published = await publishWork(d, publishing)
  if (result.status === 'cancelled' || (d.cancellation?.signal.aborted && !published.pull)) {
    return { ...figures, ...outputs, ...(await reportCancelled(c, published, accounting)) }
  }
  const verified = verificationLine(verification)
  const details = [
    ...(verified ? [verified] : []),
    accounting,
    ...[...warnings, ...it.feedback.warnings].map((w) => `⚠️ ${w}`),
  ]
  const ending = published.commit
    ? await pushed(c, it, published.commit, { wip, failing }, details)
    : await unchanged(c, result, it, { wip, failing }, details)
  return { ...figures, ...outputs, ...ending }
}

/** What a human should know about how the run ran: an unsandboxed run, hosts the sandbox refused. */
function runNotices(c: RunContext): string[] {
  const blocked = [...new Set((c.d.sandbox.blocked?.() ?? []).map((b) => b.host))]
  return [
    ...(c.d.inputs.sandbox === 'off' ? ['This run was not sandboxed (`sandbox: off`).'] : []),
    ...(blocked.length
      ? [
          `The sandbox refused connections to ${blocked.map((h) => `\`${h}\``).join(', ')} (see \`allowed-domains\`).`,
        ]
      : []),
  ]
}

function entry(
  c: RunContext,
  result: AgentResult,
  it: IterationContext,
  o: { commit?: string; wip?: string; warnings: string[]; verification: Verification },
): string {
  const pull = it.target.pull
  return iterationEntry({
    at: new Date().toISOString(),
    requester: c.requester.login,
    commit: o.commit ? { sha: o.commit, url: commitUrl(c, pull.number, o.commit) } : undefined,
    summary: result.summary,
    turns: result.turns,
    cost: formatUsd(result.costUsd),
    runUrl: c.d.run.runUrl,
    wip: o.wip,
    threads: it.feedback.threads.roots.length,
    warnings: o.warnings,
    verified: o.verification.attempts.length ? o.verification.status : undefined,
  })
}

/** A commit is on the PR: a reply in each thread, the issue's line, the final word. */
async function pushed(
  c: RunContext,
  it: IterationContext,
  sha: string,
  { wip, failing }: { wip?: string; failing: boolean },
  details: string[],
): Promise<Ending> {
  const { d } = c
  const pull = it.target.pull
  const link = `[\`${sha.slice(0, 7)}\`](${commitUrl(c, pull.number, sha)})`
  const run = d.run.runUrl ? ` ([run](${d.run.runUrl}))` : ''
  // A run that stopped early leaves its threads unanswered: the next one is given them again.
  const replies = wip
    ? 0
    : await replyInThreads(d.api, {
        pullNumber: pull.number,
        roots: it.feedback.threads.roots,
        body: `${replyLine(it)}\n🔁 ${link} is the change for this thread${run}. Check it, and resolve the thread if it is addressed; reply with \`${d.inputs.trigger} <what else>\` for more.`,
        log: d.log,
      })
  if (it.target.issueNumber !== undefined) {
    await d.api
      .createComment(
        it.target.issueNumber,
        `🔁 Review iteration on #${pull.number} (\`${c.phase.id}\`): ${link}${run}`,
      )
      .catch((err: unknown) =>
        d.log(`Could not note the iteration on #${it.target.issueNumber}: ${describeError(err)}`),
      )
  }
  const answered = replies ? `; replied in ${replies} review thread${replies === 1 ? '' : 's'}` : ''
  if (wip) {
    await c.tracking.finish(
      `⚠️ Stopped early because ${wip} Work so far is pushed to #${pull.number}: ${link}${answered}.`,
      details.join('\n\n'),
    )
    const message = `stopped early (${it.feedback.threads.roots.length} threads); pushed ${sha.slice(0, 7)} to #${pull.number}`
    return { status: 'failed', message, failed: true }
  }
  if (failing) {
    await c.tracking.finish(
      `❌ Pushed ${link} to #${pull.number}${answered}, but its verification fails.`,
      details.join('\n\n'),
    )
    const message = `pushed ${sha.slice(0, 7)} to PR #${pull.number}; verification failed`
    return { status: 'pr-opened', message, failed: true }
  }
  await c.tracking.finish(`✅ Pushed ${link} to #${pull.number}${answered}.`, details.join('\n\n'))
  return {
    status: 'pr-opened',
    message: `pushed ${sha.slice(0, 7)} to PR #${pull.number}: ${pull.html_url}`,
    failed: false,
  }
}

/**
 * Nothing changed. A finished run answered in words (a reviewer's question, say): the answer goes in each thread
 * and the run is not a failure. A run that stopped early with nothing to show is.
 */
async function unchanged(
  c: RunContext,
  result: AgentResult,
  it: IterationContext,
  { wip, failing }: { wip?: string; failing: boolean },
  details: string[],
): Promise<Ending> {
  const { d } = c
  const pull = it.target.pull
  if (wip) {
    const msg = `The run stopped early because ${wip} Nothing was pushed to #${pull.number}.`
    await c.tracking.finish(`⚠️ ${msg}`, [lastWords(result.summary), ...details].filter(Boolean).join('\n\n'))
    return { status: 'failed', message: msg, failed: true }
  }
  const answer = result.summary.trim() || '_The model left no answer._'
  const cut = answer.length > MAX_ANSWER_CHARS ? `${answer.slice(0, MAX_ANSWER_CHARS)}…` : answer
  const replies = await replyInThreads(d.api, {
    pullNumber: pull.number,
    roots: it.feedback.threads.roots,
    body: `${replyLine(it)}\n💬 No change was made for this thread${d.run.runUrl ? ` ([run](${d.run.runUrl}))` : ''}. The model's answer:\n\n> ${cut.split('\n').join('\n> ')}`,
    log: d.log,
  })
  const where = replies ? ` and in ${replies} review thread${replies === 1 ? '' : 's'}` : ''
  const msg = `The model changed no file on #${pull.number}; its answer is below${where}.`
  const words = [lastWords(result.summary), ...details].filter(Boolean).join('\n\n')
  if (failing) {
    await c.tracking.finish(`❌ ${msg} The work's verification fails.`, words)
    return { status: 'skipped', message: `${msg} Verification failed.`, failed: true }
  }
  await c.tracking.finish(`💬 ${msg}`, words)
  return { status: 'skipped', message: msg, failed: false }
}

/** The reply's hidden marker: what this run had read (see replyMarker). */
function replyLine(it: IterationContext): string {
  return replyMarker(it.trigger.createdAt, it.feedback.threads.review)
}

function commitUrl(c: RunContext, pullNumber: number, sha: string): string {
  return `${c.d.run.serverUrl}/${c.d.run.repository}/pull/${pullNumber}/commits/${sha}`
}
