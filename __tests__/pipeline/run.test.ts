/**
 * The pipeline in-process, through PipelineDeps: the jobs over one agent run, tested without building dist/.
 * The parts are the real ones the action wires (Octokit against the OpenAPI-checked GitHub stand-in, git with a
 * bare origin, the Anthropic SDK against the SSE stand-in, the real tool sandbox); only the runner is missing.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { realpath } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  answeredIds,
  answersMarker,
  SUPERSEDED_MARKER,
  TRACKING_MARKER,
} from '../../src/discussion/markers.js'
import { UserError } from '../../src/errors.js'
import { createGit } from '../../src/git/command-manager.js'
import { createGitHubApi } from '../../src/github/octokit.js'
import { readInputs } from '../../src/inputs.js'
import { runPipeline } from '../../src/pipeline/run.js'
import type { PipelineDeps } from '../../src/pipeline/types.js'
import { createAnthropicProvider } from '../../src/providers/anthropic.js'
import { Redactor } from '../../src/report/redact.js'
import { readRunInfo } from '../../src/report/run-info.js'
import { specParses } from '../../src/spec/cache.js'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createPlainSandbox, createRuntimeSandbox } from '../../src/sandbox/index.js'
import type { Sandbox as ToolSandbox } from '../../src/sandbox/types.js'
import { startAnthropicServer, type AnthropicServer, type Script } from '../support/anthropic-server.js'
import { pidsWith } from '../support/processes.js'
import { actionYml } from '../support/run-action.js'
import { isoNow } from '../support/github-server.js'
import { createSandbox, MAINTAINER, OWNER, REPO, SANDBOX_DIR, type Sandbox } from '../support/sandbox.js'
import { asksForClarification, implementIssue2, SLUGIFY_JS } from '../support/scripted-model.js'

const API_KEY = 'sk-ant-inproc-0123456789abcdefghij'
const MCP_SERVER = path.resolve(import.meta.dirname, '../fixtures/mcp/server.mjs')
const TOKEN = 'ghs_inprocTokenInprocTokenInprocToken1'
const HEADER = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`

let world: Sandbox | undefined
let anthropic: AnthropicServer | undefined
afterEach(async () => {
  await anthropic?.close()
  await world?.cleanup()
  world = anthropic = undefined
})

/** Inputs as action.yml's defaults give them, plus `given`. */
function inputs(given: Record<string, string> = {}) {
  const values: Record<string, string> = { 'anthropic-api-key': API_KEY, 'github-token': TOKEN, ...given }
  return readInputs((name) => values[name] ?? actionYml.inputs[name]?.default ?? '')
}

async function deps(
  sb: Sandbox,
  o: { eventName: string; payload: unknown; script?: Script; with?: Record<string, string> },
): Promise<{ d: PipelineDeps; logs: string[] }> {
  anthropic = await startAnthropicServer(o.script ?? [], { apiKey: API_KEY })
  const logs: string[] = []
  const redactor = new Redactor()
  redactor.add(API_KEY)
  redactor.add(TOKEN)
  const log = (line: string): void => void logs.push(redactor.redact(line))
  const git = await createGit(await realpath(sb.workspace))
  const url = anthropic.url
  const d: PipelineDeps = {
    inputs: inputs(o.with),
    eventName: o.eventName,
    payload: o.payload as Record<string, unknown>,
    workspace: git.cwd,
    run: readRunInfo({ serverUrl: 'https://github.com', repository: `${OWNER}/${REPO}`, runId: 7 }),
    api: createGitHubApi({
      token: TOKEN,
      baseUrl: sb.github.url,
      repo: { owner: OWNER, repo: REPO },
      redactor,
      log,
      retryDelayMs: 1,
      writeSpacingMs: 0,
    }),
    git,
    provider: () => createAnthropicProvider({ apiKey: API_KEY, baseURL: url }),
    sandbox: createRuntimeSandbox({
      env: allowlistedEnv({ PATH: process.env.PATH, HOME: process.env.HOME }),
      workspace: git.cwd,
      allowedDomains: [],
    }),
    redactor,
    log,
    debug: () => {},
  }
  return { d, logs }
}

describe('pipeline in-process: cancelled', () => {
  it('cancelled before the model: no request, nothing pushed, an earlier PR untouched, and the comment says so', async () => {
    world = await createSandbox()
    // An earlier run's branch and PR.
    const { payload: first } = world.comment('/implement ISSUE-2')
    const { d: earlier } = await deps(world, {
      eventName: 'issue_comment',
      payload: first,
      script: implementIssue2(),
    })
    expect((await runPipeline(earlier)).status).toBe('pr-opened')
    const pr = { ...world.github.state.pulls[0] }
    await anthropic?.close()

    await world.freshCheckout()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: [] })
    const cancel = new AbortController()
    cancel.abort()
    d.cancellation = { signal: cancel.signal, hurry: new AbortController().signal }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'cancelled', failed: true, turns: 0 })
    expect(anthropic?.requests).toHaveLength(0)
    expect(world.github.state.pulls).toEqual([pr])
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toContain('🛑 **Cancelled.** No file had changed, so there was nothing to keep.')
    expect(tracking).toContain('Comment `/implement ISSUE-2` again to continue on the same branch.')
  })
})

/** A cancellation the test fires itself: `cancel()` is the runner's first signal, `hurry()` its second. */
function cancellation() {
  const first = new AbortController()
  const second = new AbortController()
  return {
    value: { signal: first.signal, hurry: second.signal },
    cancel: () => first.abort(),
    hurry: () => second.abort(),
  }
}

describe('pipeline in-process: cancelled at each stage', () => {
  it('a signal while the sandbox starts is a cancellation, not "the sandbox could not start"', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const c = cancellation()
    d.cancellation = c.value
    // sandbox-runtime stops its own start-up on the signal; the probe then reports it could not start.
    d.sandbox = {
      ...d.sandbox,
      async status() {
        c.cancel()
        return { isolated: false, reason: 'initialize() was cancelled by reset()' }
      },
    }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'cancelled', turns: 0 })
    expect(anthropic?.requests).toHaveLength(0)
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toContain('🛑 **Cancelled.** No file had changed')
    expect(tracking).not.toMatch(/could not start|sandbox: off/)
  })

  it('a signal while an MCP server starts is a cancellation: no model, nothing left running', async () => {
    world = await createSandbox()
    const tag = `mcp-inproc-${process.pid}-${Date.now()}`
    const server = { command: process.execPath, args: [MCP_SERVER, '--mode', 'no-handshake', '--tag', tag] }
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, {
      eventName: 'issue_comment',
      payload,
      script: implementIssue2(),
      with: { 'mcp-config': JSON.stringify({ mcpServers: { slow: server } }) },
    })
    const c = cancellation()
    d.cancellation = c.value
    const real = d.sandbox
    d.sandbox = {
      ...real,
      async start(req) {
        const proc = await real.start(req)
        setTimeout(c.cancel, 300) // while it (never) answers the handshake
        return proc
      },
    }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'cancelled', turns: 0 })
    expect(anthropic?.requests).toHaveLength(0)
    expect(pidsWith(tag)).toEqual([])
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toContain('🛑 **Cancelled.** No file had changed')
    expect(tracking).not.toMatch(/could not start/)
  })

  it('a second signal while the PR is being opened: the push is kept and the PR reported as unconfirmed', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const c = cancellation()
    d.cancellation = c.value
    // The model finished; both signals come while GitHub is still answering the PR request.
    d.api = {
      ...d.api,
      createPull: () => {
        c.cancel()
        c.hurry()
        return new Promise(() => {})
      },
    }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'cancelled', failed: true })
    expect(result.prNumber).toBeUndefined()
    expect(await world.originFile('ISSUE-2', 'src/slugify.js')).toBe(SLUGIFY_JS)
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toContain(
      '🛑 **Cancelled.** Work so far is pushed to branch `ISSUE-2`; the runner ended the job while its PR was being opened, so whether it was is unconfirmed.',
    )
  })

  it('a fan-out cancelled after its first dispatch starts no more runs and says which did not start', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2 ISSUE-3 ISSUE-4')
    const { d } = await deps(world, {
      eventName: 'issue_comment',
      payload,
      with: { 'workflow-file': 'implement.yml' },
    })
    const c = cancellation()
    d.cancellation = c.value
    const dispatch = d.api.dispatchWorkflow.bind(d.api)
    d.api = {
      ...d.api,
      async dispatchWorkflow(...args) {
        await dispatch(...args)
        c.cancel()
      },
    }
    const result = await runPipeline(d)
    expect(result.status, result.message).toBe('cancelled')
    expect(world.github.state.dispatches.map((x) => x.inputs['issue-id'])).toEqual(['ISSUE-2'])
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toContain(
      '🛑 **Cancelled.** Started runs for `ISSUE-2`; cancelled before starting runs for `ISSUE-3`, `ISSUE-4`.',
    )
  })
})

describe('pipeline in-process: implement a phase', () => {
  it('opens one draft PR with the pushed work, and finishes the tracking comment', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'pr-opened', branch: 'ISSUE-2', failed: false, turns: 5 })
    expect(await world.originFile('ISSUE-2', 'src/slugify.js')).toBe(SLUGIFY_JS)
    expect(world.github.state.pulls).toHaveLength(1)
    expect(world.github.state.pulls[0]).toMatchObject({ head: 'ISSUE-2', draft: true })
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toMatch(/✅ Opened draft PR #\d+/)
    expect(world.github.violations).toEqual([])
  })

  it("reads the requester's permission once: for the authorization and for their earlier comment", async () => {
    world = await createSandbox()
    world.github.addComment({
      issue: world.issue.number,
      user: MAINTAINER,
      body: 'Earlier: keep the slugs ASCII.',
      created_at: isoNow(new Date(Date.now() - 60_000)),
    })
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    expect((await runPipeline(d)).status).toBe('pr-opened')
    const lookups = world.github.requests.filter((r) => r.path.includes('/collaborators/'))
    expect(lookups.map((r) => r.path)).toEqual([
      `/repos/${OWNER}/${REPO}/collaborators/${MAINTAINER}/permission`,
    ])
    expect(JSON.stringify(anthropic?.requests[0].body)).toContain('Earlier: keep the slugs ASCII.')
  })

  it('does not wait for GitHub at a milestone: the model is asked while the comment is still unanswered', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const events: string[] = []
    let answer = (): void => {}
    const answered = new Promise<void>((resolve) => (answer = resolve))
    // GitHub holds every write of the tracking comment until the model is asked. Only a safety net, never
    // asserted on: had the job waited for a milestone, it would never ask, and the order below would say so.
    const safety = setTimeout(() => answer(), 15_000)
    const steps = implementIssue2()
    const script = (_body: unknown, i: number) => {
      if (i === 0) {
        events.push('model asked')
        answer()
      }
      return steps[i]
    }
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script })
    const api = d.api
    d.api = {
      ...api,
      async createComment(issue, body) {
        events.push('comment sent')
        await answered
        const posted = await api.createComment(issue, body)
        events.push('comment answered')
        return posted
      },
      async updateComment(id, body) {
        events.push('edit sent')
        await answered
        await api.updateComment(id, body)
        events.push('edit answered')
      },
    }
    const result = await runPipeline(d)
    clearTimeout(safety)
    expect(result).toMatchObject({ status: 'pr-opened', failed: false })
    // Every milestone before the model (phase, branch, model) was recorded; GitHub had answered none of them.
    const asked = events.indexOf('model asked')
    expect(events.slice(0, asked)).toEqual(['comment sent'])
    expect(events.slice(asked)).toContain('comment answered')
    // The final word still ends the run, with every milestone.
    const last = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(last).toMatch(/✅ Opened draft PR #\d+[\s\S]*- Created branch `ISSUE-2` from `main`\n- Running `/)
    expect(events.at(-1)).toBe('edit answered')
  })

  it('suspends the credential for the model and reaps before it comes back', async () => {
    world = await createSandbox()
    execFileSync('git', ['config', '--local', 'http.https://github.com/.extraheader', HEADER], {
      cwd: world.workspace,
    })
    const configFile = path.join(world.workspace, '.git', 'config')
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const seen: Array<{ step: string; credential: boolean }> = []
    const real: ToolSandbox = d.sandbox
    const credential = (): boolean => readFileSync(configFile, 'utf8').includes(HEADER)
    d.sandbox = {
      status: () => real.status(),
      async spawn(req) {
        seen.push({ step: 'spawn', credential: credential() })
        return real.spawn(req)
      },
      start: (req) => real.start(req),
      async reap() {
        seen.push({ step: 'reap', credential: credential() })
        return real.reap()
      },
    }
    const result = await runPipeline(d)
    expect(result.status).toBe('pr-opened')
    expect(seen.some((s) => s.step === 'spawn')).toBe(true)
    expect(seen.at(-1)).toEqual({ step: 'reap', credential: false })
    expect(seen.every((s) => !s.credential)).toBe(true)
    expect(credential()).toBe(true)
  })

  it('stops before the credential and the model when the sandbox cannot start, unless sandbox: off', async () => {
    world = await createSandbox()
    execFileSync('git', ['config', '--local', 'http.https://github.com/.extraheader', HEADER], {
      cwd: world.workspace,
    })
    const configFile = path.join(world.workspace, '.git', 'config')
    const before = readFileSync(configFile, 'utf8')
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    let credentialAtStatus = false
    d.sandbox = {
      status: async () => {
        credentialAtStatus = readFileSync(configFile, 'utf8').includes(HEADER)
        return { isolated: false, reason: 'bwrap (package bubblewrap) is missing' }
      },
      spawn: async () => {
        throw new Error('must not run')
      },
      start: async () => {
        throw new Error('must not run')
      },
      reap: async () => 0,
    }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'failed', failed: true })
    expect(result.message).toContain(
      'could not start on this runner, so the model was not run: bwrap (package bubblewrap) is missing',
    )
    expect(result.message).toContain('`sandbox: off`')
    expect(anthropic?.requests).toHaveLength(0)
    expect(credentialAtStatus).toBe(true) // asked before the credential is suspended
    expect(readFileSync(configFile, 'utf8')).toBe(before)
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toContain('could not start on this runner')

    // `sandbox: off`: the same machine runs the model, with a warning annotation.
    await world.cleanup()
    await anthropic?.close()
    world = await createSandbox()
    const again = world.comment('/implement ISSUE-2')
    const off = await deps(world, {
      eventName: 'issue_comment',
      payload: again.payload,
      script: implementIssue2(),
      with: { sandbox: 'off' },
    })
    const warnings: string[] = []
    off.d.warn = (line) => warnings.push(line)
    off.d.sandbox = createPlainSandbox({ env: allowlistedEnv() })
    const ran = await runPipeline(off.d)
    expect(ran.status).toBe('pr-opened')
    expect(warnings.join('\n')).toMatch(/sandbox: off: the model's commands run UNSANDBOXED/)
    expect(world.github.state.pulls[0]?.body).toContain('not sandboxed')
  })

  it('posts the questions and opens no PR when the model asks', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, {
      eventName: 'issue_comment',
      payload,
      script: asksForClarification(['Keep digits?']),
    })
    const result = await runPipeline(d)
    expect(result.status).toBe('clarification-requested')
    expect(world.github.state.pulls).toHaveLength(0)
    const bodies = world.github.commentsOn(world.issue.number).map((c) => c.body)
    expect(bodies.some((b) => b.includes('implement-action:question') && b.includes('1. Keep digits?'))).toBe(
      true,
    )
  })

  it('never asks for the model on an event it skips', async () => {
    world = await createSandbox()
    const { payload } = world.comment('just a comment')
    const { d } = await deps(world, { eventName: 'issue_comment', payload })
    d.provider = () => {
      throw new Error('the model was created for a skipped event')
    }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'skipped', failed: false })
    expect(world.github.requests.filter((r) => r.method !== 'GET')).toEqual([])
  })

  it('a missing model credential is a clear failure on the issue, with the credential back', async () => {
    world = await createSandbox()
    execFileSync('git', ['config', '--local', 'http.https://github.com/.extraheader', HEADER], {
      cwd: world.workspace,
    })
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload })
    d.provider = () => {
      throw new UserError('Input `anthropic-api-key` is empty.')
    }
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'failed', failed: true })
    expect(world.github.commentsOn(world.issue.number).at(-1)?.body).toMatch(
      /❌ \*\*Failed:\*\* Input `anthropic-api-key` is empty/,
    )
    expect(readFileSync(path.join(world.workspace, '.git', 'config'), 'utf8')).toContain(HEADER)
  })
})

describe('pipeline in-process: the spec, parsed once per content', () => {
  const SPEC = 'docs/specs/slugkit.md'
  const slugkit = readFileSync(path.join(SANDBOX_DIR, SPEC), 'utf8')
  const heading = '### ISSUE-2: slugify function\n'

  it('once when the model leaves it alone: resolution, the branch, publishing and marking share one parse', async () => {
    // A text of its own, so no earlier run's parse is reused.
    const spec = `${slugkit}\n<!-- parsed once: left alone -->\n`
    world = await createSandbox({ files: { [SPEC]: spec } })
    const { payload } = world.comment('/implement ISSUE-2')
    const script = implementIssue2({ markSpec: false })
    const { d, logs } = await deps(world, { eventName: 'issue_comment', payload, script })
    const before = specParses(SPEC)
    expect((await runPipeline(d)).status).toBe('pr-opened')
    expect(specParses(SPEC) - before).toBe(1)
    expect(logs.join('\n')).toContain('the action marked it')
    expect(await world.originFile('ISSUE-2', SPEC)).toBe(
      spec.replace(heading, heading.replace('\n', ' ✅\n')),
    )
  })

  it('again when the model changed it on the branch', async () => {
    const spec = `${slugkit}\n<!-- parsed once: edited -->\n`
    world = await createSandbox({ files: { [SPEC]: spec } })
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const before = specParses(SPEC)
    expect((await runPipeline(d)).status).toBe('pr-opened')
    expect(specParses(SPEC) - before).toBe(2)
    expect(await world.originFile('ISSUE-2', SPEC)).toBe(
      spec.replace(heading, heading.replace('\n', ' ✅\n')),
    )
  })
})

describe('pipeline in-process: the final word', () => {
  it('opens the PR but fails the run, saying where the PR is, when GitHub takes no comment at all', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d, logs } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const down = { status: 503, body: { message: 'Service Unavailable' }, times: 1000 }
    world.github.fault({ method: 'POST', path: /\/issues\/\d+\/comments$/, ...down })
    world.github.fault({ method: 'PATCH', path: /\/issues\/comments\/\d+$/, ...down })
    const result = await runPipeline(d)

    const pr = world.github.state.pulls[0]
    expect(pr).toMatchObject({ head: 'ISSUE-2', draft: true })
    expect(result).toMatchObject({ status: 'pr-opened', failed: true, prNumber: pr.number })
    const issue = world.issue.number
    expect(result.message).toMatch(
      new RegExp(
        `^The result could not be posted on issue #${issue}: Posting the tracking comment failed \\(.*503 Service Unavailable\\), and so did posting a new comment \\(.*503 Service Unavailable\\)\\.\n\nWhat happened \\(pr-opened\\): opened draft PR #${pr.number}: https://github\\.com/${OWNER}/${REPO}/pull/${pr.number}$`,
      ),
    )
    expect(world.github.commentsOn(issue).filter((c) => c.user === 'github-actions[bot]')).toEqual([])
    expect(logs.join('\n')).toContain(`Could not post the result on issue #${issue}`)
  })

  it('a milestone GitHub refuses is not fatal: the final word still lands and the run succeeds', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    // The first milestone's edit (and its retries) fail; later ones go through.
    world.github.fault({
      method: 'PATCH',
      path: /\/issues\/comments\/\d+$/,
      status: 502,
      body: { message: 'Bad Gateway' },
      times: 4,
    })
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'pr-opened', failed: false })
    const bot = world.github.commentsOn(world.issue.number).filter((c) => c.user === 'github-actions[bot]')
    expect(bot).toHaveLength(1)
    expect(bot[0].body).toMatch(/✅ Opened draft PR #\d+/)
  })
})

describe('pipeline in-process: superseded commands', () => {
  const BOT = 'github-actions[bot]'

  it('the run for the third command answers the middle one, not answered, refused or newer ones', async () => {
    world = await createSandbox()
    const gh = world.github
    const issue = world.issue.number
    // An earlier run: its command got 👀 and the run its tracking comment.
    const answered = world.comment('/implement ISSUE-2').comment
    gh.addReaction(answered.id, 'eyes')
    gh.addComment({
      issue,
      user: BOT,
      body: `${TRACKING_MARKER}\n<!-- implement-action:answers ${answered.id} -->\n✅ Opened draft PR #9`,
    })
    // Commands whose pending runs were replaced: nobody's 👀 but the action's counts.
    const middle = world.comment('/implement ISSUE-3 please').comment
    const another = world.comment('/implement docs/specs/slugkit.md ISSUE-2\nnotes').comment
    gh.addReaction(another.id, 'eyes', 'maintainer-mona')
    world.comment('thanks, looks good')
    const { payload, comment: third } = world.comment('/implement ISSUE-2')
    const newer = world.comment('/implement ISSUE-3').comment // its own run will come

    const { d, logs } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'pr-opened', failed: false })

    const replies = gh.commentsOn(issue).filter((c) => c.body.includes(SUPERSEDED_MARKER))
    expect(replies).toHaveLength(1)
    const url = (id: number) => `https://github.com/${OWNER}/${REPO}/issues/${issue}#issuecomment-${id}`
    expect(replies[0].user).toBe(BOT)
    expect(replies[0].body).toBe(
      [
        SUPERSEDED_MARKER,
        `<!-- implement-action:answers ${middle.id} ${another.id} -->`,
        `⏭️ These commands were superseded by [this command](${url(third.id)}) before a run started for them, so they were not run:`,
        '',
        `- [\`/implement ISSUE-3\`](${url(middle.id)}) by maintainer-mona`,
        `- [\`/implement ISSUE-2\`](${url(another.id)}) by maintainer-mona`,
        '',
        'GitHub keeps only the newest pending run of this workflow. If you still want one of them, comment it again.',
      ].join('\n'),
    )
    expect(replies[0].body).not.toContain(url(answered.id))
    expect(replies[0].body).not.toContain(url(newer.id))
    // Listed once for the check and the notes; reactions read walking back, down to the command that ran.
    expect(
      gh.requests.filter((r) => r.method === 'GET' && /\/issues\/\d+\/comments/.test(r.path)),
    ).toHaveLength(1)
    expect(gh.requests.filter((r) => r.path.includes('/reactions?')).map((r) => r.path)).toEqual([
      expect.stringMatching(new RegExp(`/issues/comments/${another.id}/reactions\\?.*content=eyes`)),
      expect.stringMatching(new RegExp(`/issues/comments/${middle.id}/reactions\\?.*content=eyes`)),
      expect.stringMatching(new RegExp(`/issues/comments/${answered.id}/reactions\\?.*content=eyes`)),
    ])
    // The reply names what it answers: the next run passes over them without asking GitHub.
    const { payload: fourth } = world.comment('/implement ISSUE-2')
    gh.addReaction(third.id, 'eyes')
    gh.addReaction(newer.id, 'eyes')
    await anthropic?.close()
    const again = await deps(world, {
      eventName: 'issue_comment',
      payload: fourth,
      script: implementIssue2(),
    })
    const before = gh.requests.length
    await runPipeline(again.d)
    expect(gh.commentsOn(issue).filter((c) => c.body.includes(SUPERSEDED_MARKER))).toHaveLength(1)
    expect(
      gh.requests
        .slice(before)
        .filter((r) => r.path.includes('/reactions?'))
        .map((r) => r.path),
    ).toEqual([expect.stringContaining(`/issues/comments/${newer.id}/reactions`)])
    expect(logs).toContain(`Answered 2 superseded command(s): ${middle.id}, ${another.id}.`)
  })

  it("walks past a review run's tracking comment, which answers no comment of the conversation", async () => {
    world = await createSandbox()
    const gh = world.github
    const issue = world.issue.number
    const middle = world.comment('/implement ISSUE-3 please').comment
    // A run started by a review (its pending run replaced the middle command's): it names what it answers, nothing.
    gh.addComment({
      issue,
      user: BOT,
      body: `${TRACKING_MARKER}\n${answersMarker([])}\n✅ Pushed \`abc1234\``,
    })
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    await runPipeline(d)
    const replies = gh.commentsOn(issue).filter((c) => c.body.includes(SUPERSEDED_MARKER))
    expect(replies).toHaveLength(1)
    expect(replies[0].body).toContain(`<!-- implement-action:answers ${middle.id} -->`)
    expect(answeredIds(`${TRACKING_MARKER}\n${answersMarker([])}`)).toEqual([])
  })

  it('answers a command posted before the previous run reported, and never a refused one', async () => {
    world = await createSandbox()
    const gh = world.github
    const issue = world.issue.number
    // Three quick commands: the second is posted before the first run's tracking comment appears.
    const first = world.comment('/implement ISSUE-2').comment
    const second = world.comment('/implement ISSUE-3').comment
    gh.addReaction(first.id, 'eyes')
    gh.addComment({
      issue,
      user: BOT,
      body: `${TRACKING_MARKER}\n<!-- implement-action:answers ${first.id} -->\n✅ Opened draft PR #9`,
    })
    // A refusal after it: answered by its own reply, so not superseded.
    const refused = world.comment('/implement ISSUE-2', { user: 'drive-by' }).comment
    gh.addComment({
      issue,
      user: BOT,
      body: `${TRACKING_MARKER}\n<!-- implement-action:answers ${refused.id} -->\n🚫 @drive-by: no write access`,
    })
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    await runPipeline(d)
    const replies = gh.commentsOn(issue).filter((c) => c.body.includes(SUPERSEDED_MARKER))
    expect(replies).toHaveLength(1)
    expect(replies[0].body).toContain(`<!-- implement-action:answers ${second.id} -->`)
    expect(replies[0].body).toContain(`#issuecomment-${second.id}`)
    expect(replies[0].body).not.toContain(`#issuecomment-${refused.id}`)
    // This run's own tracking comment names the command it answers.
    expect(gh.commentsOn(issue).at(-1)?.body).toContain(
      `<!-- implement-action:answers ${(payload as { comment: { id: number } }).comment.id} -->`,
    )
  })

  it('with an App token: its own 👀 and replies count, the walk stops at the command that ran, edited comments are passed over', async () => {
    world = await createSandbox()
    const gh = world.github
    const issue = world.issue.number
    const APP = 'implement-app[bot]'
    gh.addUser(APP, { type: 'Bot' })
    gh.state.actor = APP
    // From before replies named what they answer: an old refusal, then its old-style reply. Never reached.
    const old = world.comment('/implement ISSUE-3', { user: 'drive-by' }).comment
    gh.addComment({ issue, user: APP, body: `${TRACKING_MARKER}\n🚫 @drive-by: no write access` })
    // A run of the App's; a command that came before it and got nothing is that run's business.
    const before = world.comment('/implement ISSUE-3').comment
    const ran = world.comment('/implement ISSUE-2').comment
    gh.addReaction(ran.id, 'eyes', APP)
    gh.addComment({
      issue,
      user: APP,
      body: `${TRACKING_MARKER}\n<!-- implement-action:answers ${ran.id} -->\n✅ Opened draft PR #9`,
    })
    const edited = world.comment('thanks').comment
    const middle = world.comment('/implement ISSUE-3').comment
    const { payload } = world.comment('/implement ISSUE-2')
    // Edited into a command after it was posted: an edit starts no run, so it never had one to lose.
    const e = gh.state.comments.find((c) => c.id === edited.id)!
    e.body = '/implement ISSUE-2'
    e.updated_at = new Date(Date.now() + 60_000).toISOString()

    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    await runPipeline(d)
    const replies = gh.commentsOn(issue).filter((c) => c.body.includes(SUPERSEDED_MARKER))
    expect(replies).toHaveLength(1)
    expect(replies[0].user).toBe(APP)
    expect(replies[0].body).toContain(`<!-- implement-action:answers ${middle.id} -->`)
    for (const other of [old, before, ran, edited]) expect(replies[0].body).not.toContain(`-${other.id})`)
    expect(gh.requests.filter((r) => r.path.includes('/reactions?')).map((r) => r.path)).toEqual([
      expect.stringContaining(`/issues/comments/${middle.id}/reactions`),
      expect.stringContaining(`/issues/comments/${ran.id}/reactions`),
    ])
  })

  it('answers nothing when every earlier command was answered, and a failing check never stops the run', async () => {
    world = await createSandbox()
    const gh = world.github
    const issue = world.issue.number
    const refused = world.comment('/implement ISSUE-2', { user: 'drive-by' }).comment
    gh.addComment({ issue, user: BOT, body: `${TRACKING_MARKER}\n🚫 @drive-by: no write access` })
    const first = world.comment('/implement ISSUE-3').comment
    gh.addReaction(first.id, 'eyes')
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload })
    d.provider = () => {
      throw new UserError('Input `anthropic-api-key` is empty.')
    }
    await runPipeline(d)
    expect(gh.commentsOn(issue).some((c) => c.body.includes(SUPERSEDED_MARKER))).toBe(false)
    expect(gh.requests.filter((r) => r.path.includes('/reactions?')).map((r) => r.path)).toEqual([
      expect.stringContaining(`/issues/comments/${first.id}/reactions`),
    ])
    expect(refused.id).toBeLessThan(first.id)

    // The same issue with the reactions unreadable: logged, and the run goes on to its usual end.
    world.comment('/implement ISSUE-3')
    const { payload: again } = world.comment('/implement ISSUE-2')
    gh.fault({ method: 'GET', path: /\/reactions/, status: 404, body: { message: 'Not Found' } })
    await anthropic?.close()
    const retry = await deps(world, { eventName: 'issue_comment', payload: again })
    retry.d.provider = d.provider
    const result = await runPipeline(retry.d)
    expect(result).toMatchObject({ status: 'failed', message: expect.stringContaining('anthropic-api-key') })
    expect(retry.logs.join('\n')).toMatch(
      /Could not answer superseded commands: GitHub API could not list the reactions to comment \d+: 404/,
    )
    expect(gh.commentsOn(issue).at(-1)?.body).toMatch(/❌ \*\*Failed:\*\* Input `anthropic-api-key` is empty/)
  })
})

describe('pipeline in-process: failures before the model', () => {
  it('a template that cannot be rendered fails before the "Running" step and before any model call', async () => {
    world = await createSandbox({
      files: { '.claude/commands/implement.md': '---\nmodel: haiku\n---\nImplement {{issue-id}} {{nope}}\n' },
    })
    const { payload } = world.comment('/implement ISSUE-2')
    const { d } = await deps(world, { eventName: 'issue_comment', payload, script: implementIssue2() })
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'failed', failed: true })
    const tracking = world.github.commentsOn(world.issue.number).at(-1)?.body ?? ''
    expect(tracking).toMatch(/❌ \*\*Failed:\*\*.*nope/)
    expect(tracking).not.toMatch(/Running `/)
    expect(anthropic?.requests).toHaveLength(0)
  })
})

describe('pipeline in-process: fan out', () => {
  it('dispatches one run per id and reports them on the issue', async () => {
    world = await createSandbox()
    const { payload } = world.comment('/implement ISSUE-2 ISSUE-3')
    const { d } = await deps(world, {
      eventName: 'issue_comment',
      payload,
      with: { 'workflow-file': 'implement.yml' },
    })
    const result = await runPipeline(d)
    expect(result).toMatchObject({ status: 'skipped', failed: false })
    const dispatches = world.github.requests.filter((r) => r.path.endsWith('/dispatches'))
    expect(dispatches.map((r) => (r.body as { inputs: Record<string, string> }).inputs['issue-id'])).toEqual([
      'ISSUE-2',
      'ISSUE-3',
    ])
    expect(world.github.commentsOn(world.issue.number).at(-1)?.body).toMatch(/Started one run per id/)
  })
})
