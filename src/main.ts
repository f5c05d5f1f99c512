import { mkdtemp, realpath, rm } from 'node:fs/promises'
import path from 'node:path'
import * as core from '@actions/core'
import { answersMarker, TRACKING_MARKER } from './discussion/markers.js'
import { describeError, UserError } from './errors.js'
import { createGit } from './git/command-manager.js'
import { createActionsArtifactStore } from './github/artifacts.js'
import { readActionContext } from './github/context.js'
import { createGitHubApi, parseRepo } from './github/octokit.js'
import { parseAllowedBots, readInputs, type Inputs } from './inputs.js'
import { listenForCancellation } from './pipeline/cancellation.js'
import { POST_STATE, type RecordState } from './pipeline/post-state.js'
import { runPipeline } from './pipeline/run.js'
import type { PipelineResult } from './pipeline/types.js'
import { CREDENTIAL_VARIABLES } from './providers/cloud.js'
import { moveCredentialFiles, type MovedCredentials } from './providers/credential-files.js'
import { createProvider } from './providers/select.js'
import type { ModelProvider } from './providers/types.js'
import { setOutputs } from './report/outputs.js'
import { blockedNetworkSection } from './report/messages.js'
import { Redactor } from './report/redact.js'
import { allowlistedEnv } from './sandbox/env.js'
import { TOOL_RUN_MARKER_VALUE } from './sandbox/strays.js'
import { createPlainSandbox, createRuntimeSandbox, type NetworkBlock, type Sandbox } from './sandbox/index.js'
import { authorize } from './trigger/authorize.js'
import { parseTrigger } from './trigger/event.js'
import type { Trigger } from './trigger/types.js'

/**
 * Reads the runner's environment, wires the real GitHub, git, model and sandbox, runs the pipeline. Never
 * throws. True when the run was cancelled by a signal (the process should then exit at once).
 */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const redactor = new Redactor()
  const log = (line: string): void => core.info(redactor.redact(line))
  const recordState: RecordState = (key, value) => core.saveState(POST_STATE[key], value)
  recordState('main', 'true')
  recordState('marker', TOOL_RUN_MARKER_VALUE)
  const cancellation = listenForCancellation(log)
  let sandbox: Sandbox | undefined
  let copyDir: string | undefined
  let cloudFiles: MovedCredentials | undefined
  try {
    const inputs = readInputs()
    const addSecret = (secret: string): void => {
      if (!secret) return
      core.setSecret(secret)
      redactor.add(secret)
    }
    for (const secret of [inputs.githubToken, inputs.anthropicApiKey]) addSecret(secret)
    for (const name of CREDENTIAL_VARIABLES) addSecret(env[name] ?? '')
    const { eventName, payload, run } = await readActionContext(env)
    // The real path: the tools' jail compares realpaths, and GITHUB_WORKSPACE may go through a symlink.
    const given = env.GITHUB_WORKSPACE || process.cwd()
    const workspace = await realpath(given).catch(() => {
      throw new UserError(
        `The workspace ${given} does not exist.`,
        'Add `- uses: actions/checkout@v5` (with `fetch-depth: 0`) before this action.',
      )
    })
    const debug = (line: string): void => core.debug(redactor.redact(line))
    const api = createGitHubApi({
      token: inputs.githubToken,
      repo: parseRepo(run.repository),
      redactor,
      log,
      ...(core.isDebug() ? { debug } : {}),
    })
    const git = await createGit(workspace)
    let provider: ModelProvider | undefined
    sandbox = createToolSandbox(inputs, git.cwd, env, log, cancellation.signal)
    copyDir = await credentialCopyDir(env)
    const credentialCopy = copyDir && path.join(copyDir, 'credentials.json')
    if (credentialCopy) recordState('credentials', credentialCopy)
    // A cloud's credentials files out of the checkout before anything looks at it (back when the run ends).
    cloudFiles = await moveCredentialFiles({
      workspace: git.cwd,
      env,
      privateDir: copyDir,
      onSecret: addSecret,
      isTracked: async (file) =>
        (await git.exec(['ls-files', '--error-unmatch', '--', file], { allowFailure: true })).exitCode === 0,
    })
    if (cloudFiles.moved.length) recordState('cloudFiles', JSON.stringify(cloudFiles.moved))
    for (const m of cloudFiles.moved) log(`Moved ${path.basename(m.from)} out of the workspace for the run.`)
    const result = await runPipeline({
      inputs,
      eventName,
      payload,
      workspace: git.cwd,
      run,
      api,
      git,
      provider: () =>
        (provider ??= createProvider({
          name: inputs.provider,
          apiKey: inputs.anthropicApiKey,
          baseURL: inputs.anthropicBaseUrl,
          env,
          onSecret: addSecret,
        })),
      sandbox,
      redactor,
      log,
      warn: (line) => core.warning(redactor.redact(line)),
      debug,
      cancellation,
      credentialCopy,
      recordState,
      artifacts: createActionsArtifactStore(env),
      tempDir: env.RUNNER_TEMP || undefined,
      env,
    })
    // The final word is on the issue (or the result says why not): nothing is left for the post step to say.
    recordState('finished', 'true')
    await report(result, redactor, sandbox.blocked?.() ?? [])
  } catch (err) {
    const message = describeError(err)
    setOutputs({ status: 'failed' }, redactor)
    await tellIssue(env, message, redactor).catch((e: unknown) =>
      log(`Could not report on the issue: ${describeError(e)}`),
    )
    recordState('finished', 'true')
    core.setFailed(redactor.redact(message))
  } finally {
    await sandbox?.close?.()
    let keepCopyDir = false
    if (cloudFiles?.moved.length) {
      const said = await cloudFiles.restore()
      for (const line of said) (line.startsWith('Could not') ? core.warning : log)(line)
      // A file that could not be put back is left where it is (the post step tries again), never deleted.
      keepCopyDir = said.some((line) => line.startsWith('Could not'))
      if (!keepCopyDir) recordState('cloudFiles', '')
    }
    // Every path restored the credential (and removed its copy) before getting here.
    if (copyDir && !keepCopyDir) await rm(copyDir, { recursive: true, force: true }).catch(() => undefined)
    cancellation.dispose()
  }
  return cancellation.received !== undefined
}

/**
 * Where the credential's copy for the post step goes: a new private directory under RUNNER_TEMP, which the
 * sandbox hides from every command of the model (with `sandbox: off` nothing is hidden from the model, which
 * can then read the token from this process's environment anyway). None outside a runner.
 */
async function credentialCopyDir(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const temp = env.RUNNER_TEMP
  if (!temp || !path.isAbsolute(temp)) return undefined
  return mkdtemp(path.join(temp, 'implement-action-')).catch(() => undefined)
}

/** Where the model's commands run: the sandbox (`sandbox: auto`), or plain processes (`sandbox: off`). */
function createToolSandbox(
  inputs: Inputs,
  workspace: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  signal: AbortSignal,
): Sandbox {
  if (inputs.sandbox === 'off') return createPlainSandbox({ env: allowlistedEnv(env) })
  return createRuntimeSandbox({
    env: allowlistedEnv(env),
    workspace,
    allowedDomains: inputs.allowedDomains,
    hostEnv: env,
    log,
    signal,
  })
}

/** Outputs, the job summary and the step's status. */
async function report(result: PipelineResult, redactor: Redactor, blocked: NetworkBlock[]): Promise<void> {
  setOutputs(result, redactor)
  const summary = [
    `## implement-action: ${result.status}`,
    '',
    result.message,
    '',
    ...blockedNetworkSection(blocked),
    result.summary ?? '',
  ].join('\n')
  await core.summary
    .addRaw(redactor.redact(summary))
    .write()
    .catch(() => undefined)
  // Milestones and the result are already in the log (the tracking comment logs each one).
  if (result.failed) core.setFailed(redactor.redact(result.message))
}

/**
 * A failure before the pipeline could start (bad inputs, no checkout): if the event was a command (a comment on an
 * issue or PR, a review, a review comment) by someone who may trigger a run, say so where it was written, because
 * every command must end with a visible result there. Anyone else gets nothing, as with any refused command.
 * The event is read as the pipeline reads it (parseTrigger); one it would not run on gets nothing either.
 */
async function tellIssue(env: NodeJS.ProcessEnv, message: string, redactor: Redactor): Promise<void> {
  if (!env.GITHUB_EVENT_PATH) return
  const { eventName, payload, run } = await readActionContext(env)
  const target = commandTarget(eventName, payload, core.getInput('trigger').trim() || '/implement')
  const token = core.getInput('github-token').trim()
  if (!target || !token) return
  redactor.add(token)
  const api = createGitHubApi({ token, repo: parseRepo(run.repository), redactor })
  const allowedBots = parseAllowedBots(core.getInput('allowed-bots'))
  if (!(await authorize(api, target.actor, allowedBots)).allowed) return
  const answers = target.answers === undefined ? [] : [answersMarker([target.answers])]
  await api.createComment(
    target.number,
    [TRACKING_MARKER, ...answers, `❌ **implement-action could not start:** ${message}`].join('\n'),
  )
}

/**
 * Where a command event was written (an issue or PR number), by whom, and the conversation comment it answers
 * (none for a review or a review comment, which are not issue comments); undefined for any other event.
 */
function commandTarget(
  eventName: string,
  payload: Record<string, unknown>,
  trigger: string,
): { number: number; actor: { login: string; type: string }; answers?: number } | undefined {
  let t: Trigger
  try {
    t = parseTrigger(eventName, payload, { trigger })
  } catch (err) {
    if (err instanceof UserError) return undefined
    throw err
  }
  if (t.kind === 'comment') return { number: t.issueNumber, actor: t.actor, answers: t.commentId }
  if (t.kind !== 'pull') return undefined
  return {
    number: t.pullNumber,
    actor: t.actor,
    ...(t.source === 'comment' && t.commentId !== undefined ? { answers: t.commentId } : {}),
  }
}
