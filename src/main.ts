import { readFileSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import * as core from '@actions/core'
import { createAnthropicModelClient } from './agent/anthropic.js'
import { describeError, UserError } from './errors.js'
import { createGit } from './git/command-manager.js'
import { createGitHubApi, parseRepo } from './github/octokit.js'
import { parseAllowedBots, readInputs } from './inputs.js'
import { runPipeline } from './pipeline/index.js'
import { setOutputs } from './report/outputs.js'
import { Redactor } from './report/redact.js'
import { readRunInfo } from './report/run-info.js'
import { TRACKING_MARKER } from './report/tracking.js'
import { authorize } from './trigger/authorize.js'
import { parseCommand } from './trigger/command.js'
import { allowlistedEnv } from './tools/env.js'

/** Reads the runner's environment, wires the real GitHub, git and model, runs the pipeline. Never throws. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const redactor = new Redactor()
  const log = (line: string): void => core.info(redactor.redact(line))
  try {
    const inputs = readInputs()
    for (const secret of [inputs.githubToken, inputs.anthropicApiKey]) {
      if (secret) core.setSecret(secret)
      redactor.add(secret)
    }
    const eventName = env.GITHUB_EVENT_NAME ?? ''
    const payload = readEvent(env.GITHUB_EVENT_PATH)
    // The real path: the tools' jail compares realpaths, and GITHUB_WORKSPACE may go through a symlink.
    const given = env.GITHUB_WORKSPACE || process.cwd()
    const workspace = await realpath(given).catch(() => {
      throw new UserError(
        `The workspace ${given} does not exist.`,
        'Add `- uses: actions/checkout@v5` (with `fetch-depth: 0`) before this action.',
      )
    })
    const run = readRunInfo(env)
    const api = createGitHubApi({ token: inputs.githubToken, repo: parseRepo(run.repository), redactor, log })
    const git = await createGit(workspace)
    const result = await runPipeline({
      inputs,
      eventName,
      payload,
      workspace: git.cwd,
      run,
      api,
      git,
      model: () => {
        if (!inputs.anthropicApiKey) {
          throw new UserError(
            'Input `anthropic-api-key` is empty.',
            'Add an `ANTHROPIC_API_KEY` repository secret and pass `anthropic-api-key: ${{ secrets.ANTHROPIC_API_KEY }}`.',
          )
        }
        return createAnthropicModelClient({
          apiKey: inputs.anthropicApiKey,
          baseURL: inputs.anthropicBaseUrl ?? (env.ANTHROPIC_BASE_URL || undefined),
        })
      },
      redactor,
      log,
      debug: (line) => core.debug(redactor.redact(line)),
      toolEnv: allowlistedEnv(env),
    })
    setOutputs(result, redactor)
    const summary = [
      `## implement-action: ${result.status}`,
      '',
      result.message,
      '',
      result.summary ?? '',
    ].join('\n')
    await core.summary
      .addRaw(redactor.redact(summary))
      .write()
      .catch(() => undefined)
    // Milestones and the result are already in the log (the tracking comment logs each one).
    if (result.failed) core.setFailed(redactor.redact(result.message))
  } catch (err) {
    const message = describeError(err)
    setOutputs({ status: 'failed' }, redactor)
    await tellIssue(env, message, redactor).catch((e: unknown) =>
      log(`Could not report on the issue: ${describeError(e)}`),
    )
    core.setFailed(redactor.redact(message))
  }
}

/**
 * A failure before the pipeline could start (bad inputs, no checkout): if the event was a command comment by
 * someone who may trigger a run, say so on the issue, because every command must end with a visible result
 * there. Anyone else gets nothing, as with any refused command.
 */
async function tellIssue(env: NodeJS.ProcessEnv, message: string, redactor: Redactor): Promise<void> {
  if (env.GITHUB_EVENT_NAME !== 'issue_comment' || !env.GITHUB_EVENT_PATH) return
  const payload = readEvent(env.GITHUB_EVENT_PATH) as {
    action?: string
    issue?: { number?: number }
    comment?: { body?: string; user?: { login?: string; type?: string } }
  }
  const trigger = core.getInput('trigger').trim() || '/implement'
  const token = core.getInput('github-token').trim()
  const issueNumber = payload.issue?.number
  const actor = { login: payload.comment?.user?.login ?? '', type: payload.comment?.user?.type ?? 'User' }
  if (payload.action !== 'created' || !token || !issueNumber || !actor.login) return
  if (!parseCommand(payload.comment?.body ?? '', trigger)) return
  redactor.add(token)
  const api = createGitHubApi({ token, repo: parseRepo(env.GITHUB_REPOSITORY ?? ''), redactor })
  const allowedBots = parseAllowedBots(core.getInput('allowed-bots'))
  if (!(await authorize(api, actor, allowedBots)).allowed) return
  await api.createComment(
    issueNumber,
    `${TRACKING_MARKER}\n❌ **implement-action could not start:** ${message}`,
  )
}

function readEvent(eventPath: string | undefined): Record<string, unknown> {
  if (!eventPath) throw new UserError('GITHUB_EVENT_PATH is not set: this must run inside GitHub Actions.')
  try {
    return JSON.parse(readFileSync(eventPath, 'utf8')) as Record<string, unknown>
  } catch (err) {
    throw new UserError(`Could not read the event payload at ${eventPath}: ${describeError(err)}`)
  }
}
