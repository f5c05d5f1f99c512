import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startGitHubServer, type FakeGitHub } from '../support/github-server.js'
import { validateResponse, validateSchema, findPathTemplate } from '../support/openapi.js'

const AUTH = { authorization: 'token test-token', 'content-type': 'application/json' }

async function call(
  gh: FakeGitHub,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = AUTH,
) {
  const res = await fetch(gh.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined }
}

describe('OpenAPI validator', () => {
  it('matches concrete paths to the most literal template', () => {
    expect(findPathTemplate('/repos/o/r/issues/comments/12')).toBe(
      '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    )
    expect(findPathTemplate('/repos/o/r/issues/12/comments?per_page=1')).toBe(
      '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    )
    expect(findPathTemplate('/nope/x')).toBeUndefined()
  })

  it('catches deliberately broken bodies', () => {
    const path = '/repos/o/r/issues/comments/1'
    expect(validateResponse('PATCH', path, 200, { id: 'x' })).toEqual(
      expect.arrayContaining([
        expect.stringContaining('$.id: expected integer'),
        expect.stringContaining('missing required property "node_id"'),
        expect.stringContaining('missing required property "user"'),
      ]),
    )
    expect(validateResponse('POST', '/repos/o/r/issues/comments/1/reactions', 201, {})).not.toEqual([])
    expect(validateResponse('POST', '/repos/o/r/actions/workflows/x.yml/dispatches', 204, { a: 1 })).toEqual([
      expect.stringContaining('documents no body'),
    ])
    expect(validateResponse('GET', '/repos/o/r', 299, {})).toEqual([
      expect.stringContaining('not documented'),
    ])
  })

  it('handles nullable, enum, oneOf and additionalProperties', () => {
    const s = {
      type: 'object',
      additionalProperties: false,
      properties: {
        n: { type: 'string', nullable: true },
        e: { type: 'string', enum: ['a', 'b'] },
        o: { oneOf: [{ type: 'string' }, { type: 'integer' }, { type: 'number' }] },
        t: { type: ['string', 'null'] },
      },
      required: ['n'],
    }
    expect(validateSchema(s, { n: null, e: 'a', o: 'x', t: null })).toEqual([])
    expect(validateSchema(s, { n: 1, e: 'c', o: 1, t: 2, extra: true })).toEqual([
      '$.n: expected string (nullable), got integer',
      '$.e: "c" is not one of ["a","b"]',
      '$.o: matches 2 branches of oneOf, expected exactly one',
      '$.t: expected string | null, got integer',
      '$: unexpected property "extra"',
    ])
  })
})

describe('fake GitHub server', () => {
  let gh: FakeGitHub
  beforeEach(async () => {
    gh = await startGitHubServer()
  })
  afterEach(async () => {
    await gh.close()
  })

  it('serves a realistic session with bodies valid against the OpenAPI spec', async () => {
    gh.addUser('alice', { permission: 'admin' })
    gh.addUser('renovate[bot]')
    const issue = gh.addIssue({ title: 'Spec', body: 'b', labels: ['spec', 'phase'], user: 'alice' })
    const seeded = gh.addComment({ issue: issue.number, body: '/implement ISSUE-3', user: 'alice' })
    const R = '/repos/octo-org/octo-repo'
    expect((await call(gh, 'GET', R)).body).toMatchObject({
      default_branch: 'main',
      full_name: 'octo-org/octo-repo',
    })
    expect((await call(gh, 'GET', `${R}/collaborators/alice/permission`)).body).toMatchObject({
      permission: 'admin',
    })
    expect((await call(gh, 'GET', '/users/renovate[bot]')).body).toMatchObject({ type: 'Bot' })
    expect((await call(gh, 'GET', `${R}/issues/${issue.number}`)).body).toMatchObject({
      labels: [{ name: 'spec' }, { name: 'phase' }],
    })
    const posted = await call(gh, 'POST', `${R}/issues/${issue.number}/comments`, { body: 'ack' })
    expect(posted.status).toBe(201)
    expect(posted.body).toMatchObject({ user: { login: 'github-actions[bot]', type: 'Bot' } })
    const id = (posted.body as { id: number }).id
    expect((await call(gh, 'PATCH', `${R}/issues/comments/${id}`, { body: 'done' })).status).toBe(200)
    expect(
      (await call(gh, 'POST', `${R}/issues/comments/${seeded.id}/reactions`, { content: 'eyes' })).status,
    ).toBe(201)
    expect(
      (await call(gh, 'POST', `${R}/issues/comments/${seeded.id}/reactions`, { content: 'eyes' })).status,
    ).toBe(200)
    const list = await call(gh, 'GET', `${R}/issues/${issue.number}/comments`)
    expect(list.body).toMatchObject([
      { body: '/implement ISSUE-3', reactions: { eyes: 1 } },
      { body: 'done' },
    ])
    const pr = await call(gh, 'POST', `${R}/pulls`, {
      title: 't',
      body: 'b',
      head: 'issue-3',
      base: 'main',
      draft: true,
    })
    expect(pr.status).toBe(201)
    expect(pr.body).toMatchObject({ draft: true, head: { ref: 'issue-3' }, base: { ref: 'main' } })
    const n = (pr.body as { number: number }).number
    expect((await call(gh, 'GET', `${R}/pulls?head=octo-org:issue-3&state=open`)).body).toMatchObject([
      { number: n },
    ])
    expect((await call(gh, 'GET', `${R}/issues/${n}`)).body).toMatchObject({
      pull_request: { url: expect.any(String) },
    })
    expect((await call(gh, 'PATCH', `${R}/pulls/${n}`, { title: 't2' })).body).toMatchObject({ title: 't2' })
    expect(
      (
        await call(gh, 'POST', `${R}/actions/workflows/implement.yml/dispatches`, {
          ref: 'main',
          inputs: { a: 'b' },
        })
      ).status,
    ).toBe(204)
    expect(gh.state.dispatches).toEqual([{ workflow_id: 'implement.yml', ref: 'main', inputs: { a: 'b' } }])
    expect(gh.violations).toEqual([])
  })
})

describe('fake GitHub server behaviours', () => {
  let gh: FakeGitHub
  const R = '/repos/octo-org/octo-repo'
  beforeEach(async () => {
    gh = await startGitHubServer()
  })
  afterEach(async () => {
    await gh.close()
  })

  it('requires a token and records every request, including unknown routes', async () => {
    const anon = await call(gh, 'GET', R, undefined, {})
    expect(anon.status).toBe(401)
    const bearer = await call(gh, 'GET', R, undefined, { authorization: 'Bearer abc' })
    expect(bearer.status).toBe(200)
    const unknown = await call(gh, 'GET', `${R}/branches`)
    expect(unknown).toMatchObject({ status: 404, body: { message: 'Not Found' } })
    expect((await call(gh, 'GET', '/repos/someone/else')).status).toBe(404)
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${R}`,
      `GET ${R}`,
      `GET ${R}/branches`,
      'GET /repos/someone/else',
    ])
    expect(gh.requests[1].headers.authorization).toBe('Bearer abc')
  })

  it('rejects tokens outside the accepted list', async () => {
    gh.state.tokens = ['good']
    expect((await call(gh, 'GET', R, undefined, { authorization: 'token bad' })).body).toMatchObject({
      message: 'Bad credentials',
    })
    expect((await call(gh, 'GET', R, undefined, { authorization: 'token good' })).status).toBe(200)
  })

  it('paginates with a real Link header', async () => {
    const issue = gh.addIssue()
    for (let i = 0; i < 5; i++) gh.addComment({ issue: issue.number, body: `c${i}` })
    const first = await call(gh, 'GET', `${R}/issues/${issue.number}/comments?per_page=2`)
    expect((first.body as unknown[]).length).toBe(2)
    const link = first.headers.get('link') ?? ''
    expect(link).toContain(`<${gh.url}${R}/issues/${issue.number}/comments?per_page=2&page=2>; rel="next"`)
    expect(link).toContain('page=3>; rel="last"')
    const last = await call(gh, 'GET', `${R}/issues/${issue.number}/comments?per_page=2&page=3`)
    expect(last.body).toMatchObject([{ body: 'c4' }])
    expect(last.headers.get('link')).not.toContain('rel="next"')
  })

  it('maps permissions like GitHub: legacy permission plus role_name', async () => {
    gh.addUser('mia', { permission: 'maintain' })
    gh.addUser('tom', { permission: 'triage' })
    gh.addUser('stranger')
    const perm = async (u: string) => (await call(gh, 'GET', `${R}/collaborators/${u}/permission`)).body
    expect(await perm('mia')).toMatchObject({ permission: 'write', role_name: 'maintain' })
    expect(await perm('tom')).toMatchObject({ permission: 'read', role_name: 'triage' })
    expect(await perm('stranger')).toMatchObject({ permission: 'read', role_name: 'read' })
    gh.state.repo.private = true
    expect(await perm('stranger')).toMatchObject({ permission: 'none' })
    expect((await call(gh, 'GET', `${R}/collaborators/nobody-at-all/permission`)).status).toBe(404)
    expect(gh.violations).toEqual([])
  })

  it('filters pulls by owner:branch and silently ignores a bare branch', async () => {
    gh.addPull({ head: 'a' })
    gh.addPull({ head: 'b' })
    expect((await call(gh, 'GET', `${R}/pulls?head=octo-org:a`)).body).toMatchObject([{ head: { ref: 'a' } }])
    expect((await call(gh, 'GET', `${R}/pulls?head=a`)).body).toHaveLength(2)
    expect((await call(gh, 'GET', `${R}/pulls?head=other:a`)).body).toEqual([])
  })

  it('rejects a second open PR for a head and drafts where unsupported', async () => {
    gh.addPull({ head: 'x' })
    const dup = await call(gh, 'POST', `${R}/pulls`, { title: 't', head: 'x', base: 'main' })
    expect(dup).toMatchObject({
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ message: 'A pull request already exists for octo-org:x.' }],
      },
    })
    gh.state.repo.draftsSupported = false
    const draft = await call(gh, 'POST', `${R}/pulls`, { title: 't', head: 'y', base: 'main', draft: true })
    expect(draft).toMatchObject({
      status: 422,
      body: { message: 'Draft pull requests are not supported in this repository.' },
    })
    expect(gh.violations).toEqual([])
  })

  it('serves queued faults, then recovers', async () => {
    gh.fault({
      method: 'GET',
      path: /^\/repos\/[^/]+\/[^/]+$/,
      status: 502,
      body: { message: 'Bad Gateway' },
      times: 2,
    })
    expect((await call(gh, 'GET', R)).status).toBe(502)
    expect((await call(gh, 'GET', R)).status).toBe(502)
    expect((await call(gh, 'GET', R)).status).toBe(200)
    expect(gh.state.faults).toEqual([])
  })

  it('reports a response that breaks the OpenAPI schema', async () => {
    const issue = gh.addIssue({ title: 42 as unknown as string })
    await call(gh, 'GET', `${R}/issues/${issue.number}`)
    expect(gh.violations).toEqual([expect.stringContaining('$.title: expected string, got integer')])
  })

  it('reports a request body that breaks the OpenAPI schema', async () => {
    const issue = gh.addIssue()
    gh.addComment({ issue: issue.number, body: 'x' })
    const id = gh.state.comments[0].id
    await call(gh, 'POST', `${R}/issues/comments/${id}/reactions`, { content: 'thumbsup' })
    expect(gh.violations).toEqual([expect.stringContaining('request POST')])
  })
})

describe('fake GitHub server: reviews, checks and job logs', () => {
  let gh: FakeGitHub
  const R = '/repos/octo-org/octo-repo'
  const graphql = (body: unknown) => call(gh, 'POST', '/graphql', body)
  const THREADS = `query ($o: String!, $n: String!, $pr: Int!, $first: Int!, $after: String) {
    repository(owner: $o, name: $n) { pullRequest(number: $pr) { reviewThreads(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor } nodes { isResolved comments(first: 1) { nodes { databaseId } } } } } } }`
  beforeEach(async () => {
    gh = await startGitHubServer()
  })
  afterEach(async () => {
    expect(gh.violations).toEqual([])
    await gh.close()
  })

  it('serves a fork PR with the fork as head repository, and filters pulls by its owner', async () => {
    const p = gh.addPull({ head: 'patch-1', headRepo: 'contributor/octo-fork', user: 'contributor' })
    const got = await call(gh, 'GET', `${R}/pulls/${p.number}`)
    expect(got.body).toMatchObject({
      merged: false,
      head: {
        label: 'contributor:patch-1',
        ref: 'patch-1',
        user: { login: 'contributor' },
        repo: { full_name: 'contributor/octo-fork', fork: true, owner: { login: 'contributor' } },
      },
      base: { label: 'octo-org:main', repo: { full_name: 'octo-org/octo-repo', fork: false } },
    })
    expect((await call(gh, 'GET', `${R}/pulls?head=contributor:patch-1`)).body).toMatchObject([
      { number: p.number },
    ])
    expect((await call(gh, 'GET', `${R}/pulls?head=octo-org:patch-1`)).body).toEqual([])
    // The same branch name in this repository is another head: a PR from it may be opened.
    const own = await call(gh, 'POST', `${R}/pulls`, { title: 't', head: 'patch-1', base: 'main' })
    expect(own.status).toBe(201)
    expect((await call(gh, 'GET', `${R}/pulls/999`)).status).toBe(404)
  })

  it('paginates review comments and counts them on the PR', async () => {
    const p = gh.addPull({ head: 'x' })
    for (let i = 0; i < 5; i++) gh.addReviewComment({ pull: p.number, body: `c${i}` })
    const first = await call(gh, 'GET', `${R}/pulls/${p.number}/comments?per_page=2`)
    expect(first.body).toMatchObject([{ body: 'c0' }, { body: 'c1' }])
    expect(first.headers.get('link')).toContain(
      `<${gh.url}${R}/pulls/${p.number}/comments?per_page=2&page=2>; rel="next"`,
    )
    expect((await call(gh, 'GET', `${R}/pulls/${p.number}`)).body).toMatchObject({ review_comments: 5 })
    expect((await call(gh, 'GET', `${R}/pulls/999/comments`)).status).toBe(404)
  })

  it('replies to the first comment of a thread only, and reacts 201 then 200', async () => {
    const p = gh.addPull({ head: 'x' })
    const root = gh.addReviewComment({ pull: p.number, body: 'why?', start_line: 2, line: 4 })
    const reply = await call(gh, 'POST', `${R}/pulls/${p.number}/comments/${root.id}/replies`, {
      body: 'because',
    })
    expect(reply.status).toBe(201)
    expect(reply.body).toMatchObject({
      in_reply_to_id: root.id,
      start_line: 2,
      line: 4,
      user: { login: 'github-actions[bot]' },
      pull_request_url: `${gh.url}${R}/pulls/${p.number}`,
    })
    expect(reply.headers.get('location')).toMatch(/\/pulls\/comments\/\d+$/)
    const id = (reply.body as { id: number }).id
    const nested = await call(gh, 'POST', `${R}/pulls/${p.number}/comments/${id}/replies`, { body: 'and?' })
    expect(nested).toMatchObject({ status: 422, body: { message: 'Validation Failed' } })
    expect((await call(gh, 'POST', `${R}/pulls/${p.number}/comments/${root.id}/replies`, {})).status).toBe(
      422,
    )
    expect(gh.violations.splice(0)).toEqual([expect.stringContaining('missing required property "body"')])
    const q = gh.addPull({ head: 'y' })
    expect(
      (await call(gh, 'POST', `${R}/pulls/${q.number}/comments/${root.id}/replies`, { body: 'b' })).status,
    ).toBe(404)
    const react = (content: string) =>
      call(gh, 'POST', `${R}/pulls/comments/${root.id}/reactions`, { content })
    expect((await react('rocket')).status).toBe(201)
    expect((await react('rocket')).status).toBe(200)
    const listed = await call(gh, 'GET', `${R}/pulls/${p.number}/comments`)
    expect(listed.body).toMatchObject([{ id: root.id, reactions: { rocket: 1, total_count: 1 } }, { id }])
  })

  it('answers the reviewThreads query page by page, with GraphQL errors for what it cannot resolve', async () => {
    const p = gh.addPull({ head: 'x' })
    const roots = [0, 1, 2].map((i) => gh.addReviewComment({ pull: p.number, body: `t${i}` }))
    gh.addReviewComment({ pull: p.number, body: 'r', in_reply_to: roots[1].id })
    gh.resolveThread(roots[1].id)
    const vars = { o: 'octo-org', n: 'octo-repo', pr: p.number, first: 2 }
    const page1 = await graphql({ query: THREADS, variables: vars })
    expect(page1.body).toEqual({
      data: {
        repository: {
          pullRequest: {
            reviewThreads: {
              pageInfo: { hasNextPage: true, endCursor: expect.any(String) },
              nodes: [
                { isResolved: false, comments: { nodes: [{ databaseId: roots[0].id }] } },
                { isResolved: true, comments: { nodes: [{ databaseId: roots[1].id }] } },
              ],
            },
          },
        },
      },
    })
    const after = (page1.body as any).data.repository.pullRequest.reviewThreads.pageInfo.endCursor
    const page2 = await graphql({ query: THREADS, variables: { ...vars, after } })
    expect((page2.body as any).data.repository.pullRequest.reviewThreads).toEqual({
      pageInfo: { hasNextPage: false, endCursor: expect.any(String) },
      nodes: [{ isResolved: false, comments: { nodes: [{ databaseId: roots[2].id }] } }],
    })

    const error = async (body: unknown) =>
      ((await graphql(body)).body as { errors: { message: string }[] }).errors
    expect(await error({ query: THREADS, variables: { ...vars, n: 'other' } })).toEqual([
      expect.objectContaining({
        type: 'NOT_FOUND',
        message: expect.stringMatching(/Could not resolve to a Repository/),
      }),
    ])
    expect(await error({ query: THREADS, variables: { ...vars, pr: 999 } })).toMatchObject([
      { type: 'NOT_FOUND' },
    ])
    expect(await error({ query: THREADS, variables: { ...vars, first: 101 } })).toMatchObject([
      { message: expect.stringMatching(/exceeds the `first` limit of 100/) },
    ])
    expect(await error({ query: THREADS, variables: { ...vars, after: 'bogus' } })).toMatchObject([
      { message: expect.stringMatching(/valid cursor/) },
    ])
    expect(await error({ query: '{ viewer { login } }' })).toMatchObject([{ message: expect.any(String) }])
    expect((await call(gh, 'POST', '/graphql', { query: THREADS }, {})).status).toBe(401)
    expect(gh.requests.filter((r) => r.path === '/graphql')).toHaveLength(8)
  })

  it('lists check runs of a SHA or PR branch, newest per name unless filter=all', async () => {
    const p = gh.addPull({ head: 'x', sha: 'c'.repeat(40) })
    gh.addCheckRun({ head_sha: p.sha!, name: 'test', conclusion: 'failure' })
    const rerun = gh.addCheckRun({ head_sha: p.sha!, name: 'test' })
    const other = gh.addCheckRun({ head_sha: p.sha!, name: 'build', app: null, status: 'queued' })
    const latest = await call(gh, 'GET', `${R}/commits/${p.sha}/check-runs`)
    expect(latest.body).toMatchObject({
      total_count: 2,
      check_runs: [
        { id: rerun.id, app: { slug: 'github-actions' }, pull_requests: [{ number: p.number }] },
        { id: other.id, app: null, conclusion: null },
      ],
    })
    expect((await call(gh, 'GET', `${R}/commits/x/check-runs?filter=all`)).body).toMatchObject({
      total_count: 3,
    })
    expect((await call(gh, 'GET', `${R}/commits/x/check-runs?check_name=build`)).body).toMatchObject({
      total_count: 1,
    })
    expect((await call(gh, 'GET', `${R}/commits/main/check-runs`)).body).toEqual({
      total_count: 0,
      check_runs: [],
    })
    expect((await call(gh, 'GET', `${R}/commits/no-such-branch/check-runs`)).status).toBe(422)
  })

  it('redirects to a job log that needs no token; 404 for an unknown job, 403 without actions: read', async () => {
    const job = gh.addCheckRun({ head_sha: 'd'.repeat(40), name: 'test', log: 'line 1\nline 2\n' })
    const res = await fetch(`${gh.url}${R}/actions/jobs/${job.id}/logs`, {
      headers: AUTH,
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    const location = res.headers.get('location') ?? ''
    expect(location).toMatch(new RegExp(`^${gh.url}/_logs/${job.id}\\?sig=`))
    const download = await fetch(location)
    expect(download.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await download.text()).toBe('line 1\nline 2\n')
    expect((await fetch(`${gh.url}/_logs/424242`)).status).toBe(404)
    expect((await call(gh, 'GET', `${R}/actions/jobs/424242/logs`)).status).toBe(404)
    gh.state.actionsRead = false
    expect(await call(gh, 'GET', `${R}/actions/jobs/${job.id}/logs`)).toMatchObject({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    })
  })
})
