/**
 * The ending of a review iteration: questions go on the PR; work is pushed to the PR's branch (never a second
 * PR), the PR body gains an "Iterations" entry, each review thread the model was given gets a reply naming the
 * commit, and the issue the PR refers to gets a line linking the iteration.
 */
import type { AgentResult } from '../agent/types.js'
import { formatUsd, earlyStopReason } from '../report/messages.js'
import type { AgentRun } from '../pipeline/agent-run.js'
import type { PipelineResult } from '../pipeline/types.js'
import type { Feedback } from '../review/feedback.js'
import { iterationEntry, replyInThreads, withIteration } from '../review/iterations.js'
import type { IterationTarget } from '../review/target.js'
import { describeError } from '../errors.js'
import { withoutWip } from '../github/pull-requests.js'
import { askQuestions, reportCancelled, runFigures, type Ending, type RunContext } from './phase-outcome.js'
import { ensurePhaseMarked, publishWork, type Published, type PublishRequest } from './phase-publish.js'

export interface IterationContext {
  target: IterationTarget
  feedback: Feedback
}

/** After the model: its questions on the PR, or its work on the PR's branch and the replies. */
export async function finishIteration(
  c: RunContext,
  { result, accounting, warnings }: AgentRun,
  it: IterationContext,
): Promise<PipelineResult> {
  const { d } = c
  const pull = it.target.pull
  const wip = result.status === 'completed' ? undefined : earlyStopReason(result, c.budgets)
  // The body as it is now (someone may have edited it during the run), with this iteration's entry.
  const current = await d.api.getPull(pull.number).then(
    (p) => p.body,
    () => pull.body,
  )
  const entry = (commit?: string): string =>
    iterationEntry({
      at: new Date().toISOString(),
      requester: c.requester.login,
      commit: commit ? { sha: commit, url: commitUrl(c, pull.number, commit) } : undefined,
      summary: result.summary,
      turns: result.turns,
      cost: formatUsd(result.costUsd),
      runUrl: d.run.runUrl,
      wip,
      threads: commit ? it.feedback.threads.roots.length : 0,
    })
  const publishing: PublishRequest = {
    branch: c.branch,
    base: c.base,
    phase: c.phase,
    baseDoc: c.baseDoc,
    requester: c.requester,
    issueNumber: it.target.issueNumber,
    result,
    accounting,
    openPr: true,
    warnings,
    commitSubject: `${c.phase.id}: review iteration on #${pull.number}`,
    pullText: {
      title: withoutWip(pull.title),
      body: (_fallback, commit) =>
        withIteration(current, entry(commit), it.target.issueNumber, new Date().toISOString()),
    },
  }
  const figures = runFigures(c.branch, result, accounting)
  if (result.status === 'clarification') {
    return { ...figures, ...(await askQuestions(c, result, accounting, publishing)) }
  }
  const marked = wip ? [] : await ensurePhaseMarked(d.workspace, c.before, c.phase.id, d.log)
  const published = await publishWork(d, { ...publishing, wip, warnings: [...(warnings ?? []), ...marked] })
  if (result.status === 'cancelled' || (d.cancellation?.signal.aborted && !published.pull)) {
    return { ...figures, ...(await reportCancelled(c, published, accounting)) }
  }
  return { ...figures, ...(await delivered(c, result, accounting, it, published, wip)) }
}

/** The work is pushed (or there was none): replies, the issue's line, and the final word. */
async function delivered(
  c: RunContext,
  result: AgentResult,
  accounting: string,
  it: IterationContext,
  published: Published,
  wip: string | undefined,
): Promise<Ending> {
  const { d, tracking } = c
  const pull = it.target.pull
  const outputs = { prNumber: pull.number, prUrl: pull.html_url }
  const details = [accounting, ...it.feedback.warnings.map((w) => `⚠️ ${w}`)]
  if (!published.commit) {
    const why = wip ? `The run stopped early because ${wip}` : 'The model finished without changing any file.'
    const lastWords = result.summary
      ? `Model's last words:\n\n> ${result.summary.split('\n').join('\n> ')}`
      : ''
    const msg = `${why} Nothing was pushed to #${pull.number}.`
    await tracking.finish(`⚠️ ${msg}`, [lastWords, ...details].filter(Boolean).join('\n\n'))
    return { ...outputs, status: 'failed', message: msg, failed: true }
  }
  const sha = published.commit
  const link = `[\`${sha.slice(0, 7)}\`](${commitUrl(c, pull.number, sha)})`
  const run = d.run.runUrl ? ` ([run](${d.run.runUrl}))` : ''
  const replies = await replyInThreads(d.api, {
    pullNumber: pull.number,
    roots: it.feedback.threads.roots,
    body: `🔁 ${link} is the change for this thread${run}. Check it, and resolve the thread if it is addressed; reply with \`${d.inputs.trigger} <what else>\` for more.`,
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
    await tracking.finish(
      `⚠️ Stopped early because ${wip} Work so far is pushed to #${pull.number}: ${link}${answered}.`,
      details.join('\n\n'),
    )
    return {
      ...outputs,
      status: 'failed',
      message: `stopped early (${result.status}); pushed ${sha.slice(0, 7)} to #${pull.number}`,
      failed: true,
    }
  }
  await tracking.finish(`✅ Pushed ${link} to #${pull.number}${answered}.`, details.join('\n\n'))
  return {
    ...outputs,
    status: 'pr-opened',
    message: `pushed ${sha.slice(0, 7)} to PR #${pull.number}: ${pull.html_url}`,
    failed: false,
  }
}

function commitUrl(c: RunContext, pullNumber: number, sha: string): string {
  return `${c.d.run.serverUrl}/${c.d.run.repository}/pull/${pullNumber}/commits/${sha}`
}
