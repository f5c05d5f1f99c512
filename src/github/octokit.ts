import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import { Octokit } from '@octokit/rest'
import { UserError } from '../errors.js'
import { REDACTED, type Redactor } from '../report/redact.js'
import type {
  CheckRun,
  CommentReaction,
  GitHubApi,
  Issue,
  IssueComment,
  JobLog,
  Permission,
  PullDetails,
  PullRequest,
  Reaction,
  RepoRef,
  ReviewComment,
} from './api.js'
import { wipTitle } from './pull-requests.js'
import { writeLimiters } from './write-limits.js'

/** GitHub rejects issue/PR comment and PR bodies longer than this many characters. */
export const MAX_BODY_CHARS = 65536

/** A line of a job log is cut to this many characters in `jobLogTail`. */
export const MAX_LOG_LINE_CHARS = 500

const TRUNCATED_NOTE = '\n\n… (truncated: the text was longer than GitHub accepts)'
const PERMISSIONS_HINT =
  'Give the workflow `permissions:` contents: write, issues: write, pull-requests: write (and actions: write to dispatch workflows).'
const PERMISSIONS: readonly Permission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none']
const ThrottledOctokit = Octokit.plugin(retry, throttling)

export interface GitHubApiOptions {
  token: string
  /** REST base URL; default `process.env.GITHUB_API_URL` or https://api.github.com. */
  baseUrl?: string
  repo: RepoRef
  /** Every text written to GitHub (and every log line) passes through it. */
  redactor: Redactor
  log?: (msg: string) => void
  /** Step debug logging: one line per request (method, path, status, time taken). */
  debug?: (msg: string) => void
  /** Milliseconds per "second" of retry back-off and Retry-After (default 1000; tests pass ~1). */
  retryDelayMs?: number
  /**
   * Minimum gap between write requests, from the first (tests pass 0). Default: a few writes at once, then
   * GitHub's spacing (1 s between writes, 3 s between notification-triggering writes): see write-limits.ts.
   */
  writeSpacingMs?: number
}

/** An API failure that is not the user's to fix (5xx after retries, unexpected 4xx). */
export class GitHubApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'GitHubApiError'
  }
}

/** Parses `owner/name` (as in GITHUB_REPOSITORY). Throws UserError on anything else. */
export function parseRepo(s: string): RepoRef {
  const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)\/([A-Za-z0-9._-]+)$/.exec((s ?? '').trim())
  if (!m || m[2] === '.' || m[2] === '..') {
    throw new UserError(
      `The repository must be given as "owner/name"; got "${s}".`,
      'GITHUB_REPOSITORY is set by the Actions runner; when running elsewhere, set it to e.g. "octo-org/octo-repo".',
    )
  }
  return { owner: m[1], repo: m[2] }
}

interface RequestErrorLike {
  status: number
  message: string
  response?: { data?: unknown }
}

function isRequestError(err: unknown): err is RequestErrorLike {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number'
}

/** GitHub's own `message` (plus validation `errors[].message`), not Octokit's decorated one. */
function apiMessage(err: RequestErrorLike): string {
  const data = err.response?.data as { message?: unknown; errors?: { message?: unknown }[] } | undefined
  if (data && typeof data.message === 'string') {
    const details = (Array.isArray(data.errors) ? data.errors : [])
      .map((e) => (typeof e?.message === 'string' ? e.message : ''))
      .filter(Boolean)
    return details.length ? `${data.message}: ${details.join('; ')}` : data.message
  }
  return err.message
}

/** What every group of API methods shares: the client, the repository, and the text and error helpers. */
interface ApiParts {
  octokit: InstanceType<typeof ThrottledOctokit>
  repo: RepoRef
  redactor: Redactor
  log: (msg: string) => void
  /** Redacted and cut to what GitHub accepts. */
  text: (s: string) => string
  call: <T>(op: string, fn: () => Promise<T>) => Promise<T>
  failure: (op: string, err: unknown) => Error
}

/**
 * Implements GitHubApi with Octokit (retry + throttling plugins). Writes are redacted and fitted to GitHub's
 * size limits; 401/403 permission problems become UserErrors with a hint; other failures GitHubApiError.
 */
export function createGitHubApi(opts: GitHubApiOptions): GitHubApi {
  const { repo, redactor } = opts
  const log = (msg: string) => opts.log?.(redactor.redact(msg))
  const failure = (op: string, err: unknown): Error => apiFailure(op, err, redactor)
  const octokit = createOctokit(opts, log)
  if (opts.debug) logRequests(octokit, (msg) => opts.debug?.(redactor.redact(msg)))
  const parts: ApiParts = {
    octokit,
    repo,
    redactor,
    log,
    text: (s) => fitBody(redactor.redact(s)),
    failure,
    async call(op, fn) {
      try {
        return await fn()
      } catch (err) {
        throw failure(op, err)
      }
    },
  }
  return {
    repo,
    ...peopleMethods(parts),
    ...issueMethods(parts),
    ...pullMethods(parts),
    ...reviewMethods(parts),
    ...checkMethods(parts),
    ...repoMethods(parts),
  }
}

/**
 * Logs each request as it ends: method, path (no query), status and time taken, retries and waits included.
 * Never a header or a body, so never a token.
 */
function logRequests(octokit: InstanceType<typeof ThrottledOctokit>, debug: (msg: string) => void): void {
  octokit.hook.wrap('request', async (request, options) => {
    const started = Date.now()
    const what = `${options.method} ${String(options.url).split('?')[0]}`
    try {
      const res = await request(options)
      debug(`GitHub API ${what} → ${res.status} (${Date.now() - started} ms)`)
      return res
    } catch (err) {
      const status = (err as { status?: unknown }).status
      debug(
        `GitHub API ${what} → ${typeof status === 'number' ? status : 'failed'} (${Date.now() - started} ms)`,
      )
      throw err
    }
  })
}

/** Octokit with retries, rate-limit handling and write spacing fitted to a run (or test-sized). */
function createOctokit(
  opts: GitHubApiOptions,
  log: (msg: string) => void,
): InstanceType<typeof ThrottledOctokit> {
  const base = opts.retryDelayMs ?? 1000
  const noop = () => {}
  // A few writes at once, then GitHub's spacing (see write-limits.ts); tests may space them as they like.
  const limits = writeLimiters(opts.writeSpacingMs)
  return new ThrottledOctokit({
    auth: opts.token,
    baseUrl: (opts.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    userAgent: 'implement-action',
    log: {
      debug: noop,
      info: noop,
      warn: (m: string) => log(`GitHub API: ${m}`),
      error: (m: string) => log(`GitHub API: ${m}`),
    },
    // 429 is the throttling plugin's to wait out (it follows Retry-After); retried here too, every wait would
    // send four more requests while GitHub asks for none.
    retry: { retryAfterBaseValue: base, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
    throttle: {
      retryAfterBaseValue: base,
      // Bottleneck.Group's types; the plugin calls only `key(id).schedule(...)`, which these have.
      write: limits.write as never,
      notifications: limits.notifications as never,
      onRateLimit: (after, options, _o, retryCount) =>
        retryOrGiveUp(log, 'rate limit', options, after, retryCount, 2),
      onSecondaryRateLimit: (after, options, _o, retryCount) =>
        retryOrGiveUp(log, 'secondary rate limit', options, after, retryCount, 1),
    },
  })
}

/**
 * Whether to retry a rate-limited request, logged either way: `retryCount` is the retries already made, so
 * the line counts the one about to happen ("retry 1/1"), or says that none will ("giving up").
 */
function retryOrGiveUp(
  log: (msg: string) => void,
  kind: string,
  request: { method: string; url: string },
  afterSeconds: number,
  retryCount: number,
  maxRetries: number,
): boolean {
  const retrying = retryCount < maxRetries
  const next = retrying ? `retry ${retryCount + 1}/${maxRetries} in ${afterSeconds}s` : 'giving up'
  log(`GitHub ${kind} hit on ${request.method} ${request.url}; ${next}.`)
  return retrying
}

/** A body GitHub accepts: cut at MAX_BODY_CHARS with a note. */
function fitBody(clean: string): string {
  return clean.length <= MAX_BODY_CHARS
    ? clean
    : clean.slice(0, MAX_BODY_CHARS - TRUNCATED_NOTE.length) + TRUNCATED_NOTE
}

interface GraphqlErrorLike {
  errors: { type?: string; message?: string }[]
}

/** A GraphQL answer with `errors` (HTTP 200), as @octokit/graphql throws it (GraphqlResponseError). */
function isGraphqlError(err: unknown): err is GraphqlErrorLike {
  return (
    err instanceof Error &&
    err.name === 'GraphqlResponseError' &&
    Array.isArray((err as { errors?: unknown }).errors)
  )
}

/** The error a caller sees for a failed request: a UserError with a hint where the fix is the user's. */
function apiFailure(op: string, err: unknown, redactor: Redactor): Error {
  if (isGraphqlError(err)) {
    const msg = redactor.redact(err.errors.map((e) => e.message ?? e.type ?? 'error').join('; '))
    return err.errors.some((e) => e.type === 'FORBIDDEN')
      ? new UserError(`The token is not allowed to ${op} (GraphQL: ${msg}).`, PERMISSIONS_HINT)
      : new GitHubApiError(`GitHub API could not ${op}: ${msg}`)
  }
  if (!isRequestError(err)) return err instanceof Error ? err : new Error(String(err))
  const msg = redactor.redact(apiMessage(err))
  if (err.status === 401) {
    return new UserError(
      `GitHub rejected the token while trying to ${op} (401: ${msg}).`,
      'Check the `github-token` input: it must be a valid, unexpired token for this repository.',
    )
  }
  if (err.status === 403 && /not permitted to create or approve pull requests/i.test(msg)) {
    return new UserError(
      `GitHub refused to ${op}: ${msg}`,
      'Enable Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create and approve pull requests", or pass a token that may.',
    )
  }
  if (err.status === 403 && /not accessible by|permission|must have/i.test(msg)) {
    return new UserError(`The token is not allowed to ${op} (403: ${msg}).`, PERMISSIONS_HINT)
  }
  return new GitHubApiError(`GitHub API could not ${op}: ${err.status} ${msg}`, err.status)
}

type PullData = {
  body?: string | null
  number: number
  html_url: string
  draft?: boolean
  title: string
  head: { ref: string }
  base: { ref: string }
  user?: { login: string } | null
}

function toPull(d: PullData): PullRequest {
  return {
    number: d.number,
    html_url: d.html_url,
    draft: d.draft ?? false,
    head: d.head.ref,
    base: d.base.ref,
    title: d.title,
    body: d.body ?? '',
    ...(d.user?.login ? { author: d.user.login } : {}),
  }
}

type PullDetailsData = PullData & {
  body: string | null
  state: string
  merged?: boolean
  head: { ref: string; sha: string; repo: { full_name: string } | null }
  base: { ref: string; repo: { full_name: string } }
  user: { login: string; type: string } | null
}

function toPullDetails(d: PullDetailsData): PullDetails {
  return {
    ...toPull(d),
    title: d.title,
    body: d.body ?? '',
    state: d.state === 'closed' ? 'closed' : 'open',
    merged: d.merged ?? false,
    headSha: d.head.sha,
    // null when the head's repository (a fork) was deleted, though the OpenAPI types say otherwise.
    headRepo: d.head.repo?.full_name ?? undefined,
    baseRepo: d.base.repo.full_name,
    user: { login: d.user?.login ?? 'ghost', type: d.user?.type ?? 'User' },
  }
}

type CommentData = {
  id: number
  body?: string
  user: { login: string; type: string } | null
  created_at: string
  updated_at: string
  html_url: string
}

function toComment(c: CommentData): IssueComment {
  return {
    id: c.id,
    body: c.body ?? '',
    user: { login: c.user?.login ?? 'ghost', type: c.user?.type ?? 'User' },
    created_at: c.created_at,
    updated_at: c.updated_at,
    html_url: c.html_url,
  }
}

function peopleMethods({
  octokit,
  repo,
  call,
  failure,
}: ApiParts): Pick<GitHubApi, 'getPermission' | 'getUserType'> {
  return {
    async getPermission(username) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username })
        // role_name carries maintain/triage, which `permission` folds into write/read; custom roles fall back.
        const role = data.role_name as Permission
        if (PERMISSIONS.includes(role)) return role
        return PERMISSIONS.includes(data.permission as Permission) ? (data.permission as Permission) : 'none'
      } catch (err) {
        if (isRequestError(err) && err.status === 404) return 'none'
        throw failure(`read ${username}'s permission`, err)
      }
    },

    getUserType: (login) =>
      call(
        `look up user ${login}`,
        async () => (await octokit.rest.users.getByUsername({ username: login })).data.type,
      ),
  }
}

function issueMethods({
  octokit,
  repo,
  call,
  text,
}: ApiParts): Pick<
  GitHubApi,
  | 'getIssue'
  | 'listComments'
  | 'getComment'
  | 'createComment'
  | 'updateComment'
  | 'addReaction'
  | 'listReactions'
> {
  return {
    getIssue: (issueNumber) =>
      call(`read issue #${issueNumber}`, async () => {
        const { data } = await octokit.rest.issues.get({ ...repo, issue_number: issueNumber })
        const issue: Issue = {
          number: data.number,
          title: data.title,
          body: data.body ?? '',
          labels: data.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))).filter(Boolean),
          html_url: data.html_url,
          isPullRequest: data.pull_request != null,
        }
        return issue
      }),

    listComments: (issueNumber) =>
      call(`list the comments of #${issueNumber}`, async () => {
        const all = await octokit.paginate(octokit.rest.issues.listComments, {
          ...repo,
          issue_number: issueNumber,
          per_page: 100,
        })
        return all.map(toComment)
      }),

    getComment: (commentId) =>
      call(`read comment ${commentId}`, async () =>
        toComment((await octokit.rest.issues.getComment({ ...repo, comment_id: commentId })).data),
      ),

    createComment: (issueNumber, body) =>
      call(`comment on #${issueNumber}`, async () => {
        const { data } = await octokit.rest.issues.createComment({
          ...repo,
          issue_number: issueNumber,
          body: text(body),
        })
        return { id: data.id, html_url: data.html_url, user: data.user?.login ?? '' }
      }),

    updateComment: (commentId, body) =>
      call(`update comment ${commentId}`, async () => {
        await octokit.rest.issues.updateComment({ ...repo, comment_id: commentId, body: text(body) })
      }),

    addReaction: (commentId, content: Reaction) =>
      call(`react to comment ${commentId}`, async () => {
        const { data } = await octokit.rest.reactions.createForIssueComment({
          ...repo,
          comment_id: commentId,
          content,
        })
        return { login: data.user?.login ?? '' }
      }),

    listReactions: (commentId, content) =>
      call(`list the reactions to comment ${commentId}`, async () => {
        const all = await octokit.paginate(octokit.rest.reactions.listForIssueComment, {
          ...repo,
          comment_id: commentId,
          content,
          per_page: 100,
        })
        return all.map((r): CommentReaction => ({
          content: r.content as Reaction,
          user: { login: r.user?.login ?? 'ghost' },
        }))
      }),
  }
}

function pullMethods({
  octokit,
  repo,
  call,
  text,
  failure,
  log,
}: ApiParts): Pick<GitHubApi, 'getPull' | 'findOpenPull' | 'createPull' | 'updatePull'> {
  return {
    getPull: (pullNumber) =>
      call(`read pull request #${pullNumber}`, async () =>
        toPullDetails((await octokit.rest.pulls.get({ ...repo, pull_number: pullNumber })).data),
      ),

    findOpenPull: (branch) =>
      call(`find the open pull request for ${branch}`, async () => {
        const { data } = await octokit.rest.pulls.list({
          ...repo,
          head: `${repo.owner}:${branch}`,
          state: 'open',
          per_page: 100,
        })
        // The head filter is silently ignored by GitHub when malformed, so check it ourselves.
        const hit = data.find((p) => p.head.ref === branch)
        return hit ? toPull(hit) : undefined
      }),

    async createPull(p) {
      const request = { ...repo, title: text(p.title), body: text(p.body), head: p.head, base: p.base }
      try {
        const { data } = await octokit.rest.pulls.create({ ...request, draft: p.draft })
        return { ...toPull(data), draftFallback: false }
      } catch (err) {
        if (!(p.draft && isRequestError(err) && err.status === 422 && /draft/i.test(apiMessage(err)))) {
          throw failure(`open a pull request from ${p.head} into ${p.base}`, err)
        }
        log(
          `Draft pull requests are not supported here (${apiMessage(err)}); opening a regular one marked [WIP].`,
        )
      }
      return call(`open a pull request from ${p.head} into ${p.base}`, async () => {
        const { data } = await octokit.rest.pulls.create({
          ...request,
          title: text(wipTitle(p.title)),
          draft: false,
        })
        return { ...toPull(data), draftFallback: true }
      })
    },

    updatePull: (pullNumber, p) =>
      call(`update pull request #${pullNumber}`, async () => {
        const { data } = await octokit.rest.pulls.update({
          ...repo,
          pull_number: pullNumber,
          title: text(p.title),
          body: text(p.body),
        })
        return toPull(data)
      }),
  }
}

type ReviewCommentData = CommentData & {
  in_reply_to_id?: number | null
  pull_request_review_id: number | null
  path: string
  // `line` is null (not absent) once the diff moved on, though the OpenAPI description says integer.
  line?: number | null
  start_line?: number | null
  original_line?: number | null
  diff_hunk: string
}

function toReviewComment(c: ReviewCommentData): ReviewComment {
  return {
    ...toComment(c),
    inReplyTo: c.in_reply_to_id ?? undefined,
    reviewId: c.pull_request_review_id ?? undefined,
    path: c.path,
    line: c.line ?? undefined,
    startLine: c.start_line ?? undefined,
    originalLine: c.original_line ?? undefined,
    diffHunk: c.diff_hunk,
  }
}

/** The GraphQL query behind `resolvedThreads`; `$cursor` pages through 100 threads at a time. */
const REVIEW_THREADS_QUERY = `query ($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { isResolved comments(first: 1) { nodes { databaseId } } }
      }
    }
  }
}`

interface ReviewThreadsPage {
  repository: {
    pullRequest: {
      reviewThreads: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null }
        nodes: { isResolved: boolean; comments: { nodes: { databaseId: number | null }[] } }[]
      }
    } | null
  } | null
}

function reviewMethods({
  octokit,
  repo,
  call,
  text,
}: ApiParts): Pick<
  GitHubApi,
  'listReviewComments' | 'resolvedThreads' | 'replyToReviewComment' | 'addReviewCommentReaction'
> {
  return {
    listReviewComments: (pullNumber) =>
      call(`list the review comments of #${pullNumber}`, async () => {
        const all = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
          ...repo,
          pull_number: pullNumber,
          per_page: 100,
        })
        // GitHub lists them by id, ascending; ids grow with time.
        return all.map(toReviewComment).sort((a, b) => a.id - b.id)
      }),

    resolvedThreads: (pullNumber) =>
      call(`read the review threads of #${pullNumber}`, async () => {
        const resolved = new Set<number>()
        let cursor: string | null = null
        do {
          const page: ReviewThreadsPage = await octokit.graphql<ReviewThreadsPage>(REVIEW_THREADS_QUERY, {
            owner: repo.owner,
            name: repo.repo,
            number: pullNumber,
            cursor,
          })
          const threads = page.repository?.pullRequest?.reviewThreads
          if (!threads) throw new GitHubApiError(`GitHub API could not find pull request #${pullNumber}`)
          for (const t of threads.nodes) {
            const first = t.comments.nodes[0]?.databaseId
            if (t.isResolved && typeof first === 'number') resolved.add(first)
          }
          const next = threads.pageInfo.hasNextPage ? threads.pageInfo.endCursor : null
          cursor = next !== cursor ? next : null // a cursor that does not move would loop forever
        } while (cursor)
        return resolved
      }),

    replyToReviewComment: (pullNumber, commentId, body) =>
      call(`reply to review comment ${commentId} on #${pullNumber}`, async () => {
        const { data } = await octokit.rest.pulls.createReplyForReviewComment({
          ...repo,
          pull_number: pullNumber,
          comment_id: commentId,
          body: text(body),
        })
        return { id: data.id, html_url: data.html_url, user: data.user?.login ?? '' }
      }),

    addReviewCommentReaction: (commentId, content) =>
      call(`react to review comment ${commentId}`, async () => {
        const { data } = await octokit.rest.reactions.createForPullRequestReviewComment({
          ...repo,
          comment_id: commentId,
          content,
        })
        return { login: data.user?.login ?? '' }
      }),
  }
}

type CheckRunData = {
  id: number
  name: string
  status: string
  conclusion: string | null
  app: { slug?: string } | null
  html_url: string | null
}

function toCheckRun(r: CheckRunData): CheckRun {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    conclusion: r.conclusion,
    app: r.app?.slug ?? undefined,
    html_url: r.html_url ?? undefined,
  }
}

/** A GitHub Actions log line's leading timestamp, as in `2024-01-01T00:00:00.0000000Z `. */
const LOG_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/
// eslint-disable-next-line no-control-regex -- terminal colour codes are what this matches
const ANSI_ESCAPE = /\u001b\[[0-9;]*[A-Za-z]/g

/** One log line as the tail shows it, before it is cut: no timestamp, no colour codes. */
function cleanLogLine(raw: string): string {
  return raw
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '')
    .replace(LOG_TIMESTAMP, '')
    .replace(ANSI_ESCAPE, '')
}

/** A line cut to at most MAX_LOG_LINE_CHARS (with `…`); never in the middle of a REDACTED mark. */
function cutLogLine(line: string): string {
  if (line.length <= MAX_LOG_LINE_CHARS) return line
  let cut = MAX_LOG_LINE_CHARS - 1
  const mark = line.lastIndexOf(REDACTED, cut - 1)
  if (mark >= 0 && mark + REDACTED.length > cut) cut = mark
  return line.slice(0, cut) + '…'
}

/**
 * The last `maxLines` lines of a job log, cleaned (see cleanLogLine), trailing empty lines dropped, each cut to
 * MAX_LOG_LINE_CHARS. Walks back from the end of `log`, so only the lines kept are ever split out.
 *
 * `redact` sees the kept lines whole, before any is cut: a secret across the cut would otherwise lose its end
 * there and no longer be recognised, and its start would go out. It runs once more on the cut lines, so that
 * no pattern the cut completes goes out either.
 */
export function logTail(log: string, maxLines: number, redact: (text: string) => string = (t) => t): string {
  const kept: string[] = []
  let end = log.length
  while (kept.length < maxLines) {
    const start = end > 0 ? log.lastIndexOf('\n', end - 1) + 1 : 0
    const line = cleanLogLine(log.slice(start, end))
    if (kept.length || line.trim() !== '') kept.push(line)
    if (start === 0) break
    end = start - 1
  }
  if (!kept.length) return ''
  return redact(redact(kept.reverse().join('\n')).split('\n').map(cutLogLine).join('\n'))
}

function checkMethods({
  octokit,
  repo,
  call,
  failure,
  redactor,
}: ApiParts): Pick<GitHubApi, 'listCheckRuns' | 'jobLogTail'> {
  return {
    listCheckRuns: (ref) =>
      call(`list the check runs of ${ref}`, async () => {
        const all = await octokit.paginate(octokit.rest.checks.listForRef, {
          ...repo,
          ref,
          filter: 'latest',
          per_page: 100,
        })
        return all.map(toCheckRun)
      }),

    async jobLogTail(jobId, maxLines): Promise<JobLog> {
      let data: unknown
      try {
        // GitHub answers 302 to a short-lived plain-text download; fetch follows it.
        data = (await octokit.rest.actions.downloadJobLogsForWorkflowRun({ ...repo, job_id: jobId })).data
      } catch (err) {
        const status = isRequestError(err) ? err.status : 0
        const msg = isRequestError(err) ? redactor.redact(apiMessage(err)) : ''
        if (status === 403 && !/rate limit/i.test(msg)) {
          const message = `The token may not read the log of job ${jobId} (403: ${msg}); it needs \`actions: read\`.`
          return { ok: false, reason: 'forbidden', message }
        }
        if (status === 404 || status === 410) {
          const message = `The log of job ${jobId} is not available (${status}: ${msg}).`
          return { ok: false, reason: 'missing', message }
        }
        throw failure(`read the log of job ${jobId}`, err)
      }
      const log =
        typeof data === 'string' ? data : data instanceof ArrayBuffer ? new TextDecoder().decode(data) : ''
      // The tail goes into the model's prompt: nothing secret leaves with it, not even the start of a secret
      // that a line's cut would have split (logTail redacts before it cuts).
      return { ok: true, tail: logTail(log, Math.floor(maxLines), (t) => redactor.redact(t)) }
    },
  }
}

function repoMethods({
  octokit,
  repo,
  call,
  redactor,
}: ApiParts): Pick<GitHubApi, 'getDefaultBranch' | 'dispatchWorkflow'> {
  return {
    getDefaultBranch: () =>
      call(
        'read the repository',
        async () => (await octokit.rest.repos.get({ ...repo })).data.default_branch,
      ),

    dispatchWorkflow: (workflowId, ref, inputs) =>
      call(`dispatch workflow ${workflowId}`, async () => {
        const clean = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, redactor.redact(v)]))
        await octokit.rest.actions.createWorkflowDispatch({
          ...repo,
          workflow_id: workflowId,
          ref,
          inputs: clean,
        })
      }),
  }
}
