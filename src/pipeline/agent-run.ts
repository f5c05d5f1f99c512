/**
 * One agent on a prepared branch, the core every job shares. `runAgentOnBranch`: the sandbox's status in the
 * log, the checkout's credential out of reach for the run, the MCP servers started in the sandbox (their tools
 * join the job's), the agent loop over a toolset, the tools closed (the servers with them) and every process the
 * model left behind stopped before the git metadata and then the credential are put back (src/git/guard.ts).
 * `commitAndPush`, when the job has decided what the result means: the commit and the push of whatever changed.
 * A job decides what the agent is asked (prompt, tools, budgets) and what its result means; it never wires
 * these steps itself.
 */
import { runAgent } from '../agent/loop.js'
import type { AgentResult } from '../agent/types.js'
import { emptyUsage } from '../agent/usage.js'
import { changedFiles, commitAll } from '../git/branch.js'
import { PushError, pushBranch, type PushOptions } from '../git/push.js'
import { withPushAuth } from '../git/credentials.js'
import { guardGitForRun } from '../git/guard.js'
import { startMcpTools, type McpServerConfig } from '../mcp/index.js'
import { thinkingSettings } from '../providers/models.js'
import type { ModelInfo } from '../providers/types.js'
import { UserError } from '../errors.js'
import { accountingLine } from '../report/messages.js'
import { createToolset } from '../tools/toolset.js'
import type { TodoItem } from '../tools/todo.js'
import type { Tool } from '../tools/types.js'
import type { Budgets, PipelineDeps } from './types.js'
import { unlessAborted } from './cancellation.js'
import { keepUnpushedWork } from './unpushed-work.js'
import { Verifier, type Verification } from '../verify/verify.js'

export interface AgentRunRequest {
  model: ModelInfo
  system: string
  prompt: string
  tools: Tool[]
  budgets: Budgets
  /** The repository's check, run each time the model ends its turn (`verify`, `verify-attempts`). */
  verify?: { command: string; maxSendBacks: number }
  /** MCP servers started in the sandbox before the model, their tools added to `tools`. */
  mcp?: McpServerConfig[]
}

export interface AgentRun {
  result: AgentResult
  /** One line of cost, turns, tokens, cache share and duration. */
  accounting: string
  /** The verdict of the `verify` command on the final work (`not-run` without one). */
  verification: Verification
  /** What could not be put back after the run (a credentials file, say), for a human to see. */
  warnings?: string[]
  /** The model's plan as it last wrote it (TodoWrite); undefined when it wrote none. */
  plan?: TodoItem[]
}

/**
 * Runs the agent in the workspace, on whatever branch is checked out. Never leaves the credential suspended,
 * the tools open, or a process of the model's running, whatever happens inside.
 */
export async function runAgentOnBranch(d: PipelineDeps, r: AgentRunRequest): Promise<AgentRun> {
  if (!(await requireSandbox(d))) return notStarted(d, r)
  const provider = d.provider()
  // The credential out of the repository and the git metadata recorded, until the model and its processes are gone.
  const restoreGit = await guardGitForRun(d.git, d.log, { copyTo: d.credentialCopy })
  const log = (line: string): void => d.log(d.redactor.redact(line))
  let tools = createToolset(r.tools, log)
  const verifier = r.verify && verifierFor(d, r.verify)
  const thinking = thinkingSettings(
    r.model,
    { thinking: d.inputs.thinking, effort: d.inputs.effort },
    provider.maxOutputTokens(r.model.id),
  )
  // A setting not honoured as asked is worth a warning on the run.
  for (const note of thinking.notes) (d.warn ?? d.log)(note)
  const signal = d.cancellation?.signal
  let result: AgentResult | undefined
  let warnings: string[]
  try {
    // In the sandbox, with the credential already out of the checkout; one that cannot start stops the run here.
    const mcp = await startMcpTools(r.mcp ?? [], {
      sandbox: d.sandbox,
      workspace: d.workspace,
      signal,
      log,
      warn: (line) => (d.warn ?? d.log)(d.redactor.redact(line)),
    }).catch((err: unknown) => {
      if (signal?.aborted) return undefined
      throw err
    })
    if (mcp) {
      if (mcp.length) tools = createToolset([...r.tools, ...mcp], log)
      result = await runAgent({
        provider,
        model: r.model,
        system: r.system,
        prompt: r.prompt,
        tools,
        // A cancelled run stops the request in flight and kills every tool process at once.
        ctx: { workspace: d.workspace, sandbox: d.sandbox, signal },
        budgets: {
          maxTurns: r.budgets.maxTurns,
          maxCostUsd: r.budgets.maxCostUsd,
          timeoutMs: r.budgets.timeoutMinutes * 60_000,
        },
        redactor: d.redactor,
        log: d.log,
        debug: d.debug,
        endOfTurn: verifier?.check,
        requestParams: thinking.params,
        // Thinking of the budget kind predates signatures bound to the conversation, and its API wants the last
        // turn's thinking back.
        keepThinkingOnClear: r.model.thinking === 'budget',
      })
    }
  } finally {
    // The MCP servers stop with their tools.
    await tools.close()
    // Nothing the model started may outlive the run and see the credential come back.
    const stopped = await d.sandbox.reap()
    if (stopped) d.log(`Stopped ${stopped} background process(es) the model left running.`)
    warnings = await restoreGit()
  }
  // The signal came while the MCP servers started: the model was never asked.
  if (!result) return { ...notStarted(d, r), warnings }
  const accounting = accountingLine(result, r.model.id)
  d.log(`Agent finished: ${result.status} · ${accounting}`)
  const verification = verifier ? verifier.result(stopReason(result)) : NO_VERIFICATION
  return { result, accounting, warnings, verification }
}

/**
 * The model's credentials checked (a cloud's resolved or minted, see ModelProvider.prepare): the jobs call it
 * once they know a model will run, before the workspace or the tracking comment say anything of the work, so a
 * missing credential stops the run with what to set and nothing changed. A cancellation does not wait for it.
 */
export async function prepareModel(d: PipelineDeps): Promise<void> {
  const provider = d.provider()
  if (!provider.prepare) return
  const prepared = provider.prepare().then(() => true)
  const signal = d.cancellation?.signal
  if (signal && (await unlessAborted(prepared, signal)) === undefined)
    throw new UserError(
      'The run was cancelled while the model’s credentials were being checked; nothing was changed.',
    )
  await prepared
}

/** The verdict of a run without a `verify` command. */
const NO_VERIFICATION: Verification = { status: 'not-run', attempts: [], sentBack: 0, maxSendBacks: 0 }

function verifierFor(d: PipelineDeps, v: { command: string; maxSendBacks: number }): Verifier {
  return new Verifier({
    ...v,
    sandbox: d.sandbox,
    workspace: d.workspace,
    redact: (s) => d.redactor.redact(s),
    log: (line) => d.log(d.redactor.redact(line)),
  })
}

/** Why a run did not complete, in a few words for the verification's note; undefined when it did. */
function stopReason(r: AgentResult): string | undefined {
  if (r.status === 'completed') return undefined
  if (r.status === 'clarification') return 'the model asked for clarification'
  return `the run stopped early (${r.status})`
}

/**
 * Fail closed: with `sandbox: auto` the model runs only if the sandbox started (else a UserError, before the
 * credential is touched or the model asked anything); with `sandbox: off` it runs unsandboxed, with a warning.
 * False when the run was cancelled before the model could start: a sandbox whose start the signal cut short
 * (sandbox-runtime stops its own start-up on SIGINT and SIGTERM) is then no reason to tell anyone to install it.
 */
async function requireSandbox(d: PipelineDeps): Promise<boolean> {
  const cancelled = d.cancellation?.signal
  if (cancelled?.aborted) return false
  const status = await d.sandbox.status()
  if (cancelled?.aborted) return false
  if (status.isolated) {
    const net = d.inputs.allowedDomains.length
      ? d.inputs.allowedDomains.includes('*')
        ? 'every host'
        : d.inputs.allowedDomains.join(', ')
      : 'no host'
    d.log(
      `sandbox: the model's commands run in bubblewrap (sandbox-runtime): own PID namespace and /proc, writes only in the workspace (not .git), runner secrets hidden, network: ${net}.`,
    )
    return true
  }
  if (d.inputs.sandbox === 'off') {
    ;(d.warn ?? d.log)(
      "sandbox: off: the model's commands run UNSANDBOXED as the runner's user; they can read the runner's secrets, write anywhere and reach any host.",
    )
    return true
  }
  throw new UserError(
    `The sandbox for the model's commands could not start on this runner, so the model was not run: ${status.reason ?? 'unknown reason'}.`,
    'Use an Ubuntu runner (GitHub-hosted runners are prepared automatically) or install `bubblewrap`, `socat` and `ripgrep` ' +
      'and allow unprivileged user namespaces (`sysctl kernel.apparmor_restrict_unprivileged_userns=0` on Ubuntu 24.04). ' +
      "To run without a sandbox anyway (unsafe: the model's commands can then read the runner's secrets), set `sandbox: off`.",
  )
}

/** A run the runner's signal ended before the model was asked anything: nothing ran, nothing was guarded. */
function notStarted(d: PipelineDeps, r: AgentRunRequest): AgentRun {
  const result: AgentResult = {
    status: 'cancelled',
    summary: '',
    usage: emptyUsage(),
    costUsd: r.model.prices ? 0 : null,
    turns: 0,
    durationMs: 0,
    cacheHitShare: 0,
    transcript: [],
  }
  const accounting = accountingLine(result, r.model.id)
  d.log(`Cancelled before the model was asked anything · ${accounting}`)
  return { result, accounting, warnings: [], verification: NO_VERIFICATION }
}

export interface CommitRequest {
  branch: string
  /** The commit message (redacted here before use). */
  message: string
  /** The person who asked, as `Co-authored-by`. */
  coAuthor: { login: string; id?: number }
  /** How long to keep retrying an unreachable origin, and the runner's signals that shorten and stop the push. */
  push?: PushOptions
}

/**
 * Commits every change as github-actions[bot] and pushes only `origin <branch>`, with the push credential
 * present for that push alone. The pushed commit; undefined when nothing had changed. When the push
 * fails for good, the commits are kept off the runner (an artifact of the run) before the PushError is thrown
 * on, its hint then saying where they are.
 */
export async function commitAndPush(d: PipelineDeps, r: CommitRequest): Promise<string | undefined> {
  if (!(await hasChanges(d))) return undefined
  const commit = await commitAll(d.git, { message: d.redactor.redact(r.message), coAuthor: r.coAuthor })
  if (!commit.committed) return undefined
  const cleanup = await withPushAuth(d.git, {
    serverUrl: d.run.serverUrl,
    token: d.inputs.githubToken,
    onAdd: (key) => d.recordState?.('pushAuth', key),
  })
  let sha = ''
  let failed: PushError | undefined
  try {
    sha = (await pushBranch(d.git, r.branch, r.push)).sha
  } catch (err) {
    if (!(err instanceof PushError)) throw err
    failed = err
  } finally {
    await cleanup()
    d.recordState?.('pushAuth', '')
  }
  // After the cleanup: keeping the work needs no credential, and the upload may take a while.
  if (failed) throw await keepUnpushedWork(d, r.branch, failed, r.push?.cancellation?.hurry)
  d.log(`Pushed ${sha} to origin ${r.branch}`)
  d.recordState?.('pushed', sha)
  return sha
}

/** True when the work tree differs from HEAD (untracked files count). */
export async function hasChanges(d: PipelineDeps): Promise<boolean> {
  return (await changedFiles(d.git)).length > 0
}
