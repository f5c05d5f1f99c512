/**
 * The offline stand-ins alone, for debugging the action locally (`npm run local-action`, see .env.example): the
 * demo's world on fixed loopback ports — a sandbox repository (a local bare `origin` and a CI-style checkout of
 * it), the fake GitHub REST API with a maintainer and an issue, and the scripted Anthropic Messages API — and
 * the event of a maintainer's `/implement ISSUE-2` comment. Writes .local-action/ (the event payload, a link to
 * the checkout, a runner temp folder and a job summary file), prints the settings and serves until Ctrl-C.
 *
 * One action run per start: the scripted model plays one implementation, and the run changes the world (a
 * branch, a PR, comments); start again for a fresh one. Usage:
 *
 *   npm run stand-ins [-- --github-port 4141 --anthropic-port 4142]
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { startAnthropicServer, type AnthropicServer } from '../__tests__/support/anthropic-server.js'
import { REPO_ROOT } from '../__tests__/support/run-action.js'
import { createSandbox, type Sandbox } from '../__tests__/support/sandbox.js'
import { implementIssue2 } from '../__tests__/support/scripted-model.js'

/** The key the model stand-in accepts (INPUT_ANTHROPIC-API-KEY in .env.example). */
export const STAND_IN_API_KEY = 'sk-ant-local-not-a-real-key-000000'
/** The ports .env.example points at. */
export const PORTS = { github: 4141, anthropic: 4142 }
export const COMMAND = '/implement ISSUE-2 keep the function pure'

export interface StandIns {
  sandbox: Sandbox
  anthropic: AnthropicServer
  /** The folder with event.json, workspace (a link to the checkout), runner-temp/ and summary.md. */
  dir: string
  close(): Promise<void>
}

/** Starts the stand-ins and lays out `dir` (emptied first) for one run of the action. */
export async function startStandIns(
  o: { dir: string; githubPort?: number; anthropicPort?: number } = {
    dir: path.join(REPO_ROOT, '.local-action'),
  },
): Promise<StandIns> {
  const sandbox = await createSandbox({ githubPort: o.githubPort ?? PORTS.github })
  const anthropic = await startAnthropicServer(implementIssue2(), {
    apiKey: STAND_IN_API_KEY,
    port: o.anthropicPort ?? PORTS.anthropic,
  }).catch(async (err: unknown) => {
    await sandbox.cleanup()
    throw err
  })
  const { payload } = sandbox.comment(COMMAND)
  await rm(o.dir, { recursive: true, force: true })
  await mkdir(path.join(o.dir, 'runner-temp'), { recursive: true })
  await writeFile(path.join(o.dir, 'event.json'), JSON.stringify(payload, null, 2))
  await writeFile(path.join(o.dir, 'summary.md'), '')
  await symlink(sandbox.workspace, path.join(o.dir, 'workspace'))
  return {
    sandbox,
    anthropic,
    dir: o.dir,
    async close() {
      await anthropic.close()
      await sandbox.cleanup()
      await rm(o.dir, { recursive: true, force: true })
    },
  }
}

function port(flag: string): number | undefined {
  const at = process.argv.indexOf(flag)
  if (at < 0) return undefined
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${flag} takes a port number`)
  return value
}

async function main(): Promise<void> {
  const dir = path.join(REPO_ROOT, '.local-action')
  const s = await startStandIns({
    dir,
    githubPort: port('--github-port'),
    anthropicPort: port('--anthropic-port'),
  })
  const { github, issue, origin, workspace } = s.sandbox
  const rel = (p: string): string => path.relative(REPO_ROOT, p)
  console.log(`GitHub REST API stand-in:    ${github.url}`)
  console.log(`Anthropic API stand-in:      ${s.anthropic.url}  (scripted model, key ${STAND_IN_API_KEY})`)
  console.log(`origin (bare repository):    ${origin.bare}`)
  console.log(`checkout (GITHUB_WORKSPACE): ${rel(path.join(dir, 'workspace'))} → ${workspace}`)
  console.log(`event (GITHUB_EVENT_PATH):   ${rel(path.join(dir, 'event.json'))}`)
  console.log(`  issue_comment by @${issue.user} on issue #${issue.number} (${issue.title}): ${COMMAND}`)
  console.log('\nNow, in another terminal: cp .env.example .env (once), then npm run local-action.')
  console.log('Ctrl-C stops the stand-ins and shows what the action left on the fake GitHub.\n')

  let answered = 0
  const timer = setInterval(() => {
    if (s.anthropic.requests.length === answered) return
    answered = s.anthropic.requests.length
    console.log(`model stand-in: ${answered} request(s) answered`)
  }, 1000)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(timer)
  for (const pr of github.state.pulls)
    console.log(`\nPR #${pr.number}${pr.draft ? ' (draft)' : ''}: ${pr.title} (${pr.head} → ${pr.base})`)
  for (const c of github.commentsOn(issue.number)) console.log(`\n@${c.user} on #${issue.number}:\n${c.body}`)
  await s.close()
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) await main()
