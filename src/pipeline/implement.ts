import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { runAgent } from '../agent/loop.js'
import type { AgentResult } from '../agent/types.js'
import { prepareBranch } from '../git/branch.js'
import type { IssueComment } from '../github/api.js'
import { validateBranchName } from '../git/branch-name.js'
import { suspendCredentials } from '../git/credentials.js'
import { resolveModel } from '../prompt/models.js'
import { renderPrompt } from '../prompt/render.js'
import { buildSystemPrompt } from '../prompt/system.js'
import { BUNDLED_ORIGIN, loadTemplate } from '../prompt/template.js'
import { formatUsd } from '../report/messages.js'
import type { TrackingComment } from '../report/tracking.js'
import { parseSpec } from '../spec/phases.js'
import { resolveSpec } from '../spec/resolve.js'
import type { SpecDocument } from '../spec/types.js'
import { isolationStatus, stopStrayToolProcesses } from '../tools/bash.js'
import { createTools } from '../tools/index.js'
import { gatherNotes } from '../trigger/context.js'
import { validateIssueId } from '../trigger/ids.js'
import { readLabels } from '../trigger/labels.js'
import type { Trigger } from '../trigger/types.js'
import { finishRun, type RunContext } from './outcome.js'
import type { PipelineDeps, PipelineResult } from './types.js'

const SELF_LOGINS = ['github-actions[bot]']

/** One phase, start to finish: spec, branch, prompt, model, then the outcome (PR, question, or why not). */
export async function implementPhase(
  d: PipelineDeps,
  trigger: Exclude<Trigger, { kind: 'skip' }>,
  requestedId: string,
  tracking: TrackingComment,
): Promise<PipelineResult> {
  validateIssueId(requestedId)
  const issueNumber = trigger.issueNumber
  const issue = issueNumber === undefined ? undefined : await d.api.getIssue(issueNumber)
  const labels = readLabels(issue?.labels ?? [])

  // Everything that steers the model is read from the base checkout, before the branch (which earlier model
  // runs wrote) is checked out.
  const base = d.inputs.baseBranch ?? (await d.api.getDefaultBranch())
  const requested = trigger.command.specArg
    ? { value: trigger.command.specArg, source: 'command' as const }
    : labels.spec
      ? { value: labels.spec, source: 'label' as const }
      : d.inputs.specName
        ? { value: d.inputs.specName, source: 'input' as const }
        : undefined
  const { doc: baseDoc, phase } = await resolveSpec(d.workspace, { requested, issueId: requestedId })
  const template = await loadTemplate(d.workspace, d.inputs.template)
  const model = resolveModel({
    input: d.inputs.model,
    label: labels.model,
    frontmatter: template.frontmatter.model,
  })
  const branch = validateBranchName(phase.id)
  const specLink = `[\`${baseDoc.path}\`](${d.run.serverUrl}/${d.run.repository}/blob/${base}/${baseDoc.path})`

  if (phase.complete) {
    const msg = `Phase \`${phase.id}\` is already marked complete in ${specLink}; nothing to do.`
    await tracking.finish(`✅ ${msg}`, 'To redo it, untick it in the spec first.')
    return { status: 'skipped', branch, message: msg, failed: false }
  }
  await tracking.step(`Phase \`${phase.id}\`: ${phase.title} — spec ${specLink}`)

  // Listed once: the origin of a fan-out run and the earlier discussion both come from these.
  const comments = issueNumber === undefined ? [] : await d.api.listComments(issueNumber)
  const origin = originComment(trigger, comments)
  const prepared = await prepareBranch(d.git, { branch, base })
  await tracking.step(
    prepared.existed
      ? `Continuing on existing branch \`${branch}\``
      : `Created branch \`${branch}\` from \`${base}\``,
  )
  const before = await readSpecOnBranch(d.workspace, baseDoc)

  const { notes } = await gatherNotes(d.api, {
    issueNumber: issueNumber ?? 0,
    trigger: origin.cutoff,
    commandNotes: trigger.command.notes,
    inputNotes: trigger.kind === 'comment' ? d.inputs.notes : undefined,
    selfLogins: SELF_LOGINS,
    redactor: d.redactor,
    skipIssueComments: issueNumber === undefined,
    comments,
  })
  const budgets = {
    maxTurns: d.inputs.maxTurns,
    maxCostUsd: d.inputs.maxCostUsd,
    timeoutMinutes: d.inputs.timeoutMinutes,
  }
  const tools = createTools()
  const prompt = renderPrompt(template, { specName: baseDoc.path, issueId: phase.id, notes })
  const system = buildSystemPrompt({
    repoRoot: d.workspace,
    branch,
    baseBranch: base,
    specPath: baseDoc.path,
    issueId: phase.id,
    phaseTitle: phase.title,
    budgets,
    toolNames: tools.map((t) => t.name),
  })

  const prompted =
    template.origin === BUNDLED_ORIGIN ? 'the bundled prompt' : `the prompt \`${template.origin}\``
  await tracking.step(
    `Running \`${model.id}\` with ${prompted} (budget ${budgets.maxTurns} turns, ${formatUsd(budgets.maxCostUsd)}, ${budgets.timeoutMinutes} min)`,
  )
  const isolation = await isolationStatus()
  d.log(
    isolation.isolated
      ? 'Shell commands run in their own user, PID and mount namespaces.'
      : `Shell commands are NOT isolated from the action's processes: ${isolation.reason ?? 'unknown reason'}`,
  )
  const restoreCredentials = await suspendCredentials(d.git)
  let result: AgentResult
  try {
    result = await runAgent({
      client: d.model(),
      model,
      system,
      prompt,
      tools,
      ctx: { workspace: d.workspace, env: d.toolEnv },
      budgets: {
        maxTurns: budgets.maxTurns,
        maxCostUsd: budgets.maxCostUsd,
        timeoutMs: budgets.timeoutMinutes * 60_000,
      },
      redactor: d.redactor,
      log: d.log,
    })
  } finally {
    // Nothing the model started may outlive the run and see the credential come back.
    const stopped = await stopStrayToolProcesses()
    if (stopped) d.log(`Stopped ${stopped} background process(es) the model left running.`)
    await restoreCredentials()
  }

  const context: RunContext = {
    d,
    tracking,
    phase,
    baseDoc,
    before,
    branch,
    base,
    branchExisted: prepared.existed,
    issueNumber,
    requester: origin.requester,
    budgets,
    modelId: model.id,
  }
  return finishRun(context, result)
}

/**
 * Where the command came from: a comment (its time is the cutoff for earlier comments; its author is the
 * requester), or a dispatch, which may name the comment it fanned out from (`comment-id`).
 */
function originComment(
  trigger: Exclude<Trigger, { kind: 'skip' }>,
  comments: IssueComment[],
): { cutoff?: { commentId: number; createdAt: string }; requester: { login: string; id?: number } } {
  if (trigger.kind === 'comment') {
    return {
      cutoff: { commentId: trigger.commentId, createdAt: trigger.commentCreatedAt },
      requester: trigger.actor,
    }
  }
  const comment =
    trigger.commentId === undefined ? undefined : comments.find((c) => c.id === trigger.commentId)
  if (!comment) return { requester: trigger.actor }
  return {
    cutoff: { commentId: comment.id, createdAt: comment.created_at },
    requester: { login: comment.user.login },
  }
}

/** The spec as it stands on the branch (a rerun may have changed it); the base's copy when the branch lost it. */
async function readSpecOnBranch(workspace: string, baseDoc: SpecDocument): Promise<SpecDocument> {
  try {
    return parseSpec(baseDoc.path, await readFile(path.join(workspace, baseDoc.path), 'utf8'))
  } catch {
    return baseDoc
  }
}
