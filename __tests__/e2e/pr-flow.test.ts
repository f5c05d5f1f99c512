import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSandbox, MAINTAINER, type Sandbox } from '../support/sandbox.js'
import { implementIssue2, SLUGIFY_JS } from '../support/scripted-model.js'
import { act, API_KEY, botComments, GITHUB_TOKEN, type E2ERun } from './world.js'

describe('e2e: /implement ISSUE-2 by a maintainer, then a rerun', () => {
  let sb: Sandbox
  let first: E2ERun
  const prNumber = () => String(sb.github.state.pulls[0]?.number)

  beforeAll(async () => {
    sb = await createSandbox()
    const { payload } = sb.comment('/implement ISSUE-2 keep the function pure')
    first = await act(sb, { payload, script: implementIssue2() })
  })
  afterAll(async () => sb?.cleanup())

  it('exits 0 and sets every output', () => {
    expect(first.stderr).not.toMatch(/at .*\.js:\d+/) // no stack trace
    expect(first.exitCode, first.stdout).toBe(0)
    expect(first.outputs).toMatchObject({
      status: 'pr-opened',
      branch: 'ISSUE-2',
      'pr-number': prNumber(),
      turns: '5',
    })
    expect(first.outputs['pr-url']).toBe(`https://github.com/octo-org/octo-repo/pull/${prNumber()}`)
    expect(Number(first.outputs['input-tokens'])).toBeGreaterThan(0)
    expect(Number(first.outputs['output-tokens'])).toBeGreaterThan(0)
    expect(first.outputs['cost-usd']).toMatch(/^\d+\.\d{4}$/)
  })

  it('pushes the work to origin ISSUE-2 as github-actions[bot] with the requester as co-author', async () => {
    expect(await sb.originFile('main', 'src/slugify.js')).toBeUndefined()
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toBe(SLUGIFY_JS)
    expect(await sb.originFile('ISSUE-2', 'src/index.js')).toContain("export { slugify } from './slugify.js'")
    const log = await sb.origin.git(sb.origin.bare, ['log', '-1', '--format=%an <%ae>%n%cn%n%B', 'ISSUE-2'])
    expect(log).toContain('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>')
    expect(log).toContain('ISSUE-2: slugify function')
    expect(log).toMatch(
      new RegExp(`Co-authored-by: ${MAINTAINER} <\\d+\\+${MAINTAINER}@users.noreply.github.com>`),
    )
  })

  it('marks only ISSUE-2 complete in the spec on the branch', async () => {
    const before = await sb.originFile('main', 'docs/specs/slugkit.md')
    const after = await sb.originFile('ISSUE-2', 'docs/specs/slugkit.md')
    expect(after).toBe(
      before?.replace('### ISSUE-2: slugify function\n', '### ISSUE-2: slugify function ✅\n'),
    )
  })

  it('opens a draft PR with summary, local test steps, spec link, refs and accounting', () => {
    expect(sb.github.state.pulls).toHaveLength(1)
    const pr = sb.github.state.pulls[0]
    expect(pr).toMatchObject({
      head: 'ISSUE-2',
      base: 'main',
      draft: true,
      title: 'ISSUE-2: slugify function',
    })
    expect(pr.body).toContain('git fetch origin ISSUE-2 && git checkout ISSUE-2')
    expect(pr.body).toContain('`npm test`')
    expect(pr.body).toContain(`Refs #${sb.issue.number}`)
    expect(pr.body).toContain('docs/specs/slugkit.md')
    expect(pr.body).toMatch(/cost \$\d/)
    expect(pr.body).toContain('https://github.com/octo-org/octo-repo/actions/runs/4242')
  })

  it('reacts 👀 and ends the one tracking comment with the PR link', () => {
    expect(sb.github.state.reactions.map((r) => r.content)).toEqual(['eyes'])
    const mine = botComments(sb)
    expect(mine).toHaveLength(1)
    expect(mine[0]).toContain(
      `Opened draft PR #${prNumber()}: https://github.com/octo-org/octo-repo/pull/${prNumber()}`,
    )
    expect(mine[0]).toContain('[workflow run](https://github.com/octo-org/octo-repo/actions/runs/4242)')
  })

  it('talked to the model as the SDK does, with caching, and kept secrets out of everything', () => {
    const reqs = first.anthropic.scripted
    expect(reqs).toHaveLength(5)
    for (const r of reqs) {
      expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`)
      expect(r.headers['anthropic-version']).toBeTruthy()
      expect(r.body?.stream).toBe(true)
      expect(r.body).not.toHaveProperty('temperature')
    }
    expect(reqs.slice(1).every((r) => (r.usage?.cache_read_input_tokens ?? 0) > 0)).toBe(true)
    // The rendered seed prompt with the command's notes reached the model.
    const firstUser = JSON.stringify(reqs[0].body?.messages[0])
    expect(firstUser).toContain(
      'implement ISSUE-2 of the Implementation Strategy defined in docs/specs/slugkit.md',
    )
    expect(firstUser).toContain('keep the function pure')
    // The bash tool ran `npm test` in the checkout: its result went back to the model.
    expect(JSON.stringify(reqs[3].body?.messages)).toMatch(/pass 3/)
    const everything = [
      JSON.stringify(sb.github.state),
      JSON.stringify(reqs.map((r) => r.body)),
      first.stdout.replace(/^::add-mask::.*$/gm, ''), // masking commands carry the secret to the runner, by design
      first.summary,
      JSON.stringify(first.outputs),
    ].join('\n')
    expect(everything).not.toContain(GITHUB_TOKEN)
    expect(everything).not.toContain(API_KEY)
    expect(sb.github.violations).toEqual([])
  })

  it('writes the transcript and accounting to the job summary', () => {
    expect(first.summary).toContain('implement-action: pr-opened')
    expect(first.summary).toContain('str_replace_based_edit_tool')
    expect(first.summary).toMatch(/from cache/)
  })

  it('a rerun continues on the branch and updates the same PR', async () => {
    await sb.freshCheckout() // a new workflow run starts from a fresh checkout of the default branch
    const { payload } = sb.comment('/implement ISSUE-2 also handle empty strings')
    const rerun = await act(sb, {
      payload,
      script: [
        {
          content: [
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: { command: 'view', path: 'src/slugify.js' },
            },
          ],
        },
        {
          content: [
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: {
                command: 'insert',
                path: 'src/slugify.js',
                insert_line: 0,
                new_str: '// empty input gives an empty slug\n',
              },
            },
          ],
        },
        { content: [{ type: 'text', text: 'Documented empty input. Test: npm test' }] },
      ],
    })
    expect(rerun.exitCode, rerun.stdout).toBe(0)
    expect(rerun.outputs).toMatchObject({ status: 'pr-opened', 'pr-number': prNumber() })
    expect(sb.github.state.pulls).toHaveLength(1)
    expect(sb.github.state.pulls[0].body).toContain('Documented empty input')
    // The file the model viewed on the rerun is the one the first run wrote: it continued on the branch.
    expect(JSON.stringify(rerun.anthropic.scripted[1].body?.messages)).toContain('normalize')
    const log = await sb.origin.git(sb.origin.bare, ['log', '--format=%s', 'main..ISSUE-2'])
    expect(log.split('\n')).toHaveLength(2)
    expect(await sb.originFile('ISSUE-2', 'src/slugify.js')).toMatch(/^\/\/ empty input/)
    // The earlier maintainer comment (the first command) reached the model as trusted discussion.
    expect(JSON.stringify(rerun.anthropic.scripted[0].body?.messages[0])).toContain('keep the function pure')
  })
})
