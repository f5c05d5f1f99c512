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
