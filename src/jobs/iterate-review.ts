/**
 * The review iteration job: `/implement` on a phase's pull request (in its conversation, a review, or a review
 * comment). The draft PR was the pause for a human to test; this resumes from it: the feedback goes to the model,
 * the fix is pushed to the same branch, each review thread it addressed gets a reply, and the PR body and the
 * issue say so. Refused, with a reply and no model call, for a fork, a closed PR, or a branch that is no phase.
 */
import { issueThread, type IssueThread } from '../discussion/thread.js'
import { describeError, UserError } from '../errors.js'
import { checkoutBase, prepareBranch } from '../git/branch.js'
import { prepareModel } from '../pipeline/agent-run.js'
import type { PipelineDeps, PipelineResult } from '../pipeline/types.js'
import type { TrackingComment } from '../report/tracking.js'
import { gatherFeedback, type Feedback, type PullCommand } from '../review/feedback.js'
import { checkTarget, type IterationTarget } from '../review/target.js'
import { findPhases } from '../spec/phases.js'
import { planPhase, readSpecOnBranch, runPhaseAgent, type PhasePlan } from './implement-phase.js'
import { finishIteration } from './iteration-outcome.js'

/** One review iteration, start to finish. */
export async function iterateReview(
  d: PipelineDeps,
  trigger: PullCommand,
  tracking: TrackingComment,
  /** The PR's conversation and the action's logins (see discussion/thread.ts). */
  thread?: IssueThread,
): Promise<PipelineResult> {
  const conversation = thread ?? issueThread(d.api, trigger.pullNumber)
  const pull = await d.api.getPull(trigger.pullNumber)
  tracking.step(`Review iteration on #${pull.number} (\`${pull.head}\`)`)
  // The first milestone's comment also tells who the action posts as, where a review left nothing to react to:
  // the one wait for GitHub's answer to a milestone, for a fact the target check needs.
  const author = await tracking.postedAs()
  const selfLogins = [...conversation.selfLogins, ...(author ? [author.toLowerCase()] : [])]
  const checked = checkTarget(pull, {
    body: trigger.body,
    trigger: d.inputs.trigger,
    selfLogins,
    base: d.inputs.baseBranch ?? (await d.api.getDefaultBranch()),
  })
  if (!checked.ok) return refuse(tracking, trigger, checked.reason)
  const target = checked.target
  const outputs = { prNumber: pull.number, prUrl: pull.html_url }
  // The spec and the prompt come from the PR's base as origin has it, whatever the workflow checked out.
  await checkoutBase(d.git, pull.base)
  const plan = await planIteration(d, target)
  if (typeof plan === 'string') return refuse(tracking, trigger, plan)
  if (plan.branch !== pull.head) {
    // The push goes to the phase's branch: it must be this PR's head exactly (`issue-2` is another branch).
    return refuse(
      tracking,
      trigger,
      `the head branch of #${pull.number} is \`${pull.head}\`, but phase \`${plan.phase.id}\`'s branch is \`${plan.branch}\`. ` +
        `Comment \`${d.inputs.trigger} ${plan.phase.id}\` on its issue to work on \`${plan.branch}\`.`,
    )
  }
  if (plan.phase.complete) {
    const msg = `Phase \`${plan.phase.id}\` is already marked complete on \`${plan.base}\` in ${plan.specLink}; nothing to iterate on.`
    await tracking.finish(`✅ ${msg}`)
    return { ...outputs, status: 'skipped', branch: plan.branch, message: msg, failed: false }
  }
  await prepareModel(d)
  tracking.step(`Phase \`${plan.phase.id}\`: ${plan.phase.title} — spec ${plan.specLink}`)
  const prepared = await prepareBranch(d.git, { branch: plan.branch, base: plan.base })
  if (!prepared.existed) {
    // prepareBranch made a fresh branch from the base: the PR's branch is gone from origin.
    throw new UserError(
      `The branch \`${plan.branch}\` of #${pull.number} is no longer on origin, so there is nothing to continue.`,
      `Restore the branch, or comment \`${d.inputs.trigger} ${plan.phase.id}\` on the issue to start the phase again.`,
    )
  }
  d.recordState?.('branch', plan.branch)
  tracking.step(`Continuing on branch \`${plan.branch}\` (${prepared.headSha.slice(0, 7)})`)
  const before = await readSpecOnBranch(d.workspace, plan.baseDoc)
  const feedback = await gatherFeedback(d, {
    target,
    trigger,
    thread: conversation,
    selfLogins,
    base: plan.base,
    unfinished: !findPhases(before, plan.phase.id).some((p) => p.complete),
    ownCheck: d.run.job,
  })
  if (feedback.empty) return { ...outputs, ...(await nothingToAddress(d, tracking, trigger, plan, feedback)) }
  tracking.step(feedbackLine(feedback))
  const { run, budgets } = await runPhaseAgent(d, plan, feedback.notes, tracking, { pullNumber: pull.number })
  return finishIteration(
    {
      d,
      tracking,
      phase: plan.phase,
      baseDoc: plan.baseDoc,
      before,
      branch: plan.branch,
      base: plan.base,
      branchExisted: true,
      // Questions go on the PR; the PR body keeps referring to the issue (target.issueNumber).
      issueNumber: pull.number,
      requester: trigger.actor,
      budgets,
      pullNumber: pull.number,
    },
    run,
    { target, feedback, trigger },
  )
}

/**
 * The phase of the PR's head branch, read from the base; for a PR the action did not open, a head branch that no
 * spec defines is a refusal (the reason), not a failure.
 */
async function planIteration(d: PipelineDeps, target: IterationTarget): Promise<PhasePlan | string> {
  // A provider setting that is missing is the workflow's to fix, never a refusal of this PR.
  d.provider()
  try {
    return await planPhase(d, {
      requestedId: target.id,
      // The labels (`spec:`, `model:`) of the issue the PR refers to, else the PR's own.
      labelsFrom: target.issueNumber ?? target.pull.number,
      specArg: target.command.specArg,
      base: target.pull.base,
    })
  } catch (err) {
    if (target.openedByAction || !(err instanceof UserError)) throw err
    return (
      `the head branch of #${target.pull.number}, \`${target.id}\`, is not a phase of a spec (${describeError(err)}), ` +
      'and the action did not open this PR. `/implement` on a pull request continues a phase on its branch.'
    )
  }
}

/** A refusal before any model call: said on the PR, the job green (nothing failed, nothing ran). */
async function refuse(
  tracking: TrackingComment,
  trigger: PullCommand,
  reason: string,
): Promise<PipelineResult> {
  await tracking.finish(`🚫 @${trigger.actor.login}: ${reason}`)
  return { status: 'skipped', message: reason, failed: false }
}

async function nothingToAddress(
  d: PipelineDeps,
  tracking: TrackingComment,
  trigger: PullCommand,
  plan: PhasePlan,
  feedback: Feedback,
): Promise<PipelineResult> {
  const n = trigger.pullNumber
  const t = feedback.threads
  const what =
    trigger.source === 'comment'
      ? 'no unresolved review thread with something new since the action last answered it, no new comment from people with write access, no notes'
      : trigger.source === 'review'
        ? 'the review has no text beyond the command and no line comment'
        : 'its review thread has nothing from people with write access'
  const msg = `Nothing to address on #${n}: ${what}, and no failing check; the model was not run.`
  const notes = [
    t.answered
      ? `${t.answered} review thread(s) were answered after this command by a run queued before it.`
      : '',
    t.waiting
      ? `${t.waiting} review thread(s) the action answered earlier wait for a reviewer to reply or resolve them.`
      : '',
  ].filter(Boolean)
  await tracking.finish(
    `💤 ${msg}`,
    [
      ...notes,
      `To ask for a change, comment \`${d.inputs.trigger} <what to change>\` on the PR, or reply in a review thread with \`${d.inputs.trigger}\`.`,
      ...feedback.warnings.map((w) => `⚠️ ${w}`),
    ].join('\n\n'),
  )
  return { status: 'skipped', branch: plan.branch, message: msg, failed: false }
}

/** The milestone that says what the model is given. */
function feedbackLine(f: Feedback): string {
  const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`
  const failing = f.checks.names.map((name) => `\`${name}\``).join(', ')
  return [
    `Feedback: ${count(f.threads.roots.length, 'review thread')}, ${count(f.comments, 'new comment')}`,
    f.checks.failing.length ? `, ${count(f.checks.failing.length, 'failing check')} (${failing})` : '',
    f.threads.dropped ? ` (${count(f.threads.dropped, 'more thread')} left out: over the size limit)` : '',
    ...f.warnings.map((w) => `\n⚠️ ${w}`),
  ].join('')
}
