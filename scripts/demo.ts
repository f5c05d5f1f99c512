/**
 * The offline demo: the whole pipeline on a sandbox repository. A maintainer comments `/implement ISSUE-2` on
 * the fake GitHub; `node dist/index.js` runs exactly as the Actions runner would; the Anthropic stand-in plays a
 * scripted model (or, with ANTHROPIC_API_KEY set, the real model does the work). Prints the branch, the diff and
 * the draft PR. Then the pause resumes from the PR: the maintainer reviews a line and submits the review with
 * `/implement`, and the action pushes a new commit to the same PR and answers the thread. `--keep` leaves the
 * sandbox on disk.
 */
import {
  startAnthropicServer,
  type AnthropicServer,
  type Script,
} from '../__tests__/support/anthropic-server.js'
import { runAction, type ActionRun } from '../__tests__/support/run-action.js'
import { createSandbox, MAINTAINER, type Sandbox } from '../__tests__/support/sandbox.js'
import { addressReview, implementIssue2 } from '../__tests__/support/scripted-model.js'

const keep = process.argv.includes('--keep')
const realKey = process.env.ANTHROPIC_API_KEY?.trim()
const DEMO_KEY = 'sk-ant-demo-not-a-real-key-000000'
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
const section = (title: string): void => console.log(`\n${bold(`━━ ${title} ━━`)}`)

/** One run of `node dist/index.js` for an event, with the scripted model unless the real one is used. */
async function runStep(sb: Sandbox, eventName: string, payload: unknown, script: Script): Promise<ActionRun> {
  let anthropic: AnthropicServer | undefined
  if (!realKey) anthropic = await startAnthropicServer(script, { apiKey: DEMO_KEY })
  try {
    const run = await runAction({
      eventName,
      payload,
      workspace: sb.workspace,
      githubApiUrl: sb.github.url,
      anthropicBaseUrl: anthropic?.url,
      repository: `${sb.github.state.repo.owner}/${sb.github.state.repo.name}`,
      with: {
        'anthropic-api-key': realKey ?? DEMO_KEY,
        // The action checks the work itself: the model is sent back if the tests fail.
        verify: 'npm test',
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
    return run
  } finally {
    await anthropic?.close()
  }
}

/** Act 1: `/implement ISSUE-2` on the issue opens the draft PR. */
async function implement(sb: Sandbox): Promise<ActionRun> {
  const body = '/implement ISSUE-2 keep the function pure'
  section(`@${sb.issue.user} comments on issue #${sb.issue.number}: ${body}`)
  const run = await runStep(sb, 'issue_comment', sb.comment(body).payload, implementIssue2())
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
  return run
}

/** Act 2: a review on the draft PR with `/implement` gets a new commit on the same PR and a reply in the thread. */
async function iterate(sb: Sandbox): Promise<ActionRun | undefined> {
  const pr = sb.github.state.pulls[0]
  if (!pr) return undefined
  // The first changed line of the code the model wrote (not the spec) is what the reviewer comments on.
  const files = (await sb.origin.git(sb.origin.bare, ['diff', '--name-only', `main..${pr.head}`])).split('\n')
  const file =
    files.find((f) => f.endsWith('slugify.js')) ?? files.find((f) => f && !f.startsWith('docs/')) ?? files[0]
  const diff = await sb.origin.git(sb.origin.bare, ['diff', `main..${pr.head}`, '--', file])
  const hunk = diff
    .split('\n')
    .slice(diff.split('\n').findIndex((l) => l.startsWith('@@')))
    .slice(0, 2)
  const reviewId = 9001
  const earlier = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
  const comment = 'Say "any title" in this doc comment: it is not only for titles of posts.'
  sb.github.addReviewComment({
    pull: pr.number,
    review_id: reviewId,
    body: comment,
    user: MAINTAINER,
    path: file,
    line: 1,
    original_line: 1,
    diff_hunk: hunk.join('\n'),
    created_at: earlier,
    updated_at: earlier,
  })
  const text = 'Tested it locally: works. One wording fix, then it is good to go.\n\n/implement'
  section(`@${MAINTAINER} reviews #${pr.number}: "${comment}" on ${file}:1, and submits with /implement`)
  await sb.freshCheckout()
  const run = await runStep(sb, 'pull_request_review', sb.review(pr.number, reviewId, text), addressReview())
  section(`The new commit on ${pr.head}`)
  console.log(
    await sb.origin.git(sb.origin.bare, ['log', '-1', '--stat', '--format=%h %an%n    %s', pr.head]),
  )
  section('The review thread')
  for (const c of sb.github.state.reviewComments) console.log(`@${c.user} on ${c.path}:\n${c.body}\n`)
  const body = sb.github.state.pulls[0].body ?? ''
  section(`Pull request #${pr.number}: its Iterations section`)
  console.log(body.slice(body.indexOf('## Iterations'), body.indexOf('\n---')).trim())
  section(`Comments on pull request #${pr.number}`)
  for (const c of sb.github.commentsOn(pr.number)) console.log(`@${c.user}:\n${c.body}\n`)
  return run
}

async function main(): Promise<number> {
  const sb = await createSandbox()
  try {
    section('Sandbox')
    console.log(`origin (bare repo): ${sb.origin.bare}`)
    console.log(`checkout:           ${sb.workspace}`)
    console.log(`fake GitHub API:    ${sb.github.url}  (issue #${sb.issue.number}: ${sb.issue.title})`)
    console.log(
      realKey
        ? 'model:              the real Anthropic API (ANTHROPIC_API_KEY is set)'
        : 'model:              scripted Anthropic stand-in on loopback',
    )
    const first = await implement(sb)
    const second = first.exitCode === 0 ? await iterate(sb) : undefined
    section(`Comments on issue #${sb.issue.number}`)
    for (const c of sb.github.commentsOn(sb.issue.number)) console.log(`@${c.user}:\n${c.body}\n`)
    if (sb.github.violations.length) {
      console.log(`OpenAPI violations in the fake GitHub's answers: ${sb.github.violations.join('; ')}`)
      return 1
    }
    return first.exitCode || (second?.exitCode ?? 0)
  } finally {
    if (keep) console.log(`\nKept the sandbox: ${sb.workspace}`)
    else await sb.cleanup()
  }
}

process.exitCode = await main()
