/**
 * The implement job: one phase of a spec, start to finish. It decides what the agent is asked (the phase, the
 * prompt, the discussion) and what its result means (a question, a PR, or why not); the agent run itself is
 * pipeline/agent-run.ts.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { gatherNotes } from '../discussion/notes.js'
import { ACTIONS_BOT, issueThread, type IssueThread } from '../discussion/thread.js'
import { validateBranchName } from '../git/branch-name.js'
import { prepareBranch } from '../git/branch.js'
import type { IssueComment } from '../github/api.js'
import { loadMcpServers, mcpToolPattern } from '../mcp/index.js'
import { prepareModel, runAgentOnBranch, type AgentRun } from '../pipeline/agent-run.js'
import type { Budgets, PipelineDeps, PipelineResult } from '../pipeline/types.js'
import { renderPrompt } from '../prompt/render.js'
import { instructionNames, instructionsSection, readInstructions } from '../prompt/instructions.js'
import { buildSystemPrompt } from '../prompt/system.js'
import { BUNDLED_ORIGIN, loadTemplate } from '../prompt/template.js'
import { resolveModel } from '../providers/models.js'
import { formatUsd, inlineCode } from '../report/format.js'
import type { TrackingComment } from '../report/tracking.js'
import { specDocument } from '../spec/cache.js'
import { resolveSpec } from '../spec/resolve.js'
import type { SpecDocument } from '../spec/types.js'
import { createTools } from '../tools/index.js'
import type { TodoItem } from '../tools/todo.js'
import { validateIssueId } from '../trigger/ids.js'
import { readLabels } from '../trigger/labels.js'
import type { PhaseCommand } from '../trigger/types.js'
import { oneLine } from '../verify/verify.js'
import { finishRun } from './phase-outcome.js'

/** One phase, start to finish: spec, branch, prompt, model, then the outcome (PR, question, or why not). */
export async function implementPhase(
  d: PipelineDeps,
  trigger: PhaseCommand,
  requestedId: string,
  tracking: TrackingComment,
  /** The issue's discussion, when the run reads it for several purposes (see discussion/thread.ts). */
  thread?: IssueThread,
): Promise<PipelineResult> {
  const plan = await planPhase(d, {
    requestedId,
    labelsFrom: trigger.issueNumber,
    specArg: trigger.command.specArg,
  })
  const { phase, baseDoc, branch, base } = plan
  if (phase.complete) {
    const msg = `Phase \`${phase.id}\` is already marked complete in ${plan.specLink}; nothing to do.`
    await tracking.finish(`✅ ${msg}`, 'To redo it, untick it in the spec first.')
    return { status: 'skipped', branch, message: msg, failed: false }
  }
  await prepareModel(d)
  tracking.step(`Phase \`${phase.id}\`: ${phase.title} — spec ${plan.specLink}`)

  // Listed once: the origin of a fan-out run and the earlier discussion both come from these.
  const issueNumber = trigger.issueNumber
  const discussion = thread ?? (issueNumber === undefined ? undefined : issueThread(d.api, issueNumber))
  const comments = discussion ? await discussion.comments() : []
  const origin = originComment(trigger, comments)
  const prepared = await prepareBranch(d.git, { branch, base })
  d.recordState?.('branch', branch)
  tracking.step(
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
    selfLogins: discussion?.selfLogins ?? [ACTIONS_BOT],
    redactor: d.redactor,
    skipIssueComments: issueNumber === undefined,
    comments,
    permissionOf: discussion?.permissionOf,
  })

  const { run, budgets } = await runPhaseAgent(d, plan, notes, tracking)
  return finishRun(
    {
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
    },
    run,
  )
}

/**
 * The agent on the prepared branch of the phase: the template rendered with the notes, the system prompt, the
 * budgets from the inputs; the milestone says which model and prompt. `iteration`: the PR a review iteration is on.
 */
export async function runPhaseAgent(
  d: PipelineDeps,
  plan: PhasePlan,
  notes: string,
  tracking: TrackingComment,
  iteration?: { pullNumber: number },
): Promise<{ run: AgentRun; budgets: Budgets }> {
  const { phase, baseDoc } = plan
  const budgets: Budgets = {
    maxTurns: d.inputs.maxTurns,
    maxCostUsd: d.inputs.maxCostUsd,
    timeoutMinutes: d.inputs.timeoutMinutes,
  }
  // The plan shows in the tracking comment as the model writes it; the last one goes with the run, for the body
  // of a first run's PR (a review iteration leaves the body's plan as the first run wrote it).
  let latestPlan: TodoItem[] | undefined
  const tools = createTools({
    onPlan: (items) => {
      latestPlan = items
      tracking.plan(items)
    },
  })
  const prompt = renderPrompt(plan.template, { specName: baseDoc.path, issueId: phase.id, notes })
  const system = buildSystemPrompt({
    repoRoot: d.workspace,
    branch: plan.branch,
    baseBranch: plan.base,
    specPath: baseDoc.path,
    issueId: phase.id,
    phaseTitle: phase.title,
    budgets,
    toolNames: [...tools.map((t) => t.name), ...plan.mcp.map((s) => mcpToolPattern(s.name))],
    iteration,
    verify: d.inputs.verify,
    instructions: instructionsSection(plan.instructions.files),
  })
  tracking.step(runningLine(d, plan, budgets))
  const verify = d.inputs.verify
    ? { command: d.inputs.verify, maxSendBacks: d.inputs.verifyAttempts }
    : undefined
  const run = await runAgentOnBranch(d, {
    model: plan.model,
    prompt,
    system,
    tools,
    budgets,
    verify,
    mcp: plan.mcp,
  })
  return { run: { ...run, plan: latestPlan }, budgets }
}

/** The milestone of the model's start: model, prompt, instructions, verification and budgets. */
function runningLine(d: PipelineDeps, plan: PhasePlan, budgets: Budgets): string {
  const prompted =
    plan.template.origin === BUNDLED_ORIGIN ? 'the bundled prompt' : `the prompt \`${plan.template.origin}\``
  const { files, skipped } = plan.instructions
  const instructions = files.length
    ? ` and the repository's instructions from ${instructionNames(files)}`
    : ''
  const verify = d.inputs.verify ? `; verification: ${inlineCode(oneLine(d.inputs.verify))}` : ''
  const mcp = plan.mcp.length ? `; MCP servers: ${plan.mcp.map((s) => `\`${s.name}\``).join(', ')}` : ''
  const notes = skipped.length ? ` (${skipped.join(' ')})` : ''
  const { thinking, effort } = d.inputs
  const tuned = [thinking && `thinking ${thinking}`, effort && `effort ${effort}`].filter(Boolean).join(', ')
  return `Running \`${plan.model.id}\` with ${prompted}${instructions}${notes}${verify}${mcp}${tuned ? ` (${tuned})` : ''} (budget ${budgets.maxTurns} turns, ${formatUsd(budgets.maxCostUsd)}, ${budgets.timeoutMinutes} min)`
}

/** What a phase job is about: the phase id, where its labels are, the spec named in the command. */
export interface PhaseRequest {
  requestedId: string
  /** The issue whose `spec:` / `model:` labels apply (none: no labels). */
  labelsFrom?: number
  specArg?: string
  /** The base branch (a pull request's own); the `base-branch` input or the default branch when unset. */
  base?: string
}

/**
 * What the phase job will do, read from the base checkout before the branch (which earlier model runs wrote)
 * is checked out: the spec and phase, the template, the model, the branch, the MCP servers.
 */
export async function planPhase(d: PipelineDeps, r: PhaseRequest) {
  validateIssueId(r.requestedId)
  const issue = r.labelsFrom === undefined ? undefined : await d.api.getIssue(r.labelsFrom)
  const labels = readLabels(issue?.labels ?? [])
  const base = r.base ?? d.inputs.baseBranch ?? (await d.api.getDefaultBranch())
  const requested = r.specArg
    ? { value: r.specArg, source: 'command' as const }
    : labels.spec
      ? { value: labels.spec, source: 'label' as const }
      : d.inputs.specName
        ? { value: d.inputs.specName, source: 'input' as const }
        : undefined
  const { doc: baseDoc, phase } = await resolveSpec(d.workspace, { requested, issueId: r.requestedId })
  const template = await loadTemplate(d.workspace, d.inputs.template)
  // From the base checkout, like the spec and the template: never what a model wrote on the branch.
  const instructions = await readInstructions(d.workspace)
  const mcp = await loadMcpServers(d.workspace, d.inputs.mcpConfig, {
    env: d.env ?? {},
    holdsSecret: (value) => d.redactor.holds(value),
  })
  // Aliases map to the provider's own model ids and prices.
  const model = resolveModel(
    { input: d.inputs.model, label: labels.model, frontmatter: template.frontmatter.model },
    (aliasOrId) => d.provider().model(aliasOrId),
  )
  const branch = validateBranchName(phase.id)
  const specLink = `[\`${baseDoc.path}\`](${d.run.serverUrl}/${d.run.repository}/blob/${base}/${baseDoc.path})`
  return { base, baseDoc, phase, template, model, branch, specLink, instructions, mcp }
}

export type PhasePlan = Awaited<ReturnType<typeof planPhase>>

/**
 * Where the command came from: a comment (its time is the cutoff for earlier comments; its author is the
 * requester), or a dispatch, which may name the comment it fanned out from (`comment-id`).
 */
function originComment(
  trigger: PhaseCommand,
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
export async function readSpecOnBranch(workspace: string, baseDoc: SpecDocument): Promise<SpecDocument> {
  try {
    return specDocument(baseDoc.path, await readFile(path.join(workspace, baseDoc.path), 'utf8'))
  } catch {
    return baseDoc
  }
}
