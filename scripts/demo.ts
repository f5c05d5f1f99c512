/**
 * The offline demo: the whole pipeline on a sandbox repository. A maintainer comments `/implement ISSUE-2` on
 * the fake GitHub; `node dist/index.js` runs exactly as the Actions runner would; the Anthropic stand-in plays a
 * scripted model (or, with ANTHROPIC_API_KEY set, the real model does the work). Prints the branch, the diff and
 * the draft PR. `--keep` leaves the sandbox on disk.
 */
import { startAnthropicServer, type AnthropicServer } from '../__tests__/support/anthropic-server.js'
import { runAction } from '../__tests__/support/run-action.js'
import { createSandbox } from '../__tests__/support/sandbox.js'
import { implementIssue2 } from '../__tests__/support/scripted-model.js'

const keep = process.argv.includes('--keep')
const realKey = process.env.ANTHROPIC_API_KEY?.trim()
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const section = (title: string): void => console.log(`\n${bold(`━━ ${title} ━━`)}`)

async function main(): Promise<number> {
  const sb = await createSandbox()
  let anthropic: AnthropicServer | undefined
  try {
    section('Sandbox')
    console.log(`origin (bare repo): ${sb.origin.bare}`)
    console.log(`checkout:           ${sb.workspace}`)
    console.log(`fake GitHub API:    ${sb.github.url}  (issue #${sb.issue.number}: ${sb.issue.title})`)
    if (realKey) {
      console.log('model:              the real Anthropic API (ANTHROPIC_API_KEY is set)')
    } else {
      anthropic = await startAnthropicServer(implementIssue2(), {
        apiKey: 'sk-ant-demo-not-a-real-key-000000',
      })
      console.log(`model:              scripted Anthropic stand-in at ${anthropic.url}`)
    }

    const body = '/implement ISSUE-2 keep the function pure'
    section(`@${sb.issue.user} comments: ${body}`)
    const { payload } = sb.comment(body)
    const run = await runAction({
      eventName: 'issue_comment',
      payload,
      workspace: sb.workspace,
      githubApiUrl: sb.github.url,
      anthropicBaseUrl: anthropic?.url,
      repository: `${sb.github.state.repo.owner}/${sb.github.state.repo.name}`,
      with: {
        'anthropic-api-key': realKey ?? 'sk-ant-demo-not-a-real-key-000000',
        ...(realKey ? { model: 'haiku', 'max-cost-usd': '1' } : {}),
      },
    })

    section('Action log (node dist/index.js)')
    for (const line of run.stdout.split('\n'))
      if (line && !line.startsWith('::add-mask::')) console.log(`  ${line}`)
    if (run.stderr.trim()) console.log(run.stderr)
    console.log(`exit code ${run.exitCode}`)
    section('Outputs')
    for (const [k, v] of Object.entries(run.outputs)) console.log(`  ${k.padEnd(14)}${v}`)

    const branch = run.outputs.branch
    if (branch && (await sb.origin.head(branch))) {
      section(`Branch ${branch} on origin`)
      console.log(
        await sb.origin.git(sb.origin.bare, ['log', '--format=%h %an%n    %s%n%n%b', `main..${branch}`]),
      )
      section(`Diff main..${branch}`)
      console.log(await sb.origin.git(sb.origin.bare, ['diff', '--stat', `main..${branch}`]))
      console.log()
      console.log(await sb.origin.git(sb.origin.bare, ['diff', `main..${branch}`]))
    }
    for (const pr of sb.github.state.pulls) {
      section(`Pull request #${pr.number}${pr.draft ? ' (draft)' : ''}: ${pr.title}`)
      console.log(`  ${pr.head} → ${pr.base}\n`)
      console.log(pr.body)
    }
    section('Comments on the issue')
    for (const c of sb.github.commentsOn(sb.issue.number)) console.log(`@${c.user}:\n${c.body}\n`)
    if (sb.github.violations.length) {
      console.log(`OpenAPI violations in the fake GitHub's answers: ${sb.github.violations.join('; ')}`)
      return 1
    }
    return run.exitCode
  } finally {
    await anthropic?.close()
    if (keep) console.log(`\nKept the sandbox: ${sb.workspace}`)
    else await sb.cleanup()
  }
}

process.exitCode = await main()
