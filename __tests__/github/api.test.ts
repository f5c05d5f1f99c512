import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import type { GitHubApi } from '../../src/github/api.js'
import { createGitHubApi, GitHubApiError, MAX_BODY_CHARS, parseRepo } from '../../src/github/octokit.js'
import { upsertPullRequest } from '../../src/github/pull-requests.js'
import { Redactor } from '../../src/report/redact.js'
import { secondaryRateLimit, startGitHubServer, type FakeGitHub } from '../support/github-server.js'

const TOKEN = 'ghs_installationTokenForTests0123456789'
const LEAKED = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'

describe('GitHubApi (Octokit) against the fake GitHub', () => {
  let gh: FakeGitHub
  let api: GitHubApi
  let logs: string[]

  beforeEach(async () => {
    gh = await startGitHubServer({ tokens: [TOKEN] })
    logs = []
    const redactor = new Redactor()
    redactor.add(TOKEN)
    api = createGitHubApi({
      token: TOKEN,
      baseUrl: gh.url,
      repo: { owner: 'octo-org', repo: 'octo-repo' },
      redactor,
      log: (m) => logs.push(m),
      retryDelayMs: 1,
      writeSpacingMs: 0,
    })
  })
  afterEach(async () => {
    expect(gh.violations).toEqual([])
    await gh.close()
  })

  it('sends the token and reads the default branch', async () => {
    gh.state.repo.default_branch = 'trunk'
    expect(await api.getDefaultBranch()).toBe('trunk')
    expect(gh.requests[0].headers.authorization).toBe(`token ${TOKEN}`)
  })

  it('defaults the base URL to GITHUB_API_URL', async () => {
    const saved = process.env.GITHUB_API_URL
    process.env.GITHUB_API_URL = gh.url + '/'
    try {
      const viaEnv = createGitHubApi({
        token: TOKEN,
        repo: api.repo,
        redactor: new Redactor(),
        retryDelayMs: 1,
      })
      expect(await viaEnv.getDefaultBranch()).toBe('main')
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL
      else process.env.GITHUB_API_URL = saved
    }
  })

  it('lists every comment across pages, oldest first', async () => {
    const issue = gh.addIssue()
    for (let i = 0; i < 250; i++) {
      const t = new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString().replace('.000', '')
      gh.addComment({
        issue: issue.number,
        body: `comment ${i}`,
        user: i % 2 ? 'alice' : 'dependabot[bot]',
        created_at: t,
      })
    }
    const comments = await api.listComments(issue.number)
    expect(comments).toHaveLength(250)
    expect(comments[0]).toMatchObject({
      body: 'comment 0',
      user: { login: 'dependabot[bot]', type: 'Bot' },
      created_at: '2024-01-01T00:00:00Z',
    })
    expect(comments[249]).toMatchObject({ body: 'comment 249', user: { login: 'alice', type: 'User' } })
    expect(comments[1].html_url).toMatch(
      /^https:\/\/github\.com\/octo-org\/octo-repo\/issues\/\d+#issuecomment-\d+$/,
    )
    const pages = gh.requests.filter((r) => r.path.includes('/comments'))
    expect(pages.map((r) => new URL(r.path, gh.url).searchParams.get('page') ?? '1')).toEqual(['1', '2', '3'])
    expect(pages.every((r) => r.path.includes('per_page=100'))).toBe(true)
  })

  it('looks up permissions, mapping roles, outsiders and unknown users', async () => {
    gh.addUser('ada', { permission: 'admin' })
    gh.addUser('mia', { permission: 'maintain' })
    gh.addUser('wes', { permission: 'write' })
    gh.addUser('tom', { permission: 'triage' })
    gh.addUser('outsider')
    expect(await api.getPermission('ada')).toBe('admin')
    expect(await api.getPermission('mia')).toBe('maintain')
    expect(await api.getPermission('wes')).toBe('write')
    expect(await api.getPermission('tom')).toBe('triage')
    expect(await api.getPermission('outsider')).toBe('read') // public repo: everyone can read
    gh.state.repo.private = true
    expect(await api.getPermission('outsider')).toBe('none')
    expect(await api.getPermission('no-such-user')).toBe('none') // 404
  })

  it('reads user types and issues', async () => {
    gh.addUser('alice')
    gh.addUser('my-app[bot]')
    expect(await api.getUserType('alice')).toBe('User')
    expect(await api.getUserType('my-app[bot]')).toBe('Bot')
    const issue = gh.addIssue({ title: 'Implement phase', body: null, labels: ['spec:auth', 'ready'] })
    expect(await api.getIssue(issue.number)).toEqual({
      number: issue.number,
      title: 'Implement phase',
      body: '',
      labels: ['spec:auth', 'ready'],
      html_url: `https://github.com/octo-org/octo-repo/issues/${issue.number}`,
      isPullRequest: false,
    })
    const pr = gh.addPull({ head: 'feature' })
    expect((await api.getIssue(pr.number)).isPullRequest).toBe(true)
    await expect(api.getIssue(999)).rejects.toMatchObject({ name: 'GitHubApiError', status: 404 })
  })

  it('creates, updates and reacts to comments', async () => {
    const issue = gh.addIssue()
    const trigger = gh.addComment({ issue: issue.number, body: '/implement ISSUE-1', user: 'alice' })
    await api.addReaction(trigger.id, 'eyes')
    expect(gh.state.reactions).toMatchObject([
      { comment_id: trigger.id, content: 'eyes', user: 'github-actions[bot]' },
    ])
    const created = await api.createComment(issue.number, 'Working on it')
    expect(created.html_url).toContain(`#issuecomment-${created.id}`)
    expect(created.user).toBe('github-actions[bot]')
    await api.updateComment(created.id, 'Done')
    expect(gh.commentsOn(issue.number).map((c) => c.body)).toEqual(['/implement ISSUE-1', 'Done'])
  })

  it('says which login a comment was posted as: a PAT posts as its user, not github-actions[bot]', async () => {
    gh.state.actor = 'pat-user'
    gh.addUser('pat-user', { permission: 'write' })
    const issue = gh.addIssue()
    const created = await api.createComment(issue.number, 'Working on it')
    expect(created.user).toBe('pat-user')
    expect(gh.commentsOn(issue.number)).toMatchObject([{ id: created.id, user: 'pat-user' }])
  })

  it('redacts secrets in every body it writes', async () => {
    const issue = gh.addIssue()
    const { id } = await api.createComment(issue.number, `found ${LEAKED} and ${TOKEN} in .env`)
    await api.updateComment(id, `still ${LEAKED}`)
    await api.createPull({
      title: `t ${LEAKED}`,
      body: `b ${TOKEN}`,
      head: 'issue-1',
      base: 'main',
      draft: true,
    })
    await api.dispatchWorkflow('implement.yml', 'main', { notes: `n ${LEAKED}` })
    const sent = JSON.stringify(gh.requests.map((r) => r.body))
    expect(sent).not.toContain(LEAKED)
    expect(sent).not.toContain(TOKEN)
    expect(gh.requests.find((r) => r.method === 'POST')?.body).toEqual({ body: 'found *** and *** in .env' })
    expect(gh.state.pulls[0]).toMatchObject({ title: 't ***', body: 'b ***' })
    expect(gh.state.dispatches).toEqual([
      { workflow_id: 'implement.yml', ref: 'main', inputs: { notes: 'n ***' } },
    ])
  })

  it('truncates bodies to what GitHub accepts', async () => {
    const issue = gh.addIssue()
    await api.createComment(issue.number, 'x'.repeat(MAX_BODY_CHARS + 10))
    const body = gh.commentsOn(issue.number)[0].body
    expect(body.length).toBe(MAX_BODY_CHARS)
    expect(body).toMatch(/truncated/)
  })

  it('retries a 500 and then succeeds', async () => {
    const issue = gh.addIssue({ title: 'flaky' })
    gh.fault({
      method: 'GET',
      path: /\/issues\/\d+$/,
      status: 500,
      body: { message: 'Server Error' },
      times: 2,
    })
    expect((await api.getIssue(issue.number)).title).toBe('flaky')
    expect(gh.requests.filter((r) => r.path.endsWith(`/issues/${issue.number}`))).toHaveLength(3)
  })

  it('gives up after repeated 500s with a GitHubApiError', async () => {
    const issue = gh.addIssue()
    gh.fault({
      method: 'POST',
      path: /\/comments$/,
      status: 503,
      body: { message: 'Unavailable' },
      times: 10,
    })
    const err = await api.createComment(issue.number, 'hi').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitHubApiError)
    expect((err as GitHubApiError).status).toBe(503)
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(4) // 1 + 3 retries
  })

  it('lists the reactions of one kind to a comment, across pages, with who reacted', async () => {
    const issue = gh.addIssue()
    const command = gh.addComment({ issue: issue.number, body: '/implement ISSUE-3', user: 'alice' })
    const other = gh.addComment({ issue: issue.number, body: 'thanks', user: 'bob' })
    for (let i = 0; i < 120; i++) gh.addReaction(command.id, 'heart', `fan-${i}`)
    gh.addReaction(command.id, 'eyes', 'alice')
    gh.addReaction(command.id, 'eyes') // the action (github-actions[bot])
    gh.addReaction(other.id, 'eyes', 'bob')
    expect(await api.listReactions(command.id, 'eyes')).toEqual([
      { content: 'eyes', user: { login: 'alice' } },
      { content: 'eyes', user: { login: 'github-actions[bot]' } },
    ])
    const hearts = await api.listReactions(command.id, 'heart')
    expect(hearts).toHaveLength(120)
    expect(hearts.at(-1)).toEqual({ content: 'heart', user: { login: 'fan-119' } })
    expect(await api.listReactions(other.id, 'rocket')).toEqual([])
    const err = await api.listReactions(999_999, 'eyes').catch((e: unknown) => e)
    expect((err as GitHubApiError).message).toMatch(/could not list the reactions to comment 999999: 404/)
  })

  it('waits out a secondary rate limit once, logging it', async () => {
    const issue = gh.addIssue()
    const secondary = secondaryRateLimit('POST', /\/comments$/)
    gh.fault({ ...secondary })
    await api.createComment(issue.number, 'one')
    expect(gh.commentsOn(issue.number)).toHaveLength(1)
    expect(logs.join('\n')).toMatch(/secondary rate limit/)

    gh.fault({ ...secondary, times: 2 })
    await expect(api.createComment(issue.number, 'two')).rejects.toBeInstanceOf(Error)
    expect(gh.commentsOn(issue.number)).toHaveLength(1)
    const path = '/repos/{owner}/{repo}/issues/{issue_number}/comments'
    expect(logs.filter((l) => /rate limit hit/.test(l))).toEqual([
      `GitHub secondary rate limit hit on POST ${path}; retry 1/1 in 1s.`,
      `GitHub secondary rate limit hit on POST ${path}; retry 1/1 in 1s.`,
      `GitHub secondary rate limit hit on POST ${path}; giving up.`,
    ])
  })

  it('waits out a primary rate limit until reset', async () => {
    gh.fault({
      method: 'GET',
      path: /^\/repos\/[^/]+\/[^/]+$/,
      status: 403,
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000)) },
      body: { message: 'API rate limit exceeded for installation ID 1.' },
      times: 2,
    })
    expect(await api.getDefaultBranch()).toBe('main')
    expect(logs.filter((l) => /rate limit hit/.test(l))).toEqual([
      'GitHub rate limit hit on GET /repos/{owner}/{repo}; retry 1/2 in 1s.',
      'GitHub rate limit hit on GET /repos/{owner}/{repo}; retry 2/2 in 1s.',
    ])
  })

  it('turns auth and permission failures into UserErrors with a hint', async () => {
    const bad = createGitHubApi({
      token: 'wrong',
      baseUrl: gh.url,
      repo: api.repo,
      redactor: new Redactor(),
      retryDelayMs: 1,
    })
    const err = await bad.getDefaultBranch().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).message).toMatch(/401: Bad credentials/)
    gh.fault({
      method: 'POST',
      path: /\/pulls$/,
      status: 403,
      body: { message: 'GitHub Actions is not permitted to create or approve pull requests.' },
    })
    const denied = await api
      .createPull({ title: 't', body: 'b', head: 'h', base: 'main', draft: false })
      .catch((e: unknown) => e)
    expect(denied).toBeInstanceOf(UserError)
    expect((denied as UserError).hint).toMatch(/Allow GitHub Actions to create and approve pull requests/)
    gh.fault({
      method: 'POST',
      path: /\/comments$/,
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    })
    const issue = gh.addIssue()
    const noWrite = await api.createComment(issue.number, 'x').catch((e: unknown) => e)
    expect((noWrite as UserError).hint).toMatch(/issues: write/)
  })

  it('falls back to a [WIP] regular PR when drafts are unsupported', async () => {
    gh.state.repo.draftsSupported = false
    const pull = await api.createPull({
      title: 'ISSUE-3: Login',
      body: 'b',
      head: 'issue-3',
      base: 'main',
      draft: true,
    })
    expect(pull).toMatchObject({
      draftFallback: true,
      draft: false,
      head: 'issue-3',
      base: 'main',
      title: '[WIP] ISSUE-3: Login',
    })
    const posts = gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'))
    expect(posts.map((r) => (r.body as { draft: boolean }).draft)).toEqual([true, false])
    expect(logs.join('\n')).toMatch(/Draft pull requests are not supported/)
    expect(gh.state.pulls).toHaveLength(1)
  })

  it('does not retry as non-draft for other 422s', async () => {
    gh.addPull({ head: 'dup' })
    await expect(
      api.createPull({ title: 't', body: 'b', head: 'dup', base: 'main', draft: true }),
    ).rejects.toThrow(/A pull request already exists for octo-org:dup/)
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('finds the open PR for a branch only', async () => {
    gh.addPull({ head: 'issue-1', state: 'closed' })
    gh.addPull({ head: 'issue-10' })
    expect(await api.findOpenPull('issue-1')).toBeUndefined()
    const open = gh.addPull({ head: 'issue-1', draft: true })
    expect(await api.findOpenPull('issue-1')).toMatchObject({
      number: open.number,
      draft: true,
      head: 'issue-1',
    })
    expect(gh.requests.at(-1)?.path).toContain('head=octo-org%3Aissue-1')
  })
})

describe('upsertPullRequest', () => {
  let gh: FakeGitHub
  let api: GitHubApi
  beforeEach(async () => {
    gh = await startGitHubServer()
    api = createGitHubApi({
      token: 't0ken-value',
      baseUrl: gh.url,
      repo: { owner: 'octo-org', repo: 'octo-repo' },
      redactor: new Redactor(),
      retryDelayMs: 1,
      writeSpacingMs: 0,
    })
  })
  afterEach(async () => {
    expect(gh.violations).toEqual([])
    await gh.close()
  })

  const req = { branch: 'issue-3', base: 'main', title: 'ISSUE-3: Login', body: 'first', draft: true }

  it('creates once, then updates the same PR', async () => {
    const first = await upsertPullRequest(api, req)
    expect(first).toMatchObject({
      created: true,
      draftFallback: false,
      pull: { draft: true, head: 'issue-3' },
    })
    const second = await upsertPullRequest(api, { ...req, title: 'ISSUE-3: Login v2', body: 'second' })
    expect(second).toMatchObject({
      created: false,
      draftFallback: false,
      pull: { number: first.pull.number },
    })
    expect(gh.state.pulls).toHaveLength(1)
    expect(gh.state.pulls[0]).toMatchObject({ title: 'ISSUE-3: Login v2', body: 'second', draft: true })
  })

  it('keeps the [WIP] prefix when updating a draft fallback', async () => {
    gh.state.repo.draftsSupported = false
    const first = await upsertPullRequest(api, req)
    expect(first).toMatchObject({ created: true, draftFallback: true })
    const second = await upsertPullRequest(api, { ...req, body: 'second' })
    expect(second).toMatchObject({ created: false, draftFallback: true })
    expect(gh.state.pulls).toHaveLength(1)
    expect(gh.state.pulls[0]).toMatchObject({ title: '[WIP] ISSUE-3: Login', body: 'second' })
  })

  it('updates the PR another run opened between lookup and create', async () => {
    const other = gh.addPull({ head: 'issue-3', title: 'old' })
    gh.fault({ method: 'GET', path: /\/pulls\?/, status: 200, body: [] })
    const result = await upsertPullRequest(api, req)
    expect(result).toMatchObject({ created: false, pull: { number: other.number } })
    expect(gh.state.pulls).toHaveLength(1)
    expect(gh.state.pulls[0].title).toBe('ISSUE-3: Login')
  })
})

describe('parseRepo', () => {
  it('splits owner/name', () => {
    expect(parseRepo('octo-org/octo.repo_1')).toEqual({ owner: 'octo-org', repo: 'octo.repo_1' })
    expect(parseRepo(' a/b ')).toEqual({ owner: 'a', repo: 'b' })
  })
  it.each(['', 'noslash', 'a/b/c', '/b', 'a/', '-a/b', 'a/..', 'a b/c'])('rejects %j', (s) => {
    expect(() => parseRepo(s)).toThrow(UserError)
  })
})
