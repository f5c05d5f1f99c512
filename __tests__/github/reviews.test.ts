import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import type { GitHubApi } from '../../src/github/api.js'
import {
  createGitHubApi,
  GitHubApiError,
  logTail,
  MAX_BODY_CHARS,
  MAX_LOG_LINE_CHARS,
} from '../../src/github/octokit.js'
import { Redactor } from '../../src/report/redact.js'
import { startGitHubServer, type FakeGitHub } from '../support/github-server.js'

const TOKEN = 'ghs_installationTokenForTests0123456789'
const LEAKED = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8'
const REPO = { owner: 'octo-org', repo: 'octo-repo' }

/** A line of a GitHub Actions job log: timestamp, one space, text. */
const stamped = (text: string, second = 0) =>
  `2024-05-01T12:00:${String(second).padStart(2, '0')}.1234567Z ${text}`

describe('review iteration reads and writes (Octokit against the stand-in)', () => {
  let gh: FakeGitHub
  let api: GitHubApi

  const apiAt = (baseUrl: string) => {
    const redactor = new Redactor()
    redactor.add(TOKEN)
    return createGitHubApi({
      token: TOKEN,
      baseUrl,
      repo: REPO,
      redactor,
      retryDelayMs: 1,
      writeSpacingMs: 0,
    })
  }

  beforeEach(async () => {
    gh = await startGitHubServer({ tokens: [TOKEN] })
    api = apiAt(gh.url)
  })
  afterEach(async () => {
    expect(gh.violations).toEqual([])
    await gh.close()
  })

  describe('getPull', () => {
    it('reads a PR from this repository', async () => {
      gh.addUser('alice', { permission: 'write' })
      const p = gh.addPull({
        head: 'issue-7',
        title: 'ISSUE-7: Login',
        body: null,
        user: 'alice',
        draft: true,
      })
      expect(await api.getPull(p.number)).toEqual({
        number: p.number,
        html_url: `https://github.com/octo-org/octo-repo/pull/${p.number}`,
        draft: true,
        head: 'issue-7',
        base: 'main',
        title: 'ISSUE-7: Login',
        body: '',
        state: 'open',
        merged: false,
        headSha: gh.headSha(p),
        headRepo: 'octo-org/octo-repo',
        baseRepo: 'octo-org/octo-repo',
        user: { login: 'alice', type: 'User' },
        author: 'alice',
      })
      expect(gh.requests.at(-1)?.path).toBe(`/repos/octo-org/octo-repo/pulls/${p.number}`)
    })

    it("names a fork's repository as headRepo, and says whether it was merged", async () => {
      const fork = gh.addPull({ head: 'fix-typo', headRepo: 'contributor/octo-repo', user: 'contributor' })
      expect(await api.getPull(fork.number)).toMatchObject({
        head: 'fix-typo',
        headRepo: 'contributor/octo-repo',
        baseRepo: 'octo-org/octo-repo',
        user: { login: 'contributor', type: 'User' },
      })
      const merged = gh.addPull({ head: 'done', state: 'closed', merged: true, body: 'b' })
      expect(await api.getPull(merged.number)).toMatchObject({ state: 'closed', merged: true, body: 'b' })
      const err = await api.getPull(999).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GitHubApiError)
      expect((err as GitHubApiError).message).toMatch(/could not read pull request #999: 404/)
    })
  })

  describe('review comments', () => {
    it('lists every review comment across pages, oldest first, threads and lines mapped', async () => {
      const pr = gh.addPull({ head: 'feature' })
      const other = gh.addPull({ head: 'other' })
      gh.addReviewComment({ pull: other.number, body: 'elsewhere' })
      const range = gh.addReviewComment({
        pull: pr.number,
        body: 'rename these',
        user: 'alice',
        path: 'src/a.ts',
        start_line: 3,
        line: 5,
        original_line: 5,
        diff_hunk: '@@ -1,5 +1,5 @@\n-a\n+b',
        created_at: '2024-01-01T00:00:00Z',
      })
      const outdated = gh.addReviewComment({ pull: pr.number, body: 'old', line: null, original_line: 9 })
      for (let i = 0; i < 228; i++) {
        gh.addReviewComment({
          pull: pr.number,
          body: `reply ${i}`,
          in_reply_to: i % 2 ? range.id : outdated.id,
        })
      }
      const all = await api.listReviewComments(pr.number)
      expect(all).toHaveLength(230)
      expect(all[0]).toEqual({
        id: range.id,
        inReplyTo: undefined,
        reviewId: range.review_id,
        path: 'src/a.ts',
        line: 5,
        startLine: 3,
        originalLine: 5,
        diffHunk: '@@ -1,5 +1,5 @@\n-a\n+b',
        body: 'rename these',
        user: { login: 'alice', type: 'User' },
        created_at: '2024-01-01T00:00:00Z',
        updated_at: '2024-01-01T00:00:00Z',
        html_url: `https://github.com/octo-org/octo-repo/pull/${pr.number}#discussion_r${range.id}`,
      })
      expect(all[1]).toMatchObject({
        id: outdated.id,
        line: undefined,
        originalLine: 9,
        startLine: undefined,
      })
      expect(all[229]).toMatchObject({ body: 'reply 227', inReplyTo: range.id, path: 'src/a.ts', line: 5 })
      expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => a - b))
      const pages = gh.requests.filter((r) => r.path.includes(`/pulls/${pr.number}/comments`))
      expect(pages.map((r) => new URL(r.path, gh.url).searchParams.get('page') ?? '1')).toEqual([
        '1',
        '2',
        '3',
      ])
      expect(pages.every((r) => r.path.includes('per_page=100'))).toBe(true)
    })

    it('replies in the thread of the comment given, and only there', async () => {
      const pr = gh.addPull({ head: 'feature' })
      const first = gh.addReviewComment({ pull: pr.number, body: 'one', path: 'a.ts' })
      const second = gh.addReviewComment({ pull: pr.number, body: 'two', path: 'b.ts', line: 12 })
      const theirs = gh.addReviewComment({ pull: pr.number, body: 'agreed', in_reply_to: second.id })
      const reply = await api.replyToReviewComment(pr.number, second.id, 'Renamed in abc123.')
      expect(reply.html_url).toBe(
        `https://github.com/octo-org/octo-repo/pull/${pr.number}#discussion_r${reply.id}`,
      )
      expect(reply.user).toBe('github-actions[bot]')
      expect(gh.state.reviewComments.find((c) => c.id === reply.id)).toMatchObject({
        pull: pr.number,
        in_reply_to: second.id,
        path: 'b.ts',
        line: 12,
        user: 'github-actions[bot]',
        body: 'Renamed in abc123.',
      })
      const listed = await api.listReviewComments(pr.number)
      expect(listed.filter((c) => c.inReplyTo === second.id).map((c) => c.body)).toEqual([
        'agreed',
        'Renamed in abc123.',
      ])
      expect(listed.filter((c) => c.inReplyTo === first.id)).toEqual([])

      // Replies to replies are not supported (422); a comment of another PR is not found (404).
      const toReply = await api.replyToReviewComment(pr.number, theirs.id, 'x').catch((e: unknown) => e)
      expect(toReply).toMatchObject({ name: 'GitHubApiError', status: 422 })
      expect((toReply as Error).message).toMatch(/Replies to replies are not supported/)
      const other = gh.addPull({ head: 'other' })
      const elsewhere = await api.replyToReviewComment(other.number, first.id, 'x').catch((e: unknown) => e)
      expect(elsewhere).toMatchObject({ name: 'GitHubApiError', status: 404 })
      expect(gh.state.reviewComments).toHaveLength(4)
    })

    it('says which login a reply was posted as', async () => {
      gh.state.actor = 'pat-user'
      const pr = gh.addPull({ head: 'feature' })
      const root = gh.addReviewComment({ pull: pr.number, body: 'rename this', user: 'alice' })
      const reply = await api.replyToReviewComment(pr.number, root.id, 'Renamed.')
      expect(reply.user).toBe('pat-user')
      expect(gh.state.reviewComments.find((c) => c.id === reply.id)?.user).toBe('pat-user')
    })

    it('redacts secrets in replies and fits them to what GitHub accepts', async () => {
      const pr = gh.addPull({ head: 'feature' })
      const root = gh.addReviewComment({ pull: pr.number, body: 'where is the key?' })
      await api.replyToReviewComment(pr.number, root.id, `It was ${LEAKED}; the token ${TOKEN} too.`)
      await api.replyToReviewComment(pr.number, root.id, 'y'.repeat(MAX_BODY_CHARS + 5))
      const sent = JSON.stringify(gh.requests.map((r) => r.body))
      expect(sent).not.toContain(LEAKED)
      expect(sent).not.toContain(TOKEN)
      const replies = gh.state.reviewComments.filter((c) => c.in_reply_to === root.id)
      expect(replies[0].body).toBe('It was ***; the token *** too.')
      expect(replies[1].body).toHaveLength(MAX_BODY_CHARS)
      expect(replies[1].body).toMatch(/truncated/)
    })

    it('reacts to a review comment and learns who it posts as', async () => {
      const pr = gh.addPull({ head: 'feature' })
      const c = gh.addReviewComment({ pull: pr.number, body: '/implement', user: 'alice' })
      expect(await api.addReviewCommentReaction(c.id, 'eyes')).toEqual({ login: 'github-actions[bot]' })
      expect(await api.addReviewCommentReaction(c.id, 'eyes')).toEqual({ login: 'github-actions[bot]' })
      expect(gh.state.reactions).toMatchObject([
        { comment_id: c.id, content: 'eyes', user: 'github-actions[bot]' },
      ])
      const posts = gh.requests.filter((r) => r.method === 'POST')
      expect(posts.map((r) => r.path)).toEqual([
        `/repos/octo-org/octo-repo/pulls/comments/${c.id}/reactions`,
        `/repos/octo-org/octo-repo/pulls/comments/${c.id}/reactions`,
      ])
      await expect(api.addReviewCommentReaction(424242, 'eyes')).rejects.toMatchObject({ status: 404 })
    })
  })

  describe('resolvedThreads (GraphQL)', () => {
    it('pages through every thread by cursor and returns the first comments of the resolved ones', async () => {
      const pr = gh.addPull({ head: 'feature' })
      const roots = Array.from({ length: 250 }, (_, i) =>
        gh.addReviewComment({ pull: pr.number, body: `t${i}` }),
      )
      gh.addReviewComment({ pull: pr.number, body: 'a reply', in_reply_to: roots[3].id })
      for (const i of [3, 120, 249]) gh.resolveThread(roots[i].id)
      gh.resolveThread(roots[120].id, false)
      const other = gh.addPull({ head: 'other' })
      gh.resolveThread(gh.addReviewComment({ pull: other.number, body: 'x' }).id)

      expect(await api.resolvedThreads(pr.number)).toEqual(new Set([roots[3].id, roots[249].id]))
      const posts = gh.requests.filter((r) => r.method === 'POST')
      expect(posts.map((r) => r.path)).toEqual(['/graphql', '/graphql', '/graphql'])
      const variables = posts.map((r) => (r.body as { variables: Record<string, unknown> }).variables)
      expect(variables[0]).toEqual({ owner: 'octo-org', name: 'octo-repo', number: pr.number, cursor: null })
      expect(variables.map((v) => typeof v.cursor)).toEqual(['object', 'string', 'string'])
      expect(posts[0].headers.authorization).toBe(`token ${TOKEN}`)
    })

    it('is empty for a PR without threads, and a GitHubApiError for a PR that does not exist', async () => {
      const pr = gh.addPull({ head: 'feature' })
      expect(await api.resolvedThreads(pr.number)).toEqual(new Set())
      const err = await api.resolvedThreads(404).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(GitHubApiError)
      expect((err as Error).message).toBe(
        'GitHub API could not read the review threads of #404: Could not resolve to a PullRequest with the number of 404.',
      )
    })

    it('turns a GraphQL FORBIDDEN error into a UserError with the permissions hint', async () => {
      const pr = gh.addPull({ head: 'feature' })
      gh.fault({
        method: 'POST',
        path: /^\/graphql$/,
        status: 200,
        body: {
          data: { repository: { pullRequest: null } },
          errors: [
            {
              type: 'FORBIDDEN',
              path: ['repository', 'pullRequest'],
              message: 'Resource not accessible by integration',
            },
          ],
        },
      })
      const err = await api.resolvedThreads(pr.number).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).hint).toMatch(/pull-requests: write/)
    })

    it('follows a GHES base URL: REST under /api/v3, GraphQL at /api/graphql', async () => {
      const ghes = apiAt(`${gh.url}/api/v3/`)
      const pr = gh.addPull({ head: 'feature' })
      gh.resolveThread(gh.addReviewComment({ pull: pr.number, body: 'x' }).id)
      expect((await ghes.getPull(pr.number)).head).toBe('feature')
      expect((await ghes.resolvedThreads(pr.number)).size).toBe(1)
      expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /api/v3/repos/octo-org/octo-repo/pulls/${pr.number}`,
        'POST /api/graphql',
      ])
    })
  })

  describe('check runs and job logs', () => {
    it('lists the latest check runs of a commit across pages', async () => {
      const pr = gh.addPull({ head: 'feature' })
      const sha = gh.headSha(pr)
      const stale = gh.addCheckRun({ head_sha: sha, name: 'test', conclusion: 'failure' })
      for (let i = 0; i < 149; i++) gh.addCheckRun({ head_sha: sha, name: `job ${i}` })
      const rerun = gh.addCheckRun({ head_sha: sha, name: 'test', conclusion: 'failure' })
      const ci = gh.addCheckRun({ head_sha: sha, name: 'lint', status: 'in_progress', app: 'super-ci' })
      gh.addCheckRun({ head_sha: 'a'.repeat(40), name: 'elsewhere' })

      const runs = await api.listCheckRuns(sha)
      expect(runs).toHaveLength(151)
      expect(runs.map((r) => r.id)).not.toContain(stale.id)
      expect(runs.find((r) => r.id === rerun.id)).toEqual({
        id: rerun.id,
        name: 'test',
        status: 'completed',
        conclusion: 'failure',
        app: 'github-actions',
        html_url: expect.stringMatching(
          new RegExp(`^https://github\\.com/octo-org/octo-repo/actions/runs/\\d+/job/${rerun.id}$`),
        ),
      })
      expect(runs.find((r) => r.id === ci.id)).toMatchObject({
        status: 'in_progress',
        conclusion: null,
        app: 'super-ci',
      })
      const pages = gh.requests.filter((r) => r.path.includes('/check-runs'))
      expect(pages).toHaveLength(2)
      expect(pages.every((r) => r.path.includes('filter=latest') && r.path.includes('per_page=100'))).toBe(
        true,
      )
      expect(await api.listCheckRuns('feature')).toHaveLength(151) // a branch name works too
    })

    it('follows the 302 to the log and keeps its last lines, timestamps and trailing blank lines removed', async () => {
      const lines = Array.from({ length: 3000 }, (_, i) => stamped(`step output ${i}`, i % 60))
      const log =
        '\uFEFF' +
        [...lines, stamped('##[error]Process completed with exit code 1.'), stamped(''), ''].join('\r\n')
      const job = gh.addCheckRun({ head_sha: 'b'.repeat(40), name: 'test', conclusion: 'failure', log })

      const got = await api.jobLogTail(job.id, 3)
      expect(got).toEqual({
        ok: true,
        tail: 'step output 2998\nstep output 2999\n##[error]Process completed with exit code 1.',
      })
      expect(gh.requests.map((r) => r.path.replace(/\?.*/, ''))).toEqual([
        `/repos/octo-org/octo-repo/actions/jobs/${job.id}/logs`,
        `/_logs/${job.id}`,
      ])
      expect(gh.requests[1].headers.authorization).toBe(`token ${TOKEN}`) // the same origin here
      const whole = await api.jobLogTail(job.id, 10_000)
      expect(whole.ok && whole.tail.split('\n')).toHaveLength(3001)
      expect(whole.ok && whole.tail.startsWith('step output 0\n')).toBe(true)
    })

    it('does not send the token to a download on another origin', async () => {
      gh.state.logsHost = 'localhost'
      gh.state.jobLogs[31] = stamped('done')
      expect(await api.jobLogTail(31, 1)).toEqual({ ok: true, tail: 'done' })
      const download = gh.requests.find((r) => r.path.startsWith('/_logs/31'))
      expect(download?.headers.host).toMatch(/^localhost:\d+$/)
      expect(download?.headers.authorization).toBeUndefined()
    })

    it('cuts long lines, strips colour codes and redacts secrets in the tail', async () => {
      const long = 'x'.repeat(5000)
      const log = [
        stamped(long),
        stamped('\u001b[31mFAIL\u001b[0m src/a.test.ts'),
        stamped(`token=${LEAKED}`),
      ].join('\n')
      gh.state.jobLogs[77] = log
      const got = await api.jobLogTail(77, 5)
      if (!got.ok) throw new Error(got.message)
      const [first, second, third] = got.tail.split('\n')
      expect(first).toHaveLength(MAX_LOG_LINE_CHARS)
      expect(first.endsWith('…')).toBe(true)
      expect(second).toBe('FAIL src/a.test.ts')
      expect(third).toBe('token=***')
    })

    it('redacts a secret that straddles the cut of a long line before cutting: not even its start goes out', async () => {
      // A registered secret and a pattern-shaped one, each starting `before` characters ahead of the cut, so the
      // cut would keep a start too short to be recognised (the exact match needs it whole, the pattern 20+).
      const across = (secret: string, before: number) =>
        stamped(`${'y'.repeat(MAX_LOG_LINE_CHARS - 2 - before)} ${secret} and more ${'z'.repeat(50)}`)
      const log = [across(TOKEN, 12), across(TOKEN, 2), across(LEAKED, 16), across(TOKEN, 30)]
      gh.state.jobLogs[78] = log.join('\n')
      const got = await api.jobLogTail(78, 10)
      if (!got.ok) throw new Error(got.message)
      for (const secret of [TOKEN, LEAKED]) expect(got.tail).not.toContain(secret.slice(0, 6))
      const lines = got.tail.split('\n')
      expect(lines).toHaveLength(4)
      for (const line of lines) {
        expect(line.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS)
        expect(line.endsWith('…')).toBe(true)
      }
      // Redacted, then cut: the mark shows where the secret was, and is never itself cut in two.
      expect(lines[0]).toContain(' *** and')
      expect(lines[1]).toBe(`${'y'.repeat(MAX_LOG_LINE_CHARS - 4)} …`)
      expect(lines[2]).toContain(' *** and')
      expect(lines[3]).toContain(' *** and more')
    })

    it('decodes a log served as application/octet-stream', async () => {
      gh.state.jobLogs[5] = 'unused'
      gh.fault({
        method: 'GET',
        path: /^\/_logs\/5/,
        status: 200,
        body: [stamped('one'), stamped('two')].join('\n'),
        headers: { 'content-type': 'application/octet-stream' },
      })
      expect(await api.jobLogTail(5, 1)).toEqual({ ok: true, tail: 'two' })
    })

    it('says forbidden without actions: read, missing for an unknown or expired job, and throws otherwise', async () => {
      gh.state.jobLogs[9] = stamped('hello')
      gh.state.actionsRead = false
      const forbidden = await api.jobLogTail(9, 10)
      expect(forbidden).toEqual({
        ok: false,
        reason: 'forbidden',
        message: expect.stringContaining('actions: read'),
      })
      expect(!forbidden.ok && forbidden.message).toMatch(/403: Resource not accessible by integration/)
      expect(gh.requests.filter((r) => r.path.startsWith('/_logs'))).toEqual([])

      gh.state.actionsRead = true
      expect(await api.jobLogTail(10, 10)).toMatchObject({ ok: false, reason: 'missing' })
      gh.fault({ method: 'GET', path: /\/actions\/jobs\/9\/logs$/, status: 410, body: { message: 'Gone' } })
      expect(await api.jobLogTail(9, 10)).toMatchObject({
        ok: false,
        reason: 'missing',
        message: expect.stringContaining('410'),
      })
      gh.fault({
        method: 'GET',
        path: /\/actions\/jobs\/9\/logs$/,
        status: 502,
        body: { message: 'Bad Gateway' },
        times: 4,
      })
      await expect(api.jobLogTail(9, 10)).rejects.toMatchObject({ name: 'GitHubApiError', status: 502 })
      expect(await api.jobLogTail(9, 10)).toEqual({ ok: true, tail: 'hello' })
    })
  })
})

describe('logTail', () => {
  it('keeps the last lines, dropping trailing blank ones', () => {
    expect(logTail('a\nb\nc\n\n  \n', 2)).toBe('b\nc')
    expect(logTail('a\nb\nc', 5)).toBe('a\nb\nc')
    expect(logTail('a\n\nb', 2)).toBe('\nb')
    expect(logTail('\na', 5)).toBe('\na')
  })

  it('is empty for no lines, an empty log or a blank one', () => {
    expect(logTail('a\nb', 0)).toBe('')
    expect(logTail('', 3)).toBe('')
    expect(logTail('\n\n\n', 3)).toBe('')
  })

  it('hands the kept lines to redact whole, before cutting them, and once more after', () => {
    const seen: string[] = []
    const redact = (t: string) => {
      seen.push(t)
      return t.replaceAll('SECRET', '***')
    }
    const long = 'a'.repeat(MAX_LOG_LINE_CHARS - 3) + 'SECRET and more'
    expect(logTail(`skipped\n${long}\nend`, 2, redact)).toBe('a'.repeat(MAX_LOG_LINE_CHARS - 3) + '…\nend')
    expect(seen[0]).toBe(`${long}\nend`)
    expect(seen).toHaveLength(2)
  })

  it('removes timestamps only at the start of a line', () => {
    expect(logTail(`${stamped('at 2024-05-01T12:00:00.1234567Z done')}\n2024-05-01T12:00:00Z short`, 2)).toBe(
      'at 2024-05-01T12:00:00.1234567Z done\nshort',
    )
  })
})
