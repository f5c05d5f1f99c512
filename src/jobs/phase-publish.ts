import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { AgentResult } from '../agent/types.js'
import { describeError, UserError } from '../errors.js'
import type { PullRequest } from '../github/api.js'
import {
  isFailingTitle,
  pullTitle,
  updatePullRequest,
  upsertPullRequest,
  wipTitle,
} from '../github/pull-requests.js'
import { commitAndPush } from '../pipeline/agent-run.js'
import { prBody } from '../report/messages.js'
import { planChecklist } from '../report/plan.js'
import { carryIterations } from '../review/iterations.js'
import { checkCompletion, markPhaseComplete } from '../spec/complete.js'
import { specDocument } from '../spec/cache.js'
import { findPhases } from '../spec/phases.js'
import type { Phase, SpecDocument } from '../spec/types.js'
import type { TodoItem } from '../tools/todo.js'
import { unlessAborted } from '../pipeline/cancellation.js'
import type { PipelineDeps } from '../pipeline/types.js'
import { oneLine, type Verification } from '../verify/verify.js'
import { ACTIONS_BOT } from '../discussion/thread.js'

/**
 * After a completed run: the phase must be marked complete in the spec on the branch, and no other phase may
 * have changed state. Marks it with a minimal byte edit when the model did not; returns warnings for a human.
 */
export async function ensurePhaseMarked(
  workspace: string,
  before: SpecDocument,
  id: string,
  log: (line: string) => void,
): Promise<string[]> {
  const file = path.join(workspace, before.path)
  let source: string
  try {
    source = await readFile(file, 'utf8')
  } catch {
    return [
      `The spec \`${before.path}\` is missing on the branch, so \`${id}\` could not be marked complete.`,
    ]
  }
  const after = specDocument(before.path, source)
  const check = checkCompletion(before, after, id)
  const warnings: string[] = []
  if (!check.complete) {
    if (findPhases(after, id).length === 0) {
      // The model renamed or removed it: say so, but never let this cost the work (publishing comes next).
      warnings.push(
        `\`${id}\` is no longer in \`${before.path}\` on the branch, so it was not marked complete.`,
      )
    } else {
      await writeFile(file, markPhaseComplete(after, id).source)
      log(`The model did not mark ${id} complete in ${before.path}; the action marked it.`)
    }
  }
  if (check.otherChanges.length) {
    warnings.push(
      `Other phases changed state in \`${before.path}\`: ${check.otherChanges.map((x) => `\`${x}\``).join(', ')}. Only \`${id}\` was in scope; please review.`,
    )
  }
  return warnings
}

export interface PublishRequest {
  branch: string
  base: string
  phase: Phase
  baseDoc: SpecDocument
  requester: { login: string; id?: number }
  /** The issue the PR refers to (`Refs #N`). */
  issueNumber?: number
  result: AgentResult
  accounting: string
  /** Why the run stopped early (work in progress), if it did. */
  wip?: string
  /** False for a clarification: push the work so a rerun continues, but open no PR. */
  openPr: boolean
  warnings?: string[]
  /**
   * A review iteration: the PR's own title (without `[WIP]`, which this run's ending decides) and the body given
   * (the PR's own, with this iteration's entry); the default is the phase's title and a body written from this run.
   */
  pullText?: {
    /** The PR itself: updated whatever its state, never looked up by branch (so never a second PR). */
    pull: PullRequest
    title: string
    body: (draftFallback: boolean, commit?: string) => string
  }
  /** The commit's first line after any `WIP `; the phase's id and title by default. */
  commitSubject?: string
  /** The verdict of the `verify` command on the work (a failure is in the title and the body). */
  verification?: Verification
  /** The login the action's token writes as (its tracking comment's author), when known. */
  postedAs?: string
  /** The model's last plan, for the `## Plan` of a body written from this run (a `pullText` body has its own). */
  plan?: TodoItem[]
}

export interface Published {
  committed: boolean
  /** The commit pushed, when there was one. */
  commit?: string
  pull?: PullRequest
  created: boolean
  draftFallback: boolean
  /** The runner's second signal came while the PR was being opened or updated: whether it was, is unknown. */
  unconfirmed?: boolean
}

/**
 * Commits whatever changed as github-actions[bot], pushes only `origin <branch>`, and opens or updates the PR.
 * With nothing new to commit, an open PR for the branch is still brought up to date (a rerun that only
 * verified earlier work must not leave a stale "work in progress" PR behind); with no PR either, nothing.
 */
export async function publishWork(d: PipelineDeps, r: PublishRequest): Promise<Published> {
  const commit = await commitAndPush(d, {
    branch: r.branch,
    message: commitMessage(d, r),
    coAuthor: r.requester,
    // The runner's signals shorten the push's retries and stop it (pushBranch decides how).
    push: d.cancellation ? { cancellation: d.cancellation } : undefined,
  })
  const committed = commit !== undefined
  // A second signal from the runner: the push above is what keeps the work; a PR is not worth the SIGKILL.
  const hurry = d.cancellation?.hurry
  // Nothing new from a cancelled run: an open PR of an earlier run stays as it is.
  const cancelled = d.cancellation?.signal.aborted && !committed
  if (!r.openPr || hurry?.aborted || cancelled)
    return { committed, commit, created: false, draftFallback: false }
  if (!committed && !r.pullText && !(await d.api.findOpenPull(r.branch)))
    return { committed, commit, created: false, draftFallback: false }
  const title = r.pullText?.title ?? `${r.phase.id}: ${r.phase.title}`
  let actionsToken = r.postedAs === ACTIONS_BOT
  const written = (draftFallback: boolean): string =>
    prBody({
      issueId: r.phase.id,
      phaseTitle: r.phase.title,
      specPath: r.baseDoc.path,
      specUrl: `${d.run.serverUrl}/${d.run.repository}/blob/${r.branch}/${r.baseDoc.path}`,
      issueNumber: r.issueNumber,
      branch: r.branch,
      summary: r.result.summary,
      accounting: r.accounting,
      runUrl: d.run.runUrl,
      wip: r.wip,
      warnings: r.warnings ?? [],
      draftFallback,
      blockedNetwork: d.sandbox.blocked?.() ?? [],
      unsandboxed: d.inputs.sandbox === 'off',
      trigger: d.inputs.trigger,
      writtenAt: new Date().toISOString(),
      verification: r.verification,
      actionsToken,
      plan: r.plan?.length ? planChecklist(r.plan, (text) => d.redactor.redact(text)) : undefined,
    })
  const bodyFor = (draftFallback: boolean): string =>
    r.pullText ? r.pullText.body(draftFallback, commit) : written(draftFallback)
  const request = {
    branch: r.branch,
    base: r.base,
    title: pullTitle(title, { unfinished: Boolean(r.wip), failing: failing(r) }),
    // A rerun from the issue rewrites the body, keeping the PR's review iterations.
    body: (existing?: PullRequest) =>
      r.pullText ? bodyFor(false) : carryIterations(bodyFor(false), existing?.body, r.issueNumber),
    draft: d.inputs.draft,
  }
  const upsert = (
    r.pullText ? updatePullRequest(d.api, r.pullText.pull, request) : upsertPullRequest(d.api, request)
  ).catch((err: unknown) => {
    // The work is safe on the branch; say where, with what went wrong and (for a UserError) what to do.
    throw new UserError(
      `The work is on branch \`${r.branch}\`, but the pull request could not be opened: ${describeError(err)}`,
      `Fix that, then comment the command again (it continues on the branch), or open the PR from \`${r.branch}\` by hand.`,
    )
  })
  const up = hurry ? await unlessAborted(upsert, hurry) : await upsert
  if (!up) return { committed, commit, created: false, draftFallback: false, unconfirmed: true }
  d.recordState?.('pr', up.pull.html_url)
  // Without a tracking comment (a dispatch run without an issue) the PR's author says which token wrote.
  const unsaid = !r.pullText && r.postedAs === undefined && up.pull.author === ACTIONS_BOT
  if (unsaid) actionsToken = true
  if (up.draftFallback || unsaid) {
    // Say so in the PR itself: a normal PR where a draft was asked for is worth a line, and so is CI that
    // will not run on it.
    const fallback = up.draftFallback
    up.pull = await d.api.updatePull(up.pull.number, {
      title: up.pull.title ?? wipTitle(title),
      body: r.pullText ? bodyFor(fallback) : carryIterations(bodyFor(fallback), up.pull.body, r.issueNumber),
    })
  }
  return { committed, commit, pull: up.pull, created: up.created, draftFallback: up.draftFallback }
}

/**
 * Whether the work fails its checks: this run's verdict when it had a `verify` command; without one, a PR's
 * title keeps saying what the last verdict said (nothing has checked the work since).
 */
function failing(r: PublishRequest): boolean {
  if (r.verification?.command) return r.verification.status === 'failed'
  return r.pullText ? isFailingTitle(r.pullText.pull.title) : false
}

/** The commit of a phase: `[WIP ]<id>: <title>`, why it stopped early, the model's first paragraph, the run. */
function commitMessage(d: PipelineDeps, r: PublishRequest): string {
  const firstParagraph = r.result.summary.trim().split(/\n\s*\n/)[0] ?? ''
  return [
    `${r.wip ? 'WIP ' : ''}${r.commitSubject ?? `${r.phase.id}: ${r.phase.title}`}`,
    '',
    ...(r.wip ? [`Work in progress: the run stopped early because ${r.wip}`, ''] : []),
    ...(r.verification?.status === 'failed' && r.verification.command
      ? [`Checks failing: \`${oneLine(r.verification.command)}\` did not pass on this work.`, '']
      : []),
    ...(firstParagraph ? [firstParagraph, ''] : []),
    `Implemented by implement-action${d.run.runUrl ? ` (${d.run.runUrl})` : ''}.`,
  ].join('\n')
}
