/**
 * The review and checks part of the GitHub stand-in (github-server.ts wires it in): review comments and their
 * threads, reactions to them, the GraphQL `reviewThreads` query (the only place GitHub says whether a thread is
 * resolved), check runs of a commit, and GitHub Actions job logs (a 302 to a short-lived plain-text download,
 * served by the same server at /_logs/{job_id} without a token, like a signed blob URL).
 * Behaviours mirrored from GitHub: replies go to a thread's first comment (replying to a reply is refused with
 * 422, as the docs say replies to replies are not supported); `filter=latest` keeps the newest run per name;
 * job logs answer 403 without `actions: read`; GraphQL answers 200 with `errors` for what it cannot resolve.
 */
import type { Ctx, FakePull, FakeUser, GitHubState, Handler, Reply, Route } from './github-server.js'

export interface FakeReviewComment {
  id: number
  /** The PR's number. */
  pull: number
  body: string
  user: string
  path: string
  /** The line in the file (the last of a range); null once the diff moved on (an outdated comment). */
  line: number | null
  /** The first line of a multi-line comment. */
  start_line?: number | null
  original_line: number
  diff_hunk: string
  /** The thread's first comment; absent on a first comment. */
  in_reply_to?: number
  /** The review it came with (every comment has one on GitHub; a lone comment gets its own). */
  review_id?: number
  created_at: string
  updated_at: string
  /** The commit it is on; default the PR's head. */
  commit_id?: string
}

export interface FakeCheckRun {
  id: number
  head_sha: string
  name: string
  status: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending'
  conclusion:
    'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required' | null
  /** The app's slug; `github-actions` (the default) makes it a job of a workflow run, whose id is the job's. */
  app: string | null
  started_at: string
  completed_at: string | null
}

/** What the review and checks routes need from the server. */
export interface ServerKit {
  state: GitHubState
  /** The server's base URL (known once it listens). */
  base: () => string
  nextId: () => number
  now: () => string
  repoApi: () => string
  repoWeb: () => string
  web: string
  nodeId: (kind: string, id: number) => string
  addUser: (login: string, opts?: { type?: FakeUser['type'] }) => FakeUser
  userJson: (login: string) => Record<string, unknown>
  association: (login: string) => string
  reactionRollup: (url: string, commentId?: number) => Record<string, unknown>
  headSha: (p: FakePull) => string
  /** The route reacting to a comment for which `exists` (201 new, 200 existing). */
  reactTo: (exists: (commentId: number) => boolean, doc: string) => Handler
  json: (status: number, body: unknown, headers?: Record<string, string>) => Reply
  notFound: (doc?: string) => Reply
  invalid: (doc: string, errors: Record<string, unknown>[], message?: string) => Reply
  paginate: <T>(ctx: Ctx, all: T[]) => { page: T[]; headers: Record<string, string> }
}

const DOC = {
  reply: 'https://docs.github.com/rest/pulls/comments#create-a-reply-for-a-review-comment',
  reaction:
    'https://docs.github.com/rest/reactions/reactions#create-reaction-for-a-pull-request-review-comment',
  logs: 'https://docs.github.com/rest/actions/workflow-jobs#download-job-logs-for-a-workflow-run',
  checks: 'https://docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference',
}
const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN)

/** Routes (OpenAPI templates), state helpers and the two non-REST endpoints for reviews and checks. */
export function reviewsAndChecks(kit: ServerKit) {
  const { state } = kit
  const helpers = stateHelpers(kit)
  const { reviewCommentJson, checkRunJson } = jsonBuilders(kit)
  const R = '/repos/{owner}/{repo}'
  const pullOf = (params: Record<string, string>) =>
    state.pulls.find((p) => p.number === num(params.pull_number))

  const listReviewComments: Handler = (ctx) => {
    const pull = pullOf(ctx.params)
    if (!pull) return kit.notFound()
    const all = state.reviewComments.filter((c) => c.pull === pull.number).sort((a, b) => a.id - b.id)
    const { page, headers } = kit.paginate(ctx, all)
    return kit.json(200, page.map(reviewCommentJson), headers)
  }

  /** 404 unless the comment is on that PR; 422 for a reply to a reply ("not supported", say the docs). */
  const createReply: Handler = ({ params, body }) => {
    const pull = pullOf(params)
    const to = state.reviewComments.find((c) => c.id === num(params.comment_id) && c.pull === pull?.number)
    if (!pull || !to) return kit.notFound(DOC.reply)
    if (to.in_reply_to !== undefined) {
      const message = 'Replies to replies are not supported; reply to the first comment of the thread.'
      return kit.invalid(DOC.reply, [
        { resource: 'PullRequestReviewComment', code: 'custom', field: 'in_reply_to', message },
      ])
    }
    if (typeof body.body !== 'string' || body.body === '' || body.body.length > 65536) {
      const code = typeof body.body === 'string' && body.body !== '' ? 'invalid' : 'missing_field'
      return kit.invalid(DOC.reply, [{ resource: 'PullRequestReviewComment', code, field: 'body' }])
    }
    const c = helpers.addReviewComment({
      pull: pull.number,
      body: body.body,
      user: state.actor,
      in_reply_to: to.id,
    })
    return kit.json(201, reviewCommentJson(c), { location: `${kit.repoApi()}/pulls/comments/${c.id}` })
  }

  const listCheckRuns: Handler = (ctx) => {
    const sha = resolveRef(kit, ctx.params.ref)
    if (sha === undefined) {
      const message = `No commit found for SHA: ${ctx.params.ref}`
      return kit.json(422, { message, documentation_url: DOC.checks, status: '422' })
    }
    const name = ctx.query.get('check_name')
    const status = ctx.query.get('status')
    let runs = state.checkRuns
      .filter((r) => r.head_sha === sha && (!name || r.name === name) && (!status || r.status === status))
      .sort((a, b) => a.id - b.id)
    if ((ctx.query.get('filter') ?? 'latest') === 'latest') {
      const newest = new Map(runs.map((r) => [`${r.app}\n${r.name}`, r.id]))
      runs = runs.filter((r) => newest.get(`${r.app}\n${r.name}`) === r.id)
    }
    const { page, headers } = kit.paginate(ctx, runs)
    return kit.json(200, { total_count: runs.length, check_runs: page.map(checkRunJson) }, headers)
  }

  /** 403 without `actions: read` (checked first, as GitHub does), 404 for an unknown job, else a 302. */
  const jobLogs: Handler = ({ params }) => {
    if (!state.actionsRead) {
      const body = {
        message: 'Resource not accessible by integration',
        documentation_url: DOC.logs,
        status: '403',
      }
      return kit.json(403, body)
    }
    const id = num(params.job_id)
    if (state.jobLogs[id] === undefined) return kit.notFound(DOC.logs)
    const signature = Buffer.from(`${id}:${kit.now()}`).toString('base64url')
    const base = state.logsHost ? kit.base().replace('//127.0.0.1:', `//${state.logsHost}:`) : kit.base()
    return { status: 302, headers: { location: `${base}/_logs/${id}?sig=${signature}` } }
  }

  /** The download a job-log 302 points at (no token needed); not part of the REST API. */
  function serveLog(path: string): Reply | undefined {
    const m = /^\/_logs\/(\d+)$/.exec(path)
    if (!m) return undefined
    const log = state.jobLogs[Number(m[1])]
    return log === undefined
      ? { status: 404, body: 'The specified blob does not exist.', headers: { 'content-type': 'text/plain' } }
      : { status: 200, body: log, headers: { 'content-type': 'text/plain; charset=utf-8' } }
  }

  const routes: Route[] = [
    ['GET', `${R}/pulls/{pull_number}/comments`, listReviewComments],
    ['POST', `${R}/pulls/{pull_number}/comments/{comment_id}/replies`, createReply],
    [
      'POST',
      `${R}/pulls/comments/{comment_id}/reactions`,
      kit.reactTo((id) => state.reviewComments.some((c) => c.id === id), DOC.reaction),
    ],
    ['GET', `${R}/commits/{ref}/check-runs`, listCheckRuns],
    ['GET', `${R}/actions/jobs/{job_id}/logs`, jobLogs],
  ]
  return { routes, ...helpers, serveLog, graphql: (body: unknown) => reviewThreadsQuery(kit, body) }
}

/** A SHA as given, or the head of the newest PR from a branch of this repository; undefined if unknown. */
function resolveRef({ state, headSha }: ServerKit, ref: string): string | undefined {
  if (/^[0-9a-f]{40}$/i.test(ref)) return ref.toLowerCase()
  const pull = state.pulls.filter((p) => !p.headRepo && p.head === ref).at(-1)
  if (pull) return headSha(pull)
  const known = ref === state.repo.default_branch || (state.branches ?? []).includes(ref)
  return known ? '0'.repeat(40) : undefined
}

function stateHelpers(kit: ServerKit) {
  const { state } = kit
  const rootOf = (id: number): FakeReviewComment | undefined => {
    const c = state.reviewComments.find((x) => x.id === id)
    return c?.in_reply_to !== undefined ? rootOf(c.in_reply_to) : c
  }

  function addReviewComment(
    c: Partial<FakeReviewComment> & { pull: number; body: string },
  ): FakeReviewComment {
    if (!state.pulls.some((p) => p.number === c.pull)) throw new Error(`no pull request #${c.pull}`)
    const root = c.in_reply_to === undefined ? undefined : rootOf(c.in_reply_to)
    if (c.in_reply_to !== undefined && root?.pull !== c.pull) {
      throw new Error(`no review comment ${c.in_reply_to} on #${c.pull}`)
    }
    const created = c.created_at ?? kit.now()
    const line = c.line === undefined ? (root?.line ?? 1) : c.line
    const comment: FakeReviewComment = {
      id: kit.nextId(),
      user: 'octocat',
      path: root?.path ?? 'src/index.ts',
      start_line: root?.start_line,
      original_line: root?.original_line ?? line ?? 1,
      diff_hunk: root?.diff_hunk ?? '@@ -1,2 +1,3 @@\n import { run } from "./main.js"\n+run()',
      commit_id: root?.commit_id,
      review_id: kit.nextId(),
      updated_at: created,
      ...c,
      line,
      created_at: created,
      in_reply_to: root?.id,
    }
    if (!state.users[comment.user]) kit.addUser(comment.user)
    state.reviewComments.push(comment)
    return comment
  }

  function resolveThread(rootId: number, resolved = true): void {
    if (rootOf(rootId)?.id !== rootId) throw new Error(`${rootId} is not the first comment of a thread`)
    state.resolvedThreads = state.resolvedThreads.filter((id) => id !== rootId)
    if (resolved) state.resolvedThreads.push(rootId)
  }

  function addCheckRun(
    r: Partial<FakeCheckRun> & { head_sha: string; name: string; log?: string },
  ): FakeCheckRun {
    const { log, ...fields } = r
    const status = fields.status ?? 'completed'
    const run: FakeCheckRun = {
      id: kit.nextId(),
      status,
      conclusion: status === 'completed' ? 'success' : null,
      app: 'github-actions',
      started_at: kit.now(),
      completed_at: status === 'completed' ? kit.now() : null,
      ...fields,
    }
    state.checkRuns.push(run)
    if (log !== undefined) state.jobLogs[run.id] = log
    return run
  }

  return { addReviewComment, resolveThread, addCheckRun }
}

/** JSON for review comments and check runs, with every field the OpenAPI schemas require. */
function jsonBuilders(kit: ServerKit) {
  const { state } = kit

  function reviewCommentJson(c: FakeReviewComment) {
    const pull = state.pulls.find((p) => p.number === c.pull)
    const url = `${kit.repoApi()}/pulls/comments/${c.id}`
    const html = `${kit.repoWeb()}/pull/${c.pull}#discussion_r${c.id}`
    const pullUrl = `${kit.repoApi()}/pulls/${c.pull}`
    const commit = c.commit_id ?? (pull ? kit.headSha(pull) : '0'.repeat(40))
    const position = Math.max(c.diff_hunk.split('\n').length - 1, 1)
    return {
      url,
      pull_request_review_id: c.review_id ?? null,
      id: c.id,
      node_id: kit.nodeId('PullRequestReviewComment', c.id),
      diff_hunk: c.diff_hunk,
      path: c.path,
      // GitHub sends `line: null, position: null` on an outdated comment, but the OpenAPI description types
      // both as integers; leaving them out satisfies both readings.
      ...(c.line === null ? {} : { position, line: c.line }),
      original_position: position,
      commit_id: commit,
      original_commit_id: commit,
      ...(c.in_reply_to === undefined ? {} : { in_reply_to_id: c.in_reply_to }),
      user: kit.userJson(c.user),
      body: c.body,
      created_at: c.created_at,
      updated_at: c.updated_at,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: kit.association(c.user),
      _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
      start_line: c.start_line ?? null,
      original_start_line: c.start_line ?? null,
      start_side: c.start_line ? 'RIGHT' : null,
      original_line: c.original_line,
      side: 'RIGHT',
      subject_type: 'line',
      reactions: kit.reactionRollup(`${url}/reactions`, c.id),
    }
  }

  function appJson(slug: string) {
    const actions = slug === 'github-actions'
    const owner = actions ? 'github' : state.repo.owner
    if (!Object.values(state.users).some((u) => u.login === owner))
      kit.addUser(owner, { type: 'Organization' })
    const id = actions ? 15368 : 200_000 + slug.length
    return {
      id,
      slug,
      node_id: kit.nodeId('Integration', id),
      owner: kit.userJson(owner),
      name: actions ? 'GitHub Actions' : slug,
      description: actions ? 'Automate your workflow from idea to production' : null,
      external_url: actions ? 'https://help.github.com/en/actions' : `https://${slug}.example`,
      html_url: `${kit.web}/apps/${slug}`,
      created_at: '2018-07-30T09:30:17Z',
      updated_at: '2024-01-01T00:00:00Z',
      permissions: { actions: 'write', checks: 'write', contents: 'write', metadata: 'read' },
      events: ['check_run', 'check_suite', 'push', 'pull_request'],
    }
  }

  function checkRunJson(r: FakeCheckRun) {
    const suite = 9_000_000 + r.id
    const url = `${kit.repoApi()}/check-runs/${r.id}`
    const html =
      r.app === 'github-actions'
        ? `${kit.repoWeb()}/actions/runs/${suite}/job/${r.id}`
        : `${kit.repoWeb()}/runs/${r.id}`
    const repoRef = { id: state.repo.id, url: kit.repoApi(), name: state.repo.name }
    const pulls = state.pulls.filter(
      (p) => p.state === 'open' && !p.headRepo && kit.headSha(p) === r.head_sha,
    )
    return {
      id: r.id,
      head_sha: r.head_sha,
      node_id: kit.nodeId('CheckRun', r.id),
      external_id: String(r.id),
      url,
      html_url: html,
      details_url: html,
      status: r.status,
      conclusion: r.conclusion,
      started_at: r.started_at,
      completed_at: r.completed_at,
      output: {
        title: r.conclusion === 'failure' ? `${r.name} failed` : null,
        summary: null,
        text: null,
        annotations_count: 0,
        annotations_url: `${url}/annotations`,
      },
      name: r.name,
      check_suite: { id: suite },
      app: r.app === null ? null : appJson(r.app),
      pull_requests: pulls.map((p) => ({
        id: 2_000_000 + p.number,
        number: p.number,
        url: `${kit.repoApi()}/pulls/${p.number}`,
        head: { ref: p.head, sha: kit.headSha(p), repo: repoRef },
        base: { ref: p.base, sha: 'f'.repeat(40), repo: repoRef },
      })),
    }
  }

  return { reviewCommentJson, checkRunJson }
}

const cursorOf = (index: number) => Buffer.from(`cursor:v2:${index}`).toString('base64')
const indexOf = (cursor: string) => /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString())?.[1]

/**
 * Answers `repository(owner:$a, name:$b) { pullRequest(number:$c) { reviewThreads(first:N|$d, after:$e) {
 * pageInfo { hasNextPage endCursor } nodes { isResolved comments(first:1) { nodes { databaseId } } } } } }`
 * from state, 100 threads at most per page, in the order their first comments were written. GraphQL-style
 * errors (HTTP 200) for anything else, an unknown repository or PR, or a bad cursor.
 */
function reviewThreadsQuery({ state, json }: ServerKit, body: unknown): Reply {
  const fail = (message: string) => json(200, { errors: [{ message }] })
  /** What GitHub answers for a field that names nothing: `data` up to it, and a NOT_FOUND error. */
  const notFound = (message: string, path: string[], data: unknown) =>
    json(200, { data, errors: [{ type: 'NOT_FOUND', path, message }] })
  const { query, variables } = (body ?? {}) as { query?: unknown; variables?: Record<string, unknown> }
  if (typeof query !== 'string') return fail('A query attribute must be specified and must be a string.')
  const repoArgs = /repository\(\s*owner:\s*\$(\w+)\s*,\s*name:\s*\$(\w+)\s*\)/.exec(query)
  const pullArgs = /pullRequest\(\s*number:\s*\$(\w+)\s*\)/.exec(query)
  const threadArgs = /reviewThreads\(\s*first:\s*(\d+|\$\w+)\s*(?:,\s*after:\s*\$(\w+)\s*)?\)/.exec(query)
  if (!repoArgs || !pullArgs || !threadArgs || !/isResolved/.test(query) || !/databaseId/.test(query)) {
    return fail('The stand-in answers only reviewThreads queries (isResolved and the first databaseId).')
  }
  const v = (name: string) => variables?.[name]
  const [owner, name, number] = [v(repoArgs[1]), v(repoArgs[2]), v(pullArgs[1])]
  const first = threadArgs[1].startsWith('$') ? v(threadArgs[1].slice(1)) : Number(threadArgs[1])
  const after = threadArgs[2] === undefined ? undefined : v(threadArgs[2])
  const same = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase()
  if (!same(owner, state.repo.owner) || !same(name, state.repo.name)) {
    const message = `Could not resolve to a Repository with the name '${String(owner)}/${String(name)}'.`
    return notFound(message, ['repository'], { repository: null })
  }
  if (!Number.isInteger(number))
    return fail(`Variable $${pullArgs[1]} of type Int! was provided invalid value`)
  if (!state.pulls.some((p) => p.number === number)) {
    const message = `Could not resolve to a PullRequest with the number of ${String(number)}.`
    return notFound(message, ['repository', 'pullRequest'], { repository: { pullRequest: null } })
  }
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > 100) {
    return fail(
      `Requesting ${String(first)} records on the \`reviewThreads\` connection exceeds the \`first\` limit of 100 records.`,
    )
  }
  const start = after === undefined || after === null ? 0 : Number(indexOf(String(after)) ?? NaN)
  if (Number.isNaN(start)) return fail(`\`${String(after)}\` does not appear to be a valid cursor.`)
  const roots = state.reviewComments
    .filter((c) => c.pull === number && c.in_reply_to === undefined)
    .sort((a, b) => a.id - b.id)
  const page = roots.slice(start, start + first)
  const reviewThreads = {
    pageInfo: {
      hasNextPage: start + page.length < roots.length,
      endCursor: page.length ? cursorOf(start + page.length) : null,
    },
    nodes: page.map((c) => ({
      isResolved: state.resolvedThreads.includes(c.id),
      comments: { nodes: [{ databaseId: c.id }] },
    })),
  }
  return json(200, { data: { repository: { pullRequest: { reviewThreads } } } })
}
