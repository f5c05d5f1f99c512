/**
 * Cancellation as the runner does it: real signals sent to `node dist/index.js` while the model answers or a
 * command of the model runs (SIGINT, then SIGTERM about 7.5 s later, then SIGKILL about 2.5 s after that), and
 * the post step after a SIGKILL.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ScriptStep } from '../support/anthropic-server.js'
import { pidsWith } from '../support/processes.js'
import { runPostStep } from '../support/run-action.js'
import { createSandbox, type Sandbox } from '../support/sandbox.js'
import { botComments, GITHUB_TOKEN, start } from './world.js'

/** The runner's grace between its SIGINT and its SIGTERM. */
const RUNNER_GRACE_MS = 7_500
const BASIC = Buffer.from(`x-access-token:${GITHUB_TOKEN}`).toString('base64')
const HEADER = `AUTHORIZATION: basic ${BASIC}`
const EDITOR = 'str_replace_based_edit_tool'

const tool = (name: string, input: unknown) => ({ type: 'tool_use' as const, name, input })

/** Writes a file, then (second turn) whatever `then` is: a long bash command, or an answer that never comes. */
function writesThen(then: ScriptStep): ScriptStep[] {
  return [
    {
      content: [
        tool(EDITOR, { command: 'create', path: 'src/slugify.js', file_text: 'export const slugify = 1\n' }),
      ],
    },
    then,
  ]
}

/**
 * `/implement ISSUE-2` whose model writes a file, then takes its time over the next answer: resolves once that
 * answer is awaited (the moment to signal the step "while the model answers").
 */
async function startWaitingOnModel(sb: Sandbox) {
  const { payload } = sb.comment('/implement ISSUE-2')
  const action = await start(sb, {
    payload,
    script: writesThen({ content: [{ type: 'text', text: 'never sent' }], delayMs: 120_000 }),
  })
  await until(() => action.anthropic.requests.length >= 2)
  return action
}

/** Resolves once `check` holds (polled), or fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The checkout's persisted credential, as actions/checkout leaves it. */
function persistCredential(sb: Sandbox): void {
  execFileSync('git', ['config', '--local', 'http.https://github.com/.extraheader', HEADER], {
    cwd: sb.workspace,
  })
}

/** The process is `sleep` itself (not the bwrap or bash whose command line names it). */
function isSleep(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep'
  } catch {
    return false
  }
}

function localConfig(sb: Sandbox): string {
  return fs.readFileSync(path.join(sb.workspace, '.git', 'config'), 'utf8')
}

describe('e2e: cancelled, killed or cut off', () => {
  let sb: Sandbox
  afterEach(async () => sb?.cleanup())

  it('SIGINT while the model answers: the work is pushed as a [WIP] draft PR, the comment says cancelled, all well before SIGTERM', async () => {
    sb = await createSandbox()
    persistCredential(sb)
    const action = await startWaitingOnModel(sb)
    const signalled = Date.now()
    action.child.kill('SIGINT')
    const run = await action.done
    const took = Date.now() - signalled

    expect(took).toBeLessThan(RUNNER_GRACE_MS)
    expect(run.signal).toBeNull() // it ended itself
    expect(run.stdout).toContain('Received SIGINT: cancelling')
    expect(run.outputs).toMatchObject({ status: 'cancelled', branch: 'ISSUE-2', turns: '1' })
    const pr = sb.github.state.pulls[0]
    expect(run.outputs['pr-number']).toBe(String(pr.number))
    expect(pr.title).toMatch(/^\[WIP\] ISSUE-2/)
    expect(pr.draft).toBe(true)
    expect(pr.body).toContain('cancelled')
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBe('export const slugify = 1\n')
    const last = botComments(sb).at(-1) ?? ''
    expect(last).toContain('🛑 **Cancelled.** Work so far is in the work-in-progress draft PR')
    expect(last).not.toContain('Working…')
    expect(localConfig(sb)).toContain(`extraheader = ${HEADER}`)
    // The request in flight was abandoned, not waited for.
    expect(action.anthropic.requests[1].status).toBe(499)
    expect(fs.readdirSync(run.env.RUNNER_TEMP).filter((f) => f.startsWith('implement-action-'))).toEqual([])
  })

  it('SIGTERM while a command of the model runs: its processes are stopped and the work is kept', async () => {
    sb = await createSandbox()
    persistCredential(sb)
    const needle = `${600 + Math.floor(Math.random() * 1000)}.5`
    const { payload } = sb.comment('/implement ISSUE-2')
    const action = await start(sb, {
      payload,
      script: writesThen({
        content: [
          tool('bash', { command: `echo hi > started.txt; sleep ${needle} & sleep ${needle}; echo done` }),
        ],
      }),
    })
    // The command runs (not just its sandbox starting): its file is there and its sleeps are up.
    await until(() => fs.existsSync(path.join(sb.workspace, 'started.txt')))
    await until(() => pidsWith(`sleep ${needle}`).filter((p) => isSleep(p)).length >= 2)
    action.child.kill('SIGTERM')
    const run = await action.done

    expect(run.outputs.status).toBe('cancelled')
    expect(pidsWith(`sleep ${needle}`)).toEqual([])
    expect(await sb.originFile('ISSUE-2', 'started.txt')).toBe('hi\n')
    expect(sb.github.state.pulls[0]?.title).toMatch(/^\[WIP\] ISSUE-2/)
    expect(botComments(sb).at(-1)).toContain('🛑 **Cancelled.**')
    expect(localConfig(sb)).toContain(`extraheader = ${HEADER}`)
  })

  it('a second signal skips the pull request but keeps the push', async () => {
    sb = await createSandbox()
    const action = await startWaitingOnModel(sb)
    action.child.kill('SIGINT')
    action.child.kill('SIGTERM')
    const run = await action.done

    // Two signals pending together are handled in either order.
    expect(run.stdout).toMatch(/Received SIG(INT|TERM) again: skipping the pull request/)
    expect(run.outputs.status).toBe('cancelled')
    expect(run.outputs['pr-number']).toBe('')
    expect(sb.github.state.pulls).toHaveLength(0)
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBe('export const slugify = 1\n')
    expect(botComments(sb).at(-1)).toContain(
      '🛑 **Cancelled.** Work so far is pushed to branch `ISSUE-2`; no PR was opened',
    )
  })

  it('after a SIGKILL nothing sandboxed outlives the step, and the post step puts the credential back and finishes the comment', async () => {
    sb = await createSandbox()
    persistCredential(sb)
    const needle = `${600 + Math.floor(Math.random() * 1000)}.25`
    const runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'))
    const { payload } = sb.comment('/implement ISSUE-2')
    const action = await start(sb, {
      payload,
      env: { RUNNER_TEMP: runnerTemp },
      script: [
        // The copy kept for the post step is out of the model's reach.
        {
          content: [
            tool('bash', { command: `cat ${runnerTemp}/implement-action-*/credentials.json; echo read=$?` }),
          ],
        },
        ...writesThen({ content: [tool('bash', { command: `sleep ${needle}` })] }),
      ],
    })
    await until(() => pidsWith(`sleep ${needle}`).filter(isSleep).length >= 1)
    // While the model runs, the credential is out of the repository.
    expect(localConfig(sb)).not.toContain('extraheader')
    action.child.kill('SIGKILL')
    const main = await action.done
    expect(main.signal).toBe('SIGKILL')
    const seen = JSON.stringify(action.anthropic.requests[1].body)
    expect(seen).toMatch(/read=[1-9]/)
    // The copy holds the config base64-encoded in JSON: neither its form nor the encoded header came through.
    expect(seen).not.toContain('"places"')
    expect(seen).not.toContain(Buffer.from(HEADER).toString('base64').slice(0, 24))
    expect(fs.existsSync(main.state.credentials)).toBe(true)
    // The sandbox's command died with the step (bubblewrap dies with its parent, and its PID namespace with it).
    await until(() => pidsWith(`sleep ${needle}`).length === 0, 5_000)
    expect(botComments(sb).at(-1)).toContain('Working…')

    const post = await runPostStep(main, sb.workspace)
    expect(post.exitCode, post.stdout).toBe(0)
    expect(localConfig(sb)).toContain(`extraheader = ${HEADER}`)
    const comments = botComments(sb)
    expect(comments).toHaveLength(1) // the tracking comment, finished in place
    expect(comments[0]).toContain('🛑 **Stopped before it could finish:**')
    expect(comments[0]).toContain('Nothing had been pushed')
    expect(comments[0]).not.toContain('Working…')
    expect(comments[0]).toContain('Created branch `ISSUE-2`') // the milestones are kept
    expect(post.summary).toContain('implement-action: stopped')
    // The copy is gone with the restore.
    expect(fs.existsSync(main.state.credentials)).toBe(false)
  })

  it('with sandbox: off, the processes that outlive a killed step are stopped by the post step', async () => {
    sb = await createSandbox()
    persistCredential(sb)
    const needle = `${600 + Math.floor(Math.random() * 1000)}.75`
    const { payload } = sb.comment('/implement ISSUE-2')
    const action = await start(sb, {
      payload,
      with: { sandbox: 'off' },
      script: writesThen({ content: [tool('bash', { command: `sleep ${needle}` })] }),
    })
    await until(() => pidsWith(`sleep ${needle}`).filter(isSleep).length >= 1)
    action.child.kill('SIGKILL')
    const main = await action.done
    await new Promise((r) => setTimeout(r, 500))
    expect(pidsWith(`sleep ${needle}`).filter(isSleep)).toHaveLength(1) // it outlived the step

    const post = await runPostStep(main, sb.workspace)
    expect(post.stdout).toMatch(/Stopped \d+ process\(es\) the model left running/)
    expect(pidsWith(`sleep ${needle}`)).toEqual([])
    expect(localConfig(sb)).toContain(`extraheader = ${HEADER}`)
    expect(botComments(sb).at(-1)).toContain('🛑 **Stopped before it could finish:**')
  })

  it('a post step after a main step that recorded nothing (killed while loading) does nothing', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    const action = await start(sb, { payload, script: [{ content: [{ type: 'text', text: 'Nothing.' }] }] })
    const main = await action.done
    const requests = sb.github.requests.length
    const post = await runPostStep({ ...main, state: {} }, sb.workspace)
    expect(post.exitCode, post.stdout + post.stderr).toBe(0)
    expect(post.stdout).toContain('The main step recorded nothing: nothing to clean up.')
    expect(sb.github.requests.length).toBe(requests)
  })

  it('a post step never overwrites a final word the main step posted (killed before it recorded so)', async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2')
    const action = await start(sb, { payload, script: [{ content: [{ type: 'text', text: 'Nothing.' }] }] })
    const main = await action.done
    const before = botComments(sb)
    expect(before.at(-1)).not.toContain('Working…')
    const { finished: _finished, ...state } = main.state
    const post = await runPostStep({ ...main, state }, sb.workspace)
    expect(post.stdout).toContain('The tracking comment already has its final word')
    expect(botComments(sb)).toEqual(before)
  })

  it('a third signal ends the step at once', async () => {
    sb = await createSandbox()
    const action = await startWaitingOnModel(sb)
    // GitHub's round trips as on github.com: the step is still reporting when the third signal comes (with
    // instant answers and milestones no longer awaited, it could be done before).
    sb.github.state.latencyMs = 400
    // Apart: signals of one kind that arrive before the first is handled merge into one.
    for (let i = 0; i < 3; i++) {
      action.child.kill('SIGINT')
      await new Promise((r) => setTimeout(r, 150))
    }
    const run = await action.done
    expect(run.exitCode).toBe(130)
    expect(run.stdout).toContain('Received SIGINT a third time: exiting now.')
  })

  it('after a main step that finished, the post step changes nothing', async () => {
    sb = await createSandbox()
    persistCredential(sb)
    const { payload } = sb.comment('/implement ISSUE-2')
    const action = await start(sb, {
      payload,
      script: [{ content: [{ type: 'text', text: 'Nothing to do.' }] }],
    })
    const main = await action.done
    expect(main.state.finished).toBe('true')
    const before = { config: localConfig(sb), comments: botComments(sb), requests: sb.github.requests.length }
    const post = await runPostStep(main, sb.workspace)
    expect(post.exitCode).toBe(0)
    expect(localConfig(sb)).toBe(before.config)
    expect(botComments(sb)).toEqual(before.comments)
    expect(sb.github.requests.length).toBe(before.requests)
  })
})
