import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { runAgent } from '../agent/loop.js'
import { renderTranscript } from '../agent/transcript.js'
import type { AgentResult } from '../agent/types.js'
import { changedFiles, prepareBranch } from '../git/branch.js'
import { validateBranchName } from '../git/branch-name.js'
import { suspendCredentials } from '../git/credentials.js'
import { resolveModel } from '../prompt/models.js'
import { renderPrompt } from '../prompt/render.js'
import { buildSystemPrompt } from '../prompt/system.js'
import { BUNDLED_ORIGIN, loadTemplate } from '../prompt/template.js'
import { accountingLine, earlyStopReason, formatUsd } from '../report/messages.js'
import type { TrackingComment } from '../report/tracking.js'
import { parseSpec } from '../spec/phases.js'
import { resolveSpec } from '../spec/resolve.js'
import type { SpecDocument } from '../spec/types.js'
import { createTools } from '../tools/index.js'
import { gatherNotes, QUESTION_MARKER } from '../trigger/context.js'
import { validateIssueId } from '../trigger/ids.js'
import { readLabels } from '../trigger/labels.js'
import type { Trigger } from '../trigger/types.js'
import { ensurePhaseMarked, publishWork } from './publish.js'
import type { PipelineDeps, PipelineResult } from './types.js'

const SELF_LOGINS = ['github-actions[bot]']

/** One phase, start to finish: spec, branch, prompt, model, then publish (or ask, or report why not). */
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

  const prepared = await prepareBranch(d.git, { branch, base })
  await tracking.step(
    prepared.existed
      ? `Continuing on existing branch \`${branch}\``
      : `Created branch \`${branch}\` from \`${base}\``,
  )
  const before = await readSpecOnBranch(d.workspace, baseDoc)

  const { notes } = await gatherNotes(d.api, {
    issueNumber: issueNumber ?? 0,
    trigger:
      trigger.kind === 'comment'
        ? { commentId: trigger.commentId, createdAt: trigger.commentCreatedAt }
        : undefined,
    commandNotes: trigger.command.notes,
    inputNotes: trigger.kind === 'comment' ? d.inputs.notes : undefined,
    selfLogins: SELF_LOGINS,
    redactor: d.redactor,
    skipIssueComments: issueNumber === undefined,
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

  await tracking.step(
    `Running \`${model.id}\` with ${template.origin === BUNDLED_ORIGIN ? 'the bundled prompt' : `the prompt \`${template.origin}\``} (budget ${budgets.maxTurns} turns, ${formatUsd(budgets.maxCostUsd)}, ${budgets.timeoutMinutes} min)`,
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
    await restoreCredentials()
  }
  const accounting = accountingLine(result, model.id)
  d.log(`Agent finished: ${result.status} · ${accounting}`)
  const common = {
    branch,
    costUsd: result.costUsd,
    inputTokens:
      result.usage.inputTokens + result.usage.cacheReadInputTokens + result.usage.cacheCreationInputTokens,
    outputTokens: result.usage.outputTokens,
    turns: result.turns,
    summary: `${accounting}\n\n${renderTranscript(result)}`,
  }
  const requester = trigger.actor

  if (result.status === 'clarification') {
    const questions = result.questions ?? []
    const pushed = await publishWork(d, {
      branch,
      phase,
      requester,
      issueNumber,
      wip: 'it asked for clarification',
      openPr: false,
      base,
      result,
      accounting,
      baseDoc,
    })
    const body = [
      QUESTION_MARKER,
      `❓ Before implementing \`${phase.id}\`, the model needs answers:`,
      '',
      ...questions.map((q, i) => `${i + 1}. ${q}`),
      '',
      `Reply in a comment, then comment \`${d.inputs.trigger} ${phase.id}\` again. Answers from people with write access are passed to the next run.`,
    ].join('\n')
    if (issueNumber !== undefined) await d.api.createComment(issueNumber, body)
    await tracking.finish(
      `❓ Asked for clarification (questions below); no PR opened.${pushed.committed ? ` Work so far is on branch \`${branch}\`.` : ''}`,
      accounting,
    )
    return {
      ...common,
      status: 'clarification-requested',
      message: `asked ${questions.length} question(s)`,
      failed: false,
    }
  }

  const warnings: string[] = []
  let wip: string | undefined
  if (result.status === 'completed') {
    // Only work the model did counts: the action's own completion mark alone is not worth a PR.
    if ((await changedFiles(d.git)).length > 0) {
      warnings.push(...(await ensurePhaseMarked(d.workspace, before, phase.id, d.log)))
    }
  } else {
    wip = earlyStopReason(result, budgets)
  }

  const published = await publishWork(d, {
    branch,
    phase,
    requester,
    issueNumber,
    wip,
    openPr: true,
    base,
    result,
    accounting,
    baseDoc,
    warnings,
  })
  if (!published.pull) {
    const msg = wip
      ? `The run stopped early because ${wip} No files had changed, so no PR was opened.`
      : 'The model finished without changing any file, so no PR was opened.'
    await tracking.finish(
      `⚠️ ${msg}`,
      result.summary ? `Model's last words:\n\n> ${result.summary.split('\n').join('\n> ')}` : accounting,
    )
    return { ...common, status: 'failed', message: msg, failed: true }
  }
  const pr = published.pull
  const prLine = `${wip ? 'work-in-progress ' : ''}draft PR #${pr.number}: ${pr.html_url}`
  if (wip) {
    await tracking.finish(`⚠️ Stopped early because ${wip} Work so far is in the ${prLine}`, accounting)
    return {
      ...common,
      status: 'failed',
      prNumber: pr.number,
      prUrl: pr.html_url,
      message: `stopped early (${result.status}); ${prLine}`,
      failed: true,
    }
  }
  const verb = published.created ? 'Opened' : 'Updated'
  await tracking.finish(
    `✅ ${verb} ${published.draftFallback ? 'PR' : 'draft PR'} #${pr.number}: ${pr.html_url}${published.draftFallback ? ' (draft PRs are not available in this repository, so it is a normal PR marked [WIP])' : ''}`,
    `${accounting}${warnings.length ? `\n\n⚠️ ${warnings.join('\n⚠️ ')}` : ''}`,
  )
  return {
    ...common,
    status: 'pr-opened',
    prNumber: pr.number,
    prUrl: pr.html_url,
    message: `${verb.toLowerCase()} ${prLine}`,
    failed: false,
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
