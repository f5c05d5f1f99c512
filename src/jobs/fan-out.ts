import { UserError } from '../errors.js'
import { workflowFileFromRef } from '../report/run-info.js'
import type { TrackingComment } from '../report/tracking.js'
import { validateIssueId } from '../trigger/ids.js'
import type { PhaseCommand } from '../trigger/types.js'
import type { PipelineDeps, PipelineResult } from '../pipeline/types.js'

/** More than this many ids in one command is almost surely a mistake (and a bill). */
export const MAX_FAN_OUT = 10

/**
 * `/implement ISSUE-3 ISSUE-4`: one workflow_dispatch run per id, so GitHub Actions runs them side by side
 * (each on its own branch; the example workflow's concurrency group keeps two runs of one id from racing).
 */
export async function fanOut(
  d: PipelineDeps,
  trigger: PhaseCommand,
  tracking: TrackingComment,
): Promise<PipelineResult> {
  const ids = trigger.command.issueIds.map(validateIssueId)
  if (ids.length > MAX_FAN_OUT) {
    throw new UserError(
      `One command can start at most ${MAX_FAN_OUT} runs; this one names ${ids.length} ids.`,
      'Split the ids over several commands.',
    )
  }
  const workflow = d.inputs.workflowFile ?? workflowFileFromRef(d.run.workflowRef)
  if (!workflow) {
    throw new UserError(
      'Cannot start one run per id: the workflow file is unknown.',
      'Set the `workflow-file` input to the workflow that runs this action (for example `implement.yml`).',
    )
  }
  const ref = d.inputs.baseBranch ?? (await d.api.getDefaultBranch())
  const started: string[] = []
  for (const id of ids) {
    // Cancelled: the runs already started go on; no more are started.
    if (d.cancellation?.signal.aborted) break
    await d.api.dispatchWorkflow(workflow, ref, {
      // Only the command's own spec argument: the dispatched run resolves labels and inputs itself, in order.
      'spec-name': trigger.command.specArg ?? '',
      'issue-id': id,
      notes: trigger.command.notes,
      'issue-number': trigger.issueNumber === undefined ? '' : String(trigger.issueNumber),
      // The command comment: the run takes its requester and its cutoff for earlier comments from it.
      'comment-id': trigger.kind === 'comment' ? String(trigger.commentId) : '',
    })
    started.push(id)
    d.log(`Dispatched ${workflow} for ${id}`)
  }
  const list = started.map((id) => `\`${id}\``).join(', ')
  const skipped = ids.slice(started.length)
  if (skipped.length) {
    const msg = `cancelled before starting runs for ${skipped.map((id) => `\`${id}\``).join(', ')}`
    await tracking.finish(
      `🛑 **Cancelled.** ${started.length ? `Started runs for ${list}; ` : ''}${msg}.`,
      'Comment the command again with the ids still to do.',
    )
    return { status: 'cancelled', message: msg, failed: true }
  }
  await tracking.finish(
    `🚀 Started one run per id: ${list}. Each reports on this issue when its draft PR is ready.`,
    `Runs: ${d.run.serverUrl}/${d.run.repository}/actions/workflows/${workflow}`,
  )
  return {
    status: 'skipped',
    message: `dispatched ${started.length} runs: ${started.join(', ')}`,
    failed: false,
  }
}
