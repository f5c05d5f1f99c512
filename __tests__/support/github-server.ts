/**
 * A stand-in for GitHub's REST API: a real node:http server on 127.0.0.1 with mutable in-memory state.
 * Every JSON body it sends is a full object as GitHub's OpenAPI description requires, and is validated against it
 * (and every JSON request body against the request schema) before sending; problems land in `violations`.
 * Behaviours mirrored from GitHub: token auth (401), Link pagination, `head=owner:branch` filtering (a bare branch
 * is silently ignored), one open PR per head, draft PRs unsupported on some plans (422), permission lookups
 * (non-collaborators read as `read` on a public repo and `none` on a private one; unknown logins 404).
 * Review comments, resolved threads (GraphQL at /graphql), check runs and job logs live in github-reviews.ts.
 * GHES-style paths work too: REST under /api/v3, GraphQL at /api/graphql. `state.latencyMs` holds every reply
 * back as a real round trip would; `load` counts the requests answered at once.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { reviewsAndChecks, type FakeCheckRun, type FakeReviewComment } from './github-reviews.js'
import { validateRequestBody, validateResponse } from './openapi.js'

export type { FakeCheckRun, FakeReviewComment } from './github-reviews.js'

export type FakePermission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'
export type UserType = 'User' | 'Bot' | 'Organization'

export interface FakeRepo {
  id: number
  owner: string
  name: string
  default_branch: string
  private: boolean
  /** False mimics a private repo on GitHub Free: `draft: true` is rejected with 422. */
  draftsSupported: boolean
}
export interface FakeUser {
  login: string
  id: number
  type: UserType
  /** The user's role on the repo; `none` means not a collaborator. */
  permission: FakePermission
}
export interface FakeIssue {
  number: number
  title: string
  body: string | null
  labels: string[]
  user: string
  state: 'open' | 'closed'
  created_at: string
  updated_at: string
}
export interface FakeComment {
  id: number
  issue: number
  body: string
  user: string
  created_at: string
  updated_at: string
}
export interface FakeReaction {
  id: number
  comment_id: number
  content: string
  user: string
  created_at: string
}
export interface FakePull {
  number: number
  title: string
  body: string | null
  /** Branch name of the head (in `headRepo`). */
  head: string
  /** `owner/name` of a fork the head branch is in; default this repository. */
  headRepo?: string
  /** The head commit; default a sha derived from head and number. */
  sha?: string
  base: string
  draft: boolean
  state: 'open' | 'closed'
  /** Merged (set `state: 'closed'` too, as GitHub does). */
  merged?: boolean
  user: string
  created_at: string
  updated_at: string
}
export interface FakeDispatch {
  workflow_id: string
  ref: string
  inputs: Record<string, unknown>
}
/**
 * The next `times` requests matching method + path (regex on the path incl. query) get this reply instead;
 * with `applied`, the request takes effect first (a change made whose answer was lost: a 502 from a proxy).
 */
export interface Fault {
  applied?: boolean
  method?: string
  path: RegExp
  status: number
  body?: unknown
  headers?: Record<string, string>
  times?: number
}
/** GitHub's answer when a secondary rate limit refuses a request: 403 with Retry-After, the next `times` times. */
export function secondaryRateLimit(method: string, path: RegExp, times = 1): Fault {
  return {
    method,
    path,
    status: 403,
    headers: { 'retry-after': '1', 'x-ratelimit-remaining': '4990' },
    body: {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
    times,
  }
}

export interface GitHubState {
  repo: FakeRepo
  users: Record<string, FakeUser>
  issues: FakeIssue[]
  comments: FakeComment[]
  reactions: FakeReaction[]
  pulls: FakePull[]
  dispatches: FakeDispatch[]
  faults: Fault[]
  /** The login that authenticated requests act as. */
  actor: string
  /** Accepted tokens; empty accepts any token. */
  tokens: string[]
  /** Existing workflow ids/file names for dispatch; undefined accepts any. */
  workflows?: string[]
  /** Existing branches for PR heads/bases; undefined accepts any. */
  branches?: string[]
  /** Review comments of every PR (github-reviews.ts). */
  reviewComments: FakeReviewComment[]
  /** Ids of the first comments of resolved review threads. */
  resolvedThreads: number[]
  checkRuns: FakeCheckRun[]
  /** Plain-text logs of GitHub Actions jobs by job id (a job's id is its check run's id). */
  jobLogs: Record<number, string>
  /** False: the token lacks `actions: read` and job logs answer 403. */
  actionsRead: boolean
  /**
   * Host name in the job-log download URL instead of 127.0.0.1 (`localhost`: another origin, as GitHub's blob
   * storage is, so a client must not send the token along).
   */
  logsHost?: string
  /** Milliseconds every request waits before its reply, as a real API's round trip does (0 or unset: none). */
  latencyMs?: number
}
export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
}
export interface FakeGitHub {
  /** Base URL without trailing slash; use as GITHUB_API_URL. */
  url: string
  state: GitHubState
  requests: RecordedRequest[]
  violations: string[]
  /** Requests being answered now, and the most ever answered at once (what a client's parallelism reached). */
  load: { inFlight: number; peak: number }
  addUser(login: string, opts?: { type?: UserType; permission?: FakePermission }): FakeUser
  addIssue(i?: Partial<FakeIssue>): FakeIssue
  addComment(c: {
    issue: number
    body: string
    user?: string
    created_at?: string
    updated_at?: string
  }): FakeComment
  addPull(p: Partial<FakePull> & { head: string }): FakePull
  /** A reaction to an issue or review comment by `user` (default: the authenticated actor). */
  addReaction(commentId: number, content: string, user?: string): FakeReaction
  /**
   * A review comment on PR `pull`. With `in_reply_to`, a reply in that comment's thread (path, lines and hunk
   * default to the thread's); otherwise the first comment of a new thread. Throws if the PR does not exist.
   */
  addReviewComment(c: Partial<FakeReviewComment> & { pull: number; body: string }): FakeReviewComment
  /** Marks the thread of first comment `rootId` resolved (or, with false, unresolved). */
  resolveThread(rootId: number, resolved?: boolean): void
  /** A check run; with `log`, it is a GitHub Actions job with that log (`jobLogs[id]`). */
  addCheckRun(r: Partial<FakeCheckRun> & { head_sha: string; name: string; log?: string }): FakeCheckRun
  /** The head commit of a PR, as the JSON shows it. */
  headSha(p: FakePull): string
  /** Queues a fault (see Fault). */
  fault(f: Fault): void
  /** Comments on an issue, oldest first. */
  commentsOn(issue: number): FakeComment[]
  close(): Promise<void>
}

export const WEB = 'https://github.com'
export const ACTIONS_BOT = 'github-actions[bot]'
const DOCS = 'https://docs.github.com/rest'
const REACTIONS = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes']
const DRAFT_UNSUPPORTED = 'Draft pull requests are not supported in this repository.'

/** `<field>=<suffix of the repo API URL>` for the many *_url fields of a repository object. */
const REPO_URLS = [
  'archive_url=/{archive_format}{/ref} assignees_url=/assignees{/user} blobs_url=/git/blobs{/sha}',
  'branches_url=/branches{/branch} collaborators_url=/collaborators{/collaborator}',
  'comments_url=/comments{/number} commits_url=/commits{/sha} compare_url=/compare/{base}...{head}',
  'contents_url=/contents/{+path} contributors_url=/contributors deployments_url=/deployments',
  'downloads_url=/downloads events_url=/events forks_url=/forks git_commits_url=/git/commits{/sha}',
  'git_refs_url=/git/refs{/sha} git_tags_url=/git/tags{/sha} hooks_url=/hooks',
  'issue_comment_url=/issues/comments{/number} issue_events_url=/issues/events{/number}',
  'issues_url=/issues{/number} keys_url=/keys{/key_id} labels_url=/labels{/name}',
  'languages_url=/languages merges_url=/merges milestones_url=/milestones{/number}',
  'notifications_url=/notifications{?since,all,participating} pulls_url=/pulls{/number}',
  'releases_url=/releases{/id} stargazers_url=/stargazers statuses_url=/statuses/{sha}',
  'subscribers_url=/subscribers subscription_url=/subscription tags_url=/tags teams_url=/teams',
  'trees_url=/git/trees{/sha}',
]
  .join(' ')
  .split(' ')
  .map((pair) => pair.split('=') as [string, string])

/** GitHub-style timestamp (no milliseconds). */
export function isoNow(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export interface Ctx {
  params: Record<string, string>
  query: URLSearchParams
  body: Record<string, unknown>
  path: string
}
export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}
export type Handler = (ctx: Ctx) => Reply
export type Route = [method: string, template: string, handler: Handler]

/** Starts the fake on a loopback port: `port`, else a free one. */
export async function startGitHubServer(
  init: Partial<Omit<GitHubState, 'repo'>> & { repo?: Partial<FakeRepo> } = {},
  { port = 0 }: { port?: number } = {},
): Promise<FakeGitHub> {
  const { repo: repoInit, ...rest } = init
  const state: GitHubState = {
    users: {},
    issues: [],
    comments: [],
    reactions: [],
    pulls: [],
    dispatches: [],
    faults: [],
    actor: ACTIONS_BOT,
    tokens: [],
    reviewComments: [],
    resolvedThreads: [],
    checkRuns: [],
    jobLogs: {},
    actionsRead: true,
    ...rest,
    repo: {
      id: 1296269,
      owner: 'octo-org',
      name: 'octo-repo',
      default_branch: 'main',
      private: false,
      draftsSupported: true,
      ...repoInit,
    },
  }
  const requests: RecordedRequest[] = []
  const violations: string[] = []
  const load = { inFlight: 0, peak: 0 }
  let seq = 1000
  const nextId = () => ++seq
  let api = '' // set once listening

  // ---- state helpers ----
  const sameLogin = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()
  const findUser = (login: string) =>
    state.users[login] ??
    Object.values(state.users).find((u) => u.login.toLowerCase() === login.toLowerCase())
  function addUser(login: string, opts: { type?: UserType; permission?: FakePermission } = {}): FakeUser {
    const u: FakeUser = {
      login,
      id: login === ACTIONS_BOT ? 41898282 : nextId(),
      type: opts.type ?? (login.endsWith('[bot]') ? 'Bot' : 'User'),
      permission: opts.permission ?? 'none',
    }
    state.users[login] = u
    return u
  }
  const ensureUser = (login: string) => findUser(login) ?? addUser(login)
  const nextNumber = () =>
    Math.max(0, ...state.issues.map((i) => i.number), ...state.pulls.map((p) => p.number)) + 1
  function addIssue(i: Partial<FakeIssue> = {}): FakeIssue {
    const now = isoNow()
    const issue: FakeIssue = {
      number: nextNumber(),
      title: 'An issue',
      body: '',
      labels: [],
      user: 'octocat',
      state: 'open',
      created_at: now,
      updated_at: now,
      ...i,
    }
    ensureUser(issue.user)
    state.issues.push(issue)
    return issue
  }
  function addComment(c: {
    issue: number
    body: string
    user?: string
    created_at?: string
    updated_at?: string
  }) {
    const created = c.created_at ?? isoNow()
    const comment: FakeComment = {
      id: nextId(),
      issue: c.issue,
      body: c.body,
      user: c.user ?? 'octocat',
      created_at: created,
      updated_at: c.updated_at ?? created,
    }
    ensureUser(comment.user)
    state.comments.push(comment)
    return comment
  }
  function addPull(p: Partial<FakePull> & { head: string }): FakePull {
    const now = isoNow()
    const pull: FakePull = {
      number: nextNumber(),
      title: 'A pull request',
      body: null,
      base: state.repo.default_branch,
      draft: false,
      state: 'open',
      user: state.actor,
      created_at: now,
      updated_at: now,
      ...p,
    }
    ensureUser(pull.user)
    state.pulls.push(pull)
    return pull
  }
  function addReaction(commentId: number, content: string, user = state.actor): FakeReaction {
    ensureUser(user)
    const r: FakeReaction = { id: nextId(), comment_id: commentId, content, user, created_at: isoNow() }
    state.reactions.push(r)
    return r
  }
  const commentsOn = (issue: number) =>
    state.comments.filter((c) => c.issue === issue).sort((a, b) => a.id - b.id)

  // ---- JSON builders (every field the OpenAPI schema requires) ----
  const repoApi = () => `${api}/repos/${state.repo.owner}/${state.repo.name}`
  const repoWeb = () => `${WEB}/${state.repo.owner}/${state.repo.name}`
  const nodeId = (kind: string, id: number) =>
    Buffer.from(`0:${kind}${id}`).toString('base64').replace(/=+$/, '')

  function userJson(login: string) {
    const u = ensureUser(login)
    const url = `${api}/users/${u.login}`
    return {
      login: u.login,
      id: u.id,
      node_id: nodeId(u.type, u.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
      gravatar_id: '',
      url,
      html_url: u.type === 'Bot' ? `${WEB}/apps/${u.login.replace(/\[bot\]$/, '')}` : `${WEB}/${u.login}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: u.type,
      user_view_type: 'public',
      site_admin: false,
    }
  }
  function publicUserJson(login: string) {
    return {
      ...userJson(login),
      ...{ name: null, company: null, blog: '', location: null, email: null, hireable: null, bio: null },
      ...{ twitter_username: null, public_repos: 2, public_gists: 0, followers: 1, following: 0 },
      created_at: '2011-01-25T18:44:36Z',
      updated_at: '2024-01-01T00:00:00Z',
    }
  }
  /** This repository's JSON, or with `forkName` (`owner/name`) that of a public fork of it. */
  function repoJson(full: boolean, forkName?: string) {
    const fork = forkName !== undefined && !sameLogin(forkName, `${state.repo.owner}/${state.repo.name}`)
    const [owner, name] = fork ? forkName.split('/') : [state.repo.owner, state.repo.name]
    const forkId = [...(forkName ?? '')].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 1_000_000, 7)
    const r = fork ? { ...state.repo, id: 7_000_000 + forkId } : state.repo
    const u = `${api}/repos/${owner}/${name}`
    const web = `${WEB}/${owner}/${name}`
    const openIssues = fork ? 0 : state.issues.filter((i) => i.state === 'open').length
    const base = {
      id: r.id,
      node_id: nodeId('Repository', r.id),
      name,
      full_name: `${owner}/${name}`,
      owner: userJson(owner),
      private: fork ? false : r.private,
      html_url: web,
      description: 'A repository',
      fork,
      url: u,
      ...Object.fromEntries(REPO_URLS.map(([k, suffix]) => [k, u + suffix])),
      git_url: `git://github.com/${owner}/${name}.git`,
      ssh_url: `git@github.com:${owner}/${name}.git`,
      clone_url: `${web}.git`,
      svn_url: web,
      mirror_url: null,
      homepage: null,
      language: 'TypeScript',
      ...{ forks_count: 0, forks: 0, stargazers_count: 1, watchers_count: 1, watchers: 1, size: 108 },
      default_branch: r.default_branch,
      open_issues_count: openIssues,
      open_issues: openIssues,
      ...{ has_issues: true, has_projects: true, has_wiki: true, has_pages: false, has_downloads: true },
      ...{
        has_discussions: false,
        archived: false,
        disabled: false,
        visibility: !fork && r.private ? 'private' : 'public',
      },
      pushed_at: '2024-01-01T00:00:00Z',
      created_at: '2020-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      license: {
        key: 'mit',
        name: 'MIT License',
        url: `${api}/licenses/mit`,
        spdx_id: 'MIT',
        node_id: 'MDc6TGljZW5zZTEz',
      },
    }
    return full ? { ...base, subscribers_count: 1, network_count: 0 } : base
  }
  function labelJson(name: string, i: number) {
    const id = 208045946 + i
    return { id, node_id: nodeId('Label', id), url: `${repoApi()}/labels/${encodeURIComponent(name)}` }
  }
  function reactionRollup(url: string, commentId?: number) {
    const mine = state.reactions.filter((r) => r.comment_id === commentId)
    const count = (c: string) => mine.filter((r) => r.content === c).length
    return { url, total_count: mine.length, ...Object.fromEntries(REACTIONS.map((k) => [k, count(k)])) }
  }
  function association(login: string) {
    const u = ensureUser(login)
    if (u.login.toLowerCase() === state.repo.owner.toLowerCase()) return 'OWNER'
    return u.permission === 'none' ? 'NONE' : 'COLLABORATOR'
  }
  function issueJson(number: number) {
    const url = `${repoApi()}/issues/${number}`
    const pull = state.pulls.find((p) => p.number === number)
    const issue = state.issues.find((i) => i.number === number)
    const src = issue ?? { ...(pull as FakePull), labels: [] as string[] }
    return {
      id: 1_000_000 + number,
      node_id: nodeId('Issue', number),
      url,
      repository_url: repoApi(),
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `${repoWeb()}/${pull ? 'pull' : 'issues'}/${number}`,
      number,
      state: src.state,
      state_reason: null,
      title: src.title,
      body: src.body,
      user: userJson(src.user),
      labels: src.labels.map((name, i) => ({
        ...labelJson(name, i),
        name,
        description: null,
        color: 'ededed',
        default: false,
      })),
      assignee: null,
      assignees: [],
      milestone: null,
      locked: false,
      active_lock_reason: null,
      comments: commentsOn(number).length,
      ...(pull
        ? {
            pull_request: {
              url: `${repoApi()}/pulls/${number}`,
              html_url: `${repoWeb()}/pull/${number}`,
              diff_url: `${repoWeb()}/pull/${number}.diff`,
              patch_url: `${repoWeb()}/pull/${number}.patch`,
              merged_at: null,
            },
            draft: pull.draft,
          }
        : {}),
      closed_at: null,
      created_at: src.created_at,
      updated_at: src.updated_at,
      author_association: association(src.user),
      reactions: reactionRollup(`${url}/reactions`),
    }
  }
  function commentJson(c: FakeComment) {
    const url = `${repoApi()}/issues/comments/${c.id}`
    const onPull = state.pulls.some((p) => p.number === c.issue)
    return {
      id: c.id,
      node_id: nodeId('IssueComment', c.id),
      url,
      html_url: `${repoWeb()}/${onPull ? 'pull' : 'issues'}/${c.issue}#issuecomment-${c.id}`,
      body: c.body,
      user: userJson(c.user),
      created_at: c.created_at,
      updated_at: c.updated_at,
      issue_url: `${repoApi()}/issues/${c.issue}`,
      author_association: association(c.user),
      performed_via_github_app: null,
      reactions: reactionRollup(`${url}/reactions`, c.id),
    }
  }
  function reactionJson(r: FakeReaction) {
    return {
      id: r.id,
      node_id: nodeId('Reaction', r.id),
      user: userJson(r.user),
      content: r.content,
      created_at: r.created_at,
    }
  }
  const headOwner = (p: FakePull) => (p.headRepo ?? state.repo.owner).split('/')[0]
  const headSha = (p: FakePull) =>
    p.sha ?? Buffer.from(`${p.head}:${p.number}`).toString('hex').padEnd(40, '0').slice(0, 40)
  function pullJson(p: FakePull, simple: boolean) {
    const url = `${repoApi()}/pulls/${p.number}`
    const html = `${repoWeb()}/pull/${p.number}`
    const sha = headSha(p)
    const ref = (branch: string, s: string, fullName = `${state.repo.owner}/${state.repo.name}`) => ({
      label: `${fullName.split('/')[0]}:${branch}`,
      ref: branch,
      sha: s,
      user: userJson(fullName.split('/')[0]),
      repo: repoJson(false, fullName),
    })
    const link = (href: string) => ({ href })
    const base = {
      url,
      id: 2_000_000 + p.number,
      node_id: nodeId('PullRequest', p.number),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${repoApi()}/issues/${p.number}`,
      commits_url: `${url}/commits`,
      review_comments_url: `${url}/comments`,
      review_comment_url: `${repoApi()}/pulls/comments{/number}`,
      comments_url: `${repoApi()}/issues/${p.number}/comments`,
      statuses_url: `${repoApi()}/statuses/${sha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: userJson(p.user),
      body: p.body,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: p.created_at,
      updated_at: p.updated_at,
      closed_at: p.state === 'closed' ? p.updated_at : null,
      merged_at: p.merged ? p.updated_at : null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: ref(p.head, sha, p.headRepo),
      base: ref(p.base, 'f'.repeat(40)),
      _links: {
        self: link(url),
        html: link(html),
        issue: link(`${repoApi()}/issues/${p.number}`),
        comments: link(`${repoApi()}/issues/${p.number}/comments`),
        review_comments: link(`${url}/comments`),
        review_comment: link(`${repoApi()}/pulls/comments{/number}`),
        commits: link(`${url}/commits`),
        statuses: link(`${repoApi()}/statuses/${sha}`),
      },
      author_association: association(p.user),
      auto_merge: null,
      draft: p.draft,
    }
    if (simple) return base
    return {
      ...base,
      ...{ merged: p.merged ?? false, mergeable: null, rebaseable: null, mergeable_state: 'unknown' },
      merged_by: null,
      comments: commentsOn(p.number).length,
      review_comments: state.reviewComments.filter((c) => c.pull === p.number).length,
      maintainer_can_modify: false,
      ...{ commits: 1, additions: 1, deletions: 0, changed_files: 1 },
    }
  }

  // ---- replies ----
  const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
    status,
    body,
    headers,
  })
  const notFound = (doc = DOCS): Reply =>
    json(404, { message: 'Not Found', documentation_url: doc, status: '404' })
  const invalid = (doc: string, errors: Record<string, unknown>[], message = 'Validation Failed'): Reply =>
    json(422, { message, errors, documentation_url: doc, status: '422' })
  const issueExists = (n: number) =>
    state.issues.some((i) => i.number === n) || state.pulls.some((p) => p.number === n)
  const num = (s: string) => (/^\d+$/.test(s) ? Number(s) : NaN)

  function paginate<T>(ctx: Ctx, all: T[]): { page: T[]; headers: Record<string, string> } {
    const perPage = Math.min(Math.max(Number(ctx.query.get('per_page')) || 30, 1), 100)
    const page = Math.max(Number(ctx.query.get('page')) || 1, 1)
    const last = Math.max(Math.ceil(all.length / perPage), 1)
    const pageUrl = (n: number) => {
      const q = new URLSearchParams(ctx.query)
      q.set('per_page', String(perPage))
      q.set('page', String(n))
      return `<${api}${ctx.path}?${q.toString()}>`
    }
    const links: string[] = []
    if (page < last) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(last)}; rel="last"`)
    if (page > 1) links.push(`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`)
    return {
      page: all.slice((page - 1) * perPage, page * perPage),
      headers: links.length ? { link: links.join(', ') } : {},
    }
  }

  // ---- handlers ----
  const DOC = {
    permission:
      'https://docs.github.com/rest/collaborators/collaborators#get-repository-permissions-for-a-user',
    comment: 'https://docs.github.com/rest/issues/comments#create-an-issue-comment',
    reaction: 'https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue-comment',
    pull: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
    dispatch: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
  }
  /** Non-collaborators read as `read` on a public repo, `none` on a private one; maintain/triage fold. */
  const getPermission: Handler = ({ params }) => {
    const u = findUser(params.username)
    if (!u) return notFound(DOC.permission)
    const role = u.permission !== 'none' ? u.permission : state.repo.private ? 'none' : 'read'
    const legacy = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role
    const permissions = {
      admin: role === 'admin',
      maintain: ['admin', 'maintain'].includes(role),
      push: ['admin', 'maintain', 'write'].includes(role),
      triage: !['none', 'read'].includes(role),
      pull: role !== 'none',
    }
    const user = { ...userJson(u.login), permissions, role_name: role }
    return json(200, { permission: legacy, role_name: role, user })
  }

  const getUser: Handler = ({ params }) =>
    findUser(params.username) ? json(200, publicUserJson(params.username)) : notFound()

  const getIssue: Handler = ({ params }) => {
    const n = num(params.issue_number)
    return issueExists(n) ? json(200, issueJson(n)) : notFound()
  }

  const listComments: Handler = (ctx) => {
    const n = num(ctx.params.issue_number)
    if (!issueExists(n)) return notFound()
    const { page, headers } = paginate(ctx, commentsOn(n))
    return json(200, page.map(commentJson), headers)
  }

  const createComment: Handler = ({ params, body }) => {
    const n = num(params.issue_number)
    if (!issueExists(n)) return notFound()
    if (typeof body.body !== 'string' || body.body === '') {
      return invalid(DOC.comment, [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }])
    }
    if (body.body.length > 65536) {
      const message = 'body is too long (maximum is 65536 characters)'
      return invalid(DOC.comment, [{ resource: 'IssueComment', code: 'custom', field: 'body', message }])
    }
    const c = addComment({ issue: n, body: body.body, user: state.actor })
    return json(201, commentJson(c), { location: `${repoApi()}/issues/comments/${c.id}` })
  }

  const getComment: Handler = ({ params }) => {
    const c = state.comments.find((x) => x.id === num(params.comment_id))
    return c ? json(200, commentJson(c)) : notFound()
  }

  const updateComment: Handler = ({ params, body }) => {
    const c = state.comments.find((x) => x.id === num(params.comment_id))
    if (!c) return notFound()
    if (typeof body.body !== 'string' || body.body.length > 65536) {
      return invalid(DOC.comment, [{ resource: 'IssueComment', code: 'invalid', field: 'body' }])
    }
    c.body = body.body
    c.updated_at = isoNow()
    return json(200, commentJson(c))
  }

  /** Reacting to a comment for which `exists`: 201 when new, 200 when the actor already reacted so (as GitHub). */
  const reactTo =
    (exists: (commentId: number) => boolean, doc: string): Handler =>
    ({ params, body }) => {
      const id = num(params.comment_id)
      if (!exists(id)) return notFound()
      const content = body.content
      if (typeof content !== 'string' || !REACTIONS.includes(content)) {
        return invalid(doc, [{ resource: 'Reaction', code: 'invalid', field: 'content' }])
      }
      const mine = (r: FakeReaction) => r.comment_id === id && r.content === content && r.user === state.actor
      const same = state.reactions.find(mine)
      if (same) return json(200, reactionJson(same))
      return json(201, reactionJson(addReaction(id, content)))
    }
  const createReaction = reactTo((id) => state.comments.some((x) => x.id === id), DOC.reaction)

  /** The reactions to a comment, oldest first; `content` filters by kind. */
  const listReactions: Handler = (ctx) => {
    const id = num(ctx.params.comment_id)
    if (!state.comments.some((x) => x.id === id)) return notFound()
    const content = ctx.query.get('content')
    const mine = state.reactions.filter((r) => r.comment_id === id && (!content || r.content === content))
    const { page, headers } = paginate(ctx, mine)
    return json(200, page.map(reactionJson), headers)
  }

  /** `head=owner:branch` filters; a bare branch is silently ignored, like GitHub. */
  const listPulls: Handler = (ctx) => {
    const wanted = ctx.query.get('state') ?? 'open'
    const head = ctx.query.get('head') ?? ''
    const [owner, branch] = head.includes(':') ? head.split(/:(.*)/s) : [undefined, undefined]
    const base = ctx.query.get('base')
    const pulls = state.pulls
      .filter((p) => wanted === 'all' || p.state === wanted)
      .filter((p) => owner === undefined || (sameLogin(owner, headOwner(p)) && p.head === branch))
      .filter((p) => !base || p.base === base)
      .sort((a, b) => b.number - a.number)
    const { page, headers } = paginate(ctx, pulls)
    return json(
      200,
      page.map((p) => pullJson(p, true)),
      headers,
    )
  }

  /** One open PR per head+base; `draft: true` is a 422 where drafts are unsupported. */
  const createPull: Handler = ({ body }) => {
    const fail = (error: Record<string, unknown>) =>
      invalid(DOC.pull, [{ resource: 'PullRequest', ...error }])
    const missing = ['head', 'base', 'title'].find((k) => typeof body[k] !== 'string' || body[k] === '')
    if (missing) return fail({ code: 'missing_field', field: missing })
    let head = body.head as string
    const base = body.base as string
    if (head.includes(':')) {
      const [owner, branch] = head.split(/:(.*)/s)
      if (!sameLogin(owner, state.repo.owner)) return fail({ code: 'invalid', field: 'head' })
      head = branch
    }
    if (state.branches && !state.branches.includes(head)) return fail({ code: 'invalid', field: 'head' })
    if (state.branches && !state.branches.includes(base)) return fail({ code: 'invalid', field: 'base' })
    if (head === base) return fail({ code: 'custom', message: `No commits between ${base} and ${head}` })
    const sameHead = (p: FakePull) => sameLogin(headOwner(p), state.repo.owner) && p.head === head
    if (state.pulls.some((p) => p.state === 'open' && sameHead(p) && p.base === base)) {
      return fail({
        code: 'custom',
        message: `A pull request already exists for ${state.repo.owner}:${head}.`,
      })
    }
    if (body.draft === true && !state.repo.draftsSupported) {
      return json(422, { message: DRAFT_UNSUPPORTED, documentation_url: DOC.pull, status: '422' })
    }
    const p = addPull({
      head,
      base,
      title: body.title as string,
      body: typeof body.body === 'string' ? body.body : null,
      draft: body.draft === true,
      user: state.actor,
    })
    return json(201, pullJson(p, false), { location: `${repoApi()}/pulls/${p.number}` })
  }

  const updatePull: Handler = ({ params, body }) => {
    const p = state.pulls.find((x) => x.number === num(params.pull_number))
    if (!p) return notFound()
    if (typeof body.title === 'string') p.title = body.title
    if (typeof body.body === 'string') p.body = body.body
    if (body.state === 'open' || body.state === 'closed') p.state = body.state
    if (typeof body.base === 'string') p.base = body.base
    p.updated_at = isoNow()
    return json(200, pullJson(p, false))
  }

  const dispatch: Handler = ({ params, body }) => {
    if (state.workflows && !state.workflows.includes(params.workflow_id)) return notFound()
    if (typeof body.ref !== 'string') {
      return invalid(DOC.dispatch, [{ resource: 'WorkflowDispatch', code: 'missing_field', field: 'ref' }])
    }
    const inputs = (body.inputs ?? {}) as Record<string, unknown>
    state.dispatches.push({ workflow_id: params.workflow_id, ref: body.ref, inputs })
    return { status: 204 }
  }

  const getPull: Handler = ({ params }) => {
    const p = state.pulls.find((x) => x.number === num(params.pull_number))
    return p ? json(200, pullJson(p, false)) : notFound()
  }

  const reviews = reviewsAndChecks({
    state,
    base: () => api,
    nextId,
    now: () => isoNow(),
    repoApi,
    repoWeb,
    web: WEB,
    nodeId,
    addUser,
    userJson,
    association,
    reactionRollup,
    headSha,
    reactTo,
    json,
    notFound,
    invalid,
    paginate,
  })

  // ---- router table (templates exactly as in GitHub's OpenAPI description) ----
  const R = '/repos/{owner}/{repo}'
  const routes: Route[] = [
    ['GET', R, () => json(200, repoJson(true))],
    ['GET', `${R}/collaborators/{username}/permission`, getPermission],
    ['GET', '/users/{username}', getUser],
    ['GET', `${R}/issues/{issue_number}`, getIssue],
    ['GET', `${R}/issues/{issue_number}/comments`, listComments],
    ['POST', `${R}/issues/{issue_number}/comments`, createComment],
    ['GET', `${R}/issues/comments/{comment_id}`, getComment],
    ['PATCH', `${R}/issues/comments/{comment_id}`, updateComment],
    ['GET', `${R}/issues/comments/{comment_id}/reactions`, listReactions],
    ['POST', `${R}/issues/comments/{comment_id}/reactions`, createReaction],
    ['GET', `${R}/pulls`, listPulls],
    ['POST', `${R}/pulls`, createPull],
    ['GET', `${R}/pulls/{pull_number}`, getPull],
    ['PATCH', `${R}/pulls/{pull_number}`, updatePull],
    ['POST', `${R}/actions/workflows/{workflow_id}/dispatches`, dispatch],
    ...reviews.routes,
  ]
  const table = routes.map(([method, template, handler]) => {
    const names: string[] = []
    const source = template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      names.push(name)
      return '([^/]+)'
    })
    return { method, template, handler, names, regex: new RegExp(`^${source}$`) }
  })
  function route(method: string, pathname: string) {
    for (const r of table) {
      const m = r.method === method ? r.regex.exec(pathname) : null
      if (m) {
        const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]))
        return { template: r.template, handler: r.handler, params }
      }
    }
    return undefined
  }

  // ---- HTTP plumbing ----
  function send(res: ServerResponse, reply: Reply) {
    const headers: Record<string, string> = {
      'x-github-request-id': `FAKE:${requests.length}`,
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    }
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end()
      return
    }
    headers['content-type'] ??= 'application/json; charset=utf-8'
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
    res.writeHead(reply.status, headers).end(text)
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    let body: unknown = raw === '' ? undefined : raw
    try {
      if (raw) body = JSON.parse(raw)
    } catch {
      // keep the raw string
    }
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', 'http://fake.local')
    requests.push({ method, path: url.pathname + url.search, headers: { ...req.headers }, body })
    if (state.latencyMs) await new Promise((ok) => setTimeout(ok, state.latencyMs))
    // GHES serves REST under /api/v3 and GraphQL at /api/graphql.
    const pathname = url.pathname.replace(/^\/api\/v3(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql')

    const fault = state.faults.find(
      (f) => (!f.method || f.method.toUpperCase() === method) && f.path.test(url.pathname + url.search),
    )
    if (fault) {
      fault.times = (fault.times ?? 1) - 1
      if (fault.times <= 0) state.faults.splice(state.faults.indexOf(fault), 1)
      const match = fault.applied ? route(method, pathname) : undefined
      const obj =
        body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
      match?.handler({ params: match.params, query: url.searchParams, body: obj, path: url.pathname })
      return send(res, { status: fault.status, body: fault.body, headers: fault.headers })
    }

    // A job log's download URL is signed: it needs no token.
    const download = method === 'GET' ? reviews.serveLog(pathname) : undefined
    if (download) return send(res, download)

    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '')
    if (!auth) {
      return send(
        res,
        json(401, { message: 'Requires authentication', documentation_url: DOCS, status: '401' }),
      )
    }
    if (state.tokens.length && !state.tokens.includes(auth[1])) {
      return send(res, json(401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' }))
    }

    if (method === 'POST' && pathname === '/graphql') return send(res, reviews.graphql(body))
    const match = route(method, pathname)
    if (!match) return send(res, notFound())
    const { template, handler, params } = match
    let reply: Reply
    if (
      'owner' in params &&
      !(sameLogin(params.owner, state.repo.owner) && sameLogin(params.repo, state.repo.name))
    ) {
      reply = notFound()
    } else {
      if (body !== undefined) violations.push(...validateRequestBody(method, template, body))
      const obj =
        body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {}
      reply = handler({ params, query: url.searchParams, body: obj, path: url.pathname })
    }
    violations.push(...validateResponse(method, template, reply.status, reply.body))
    send(res, reply)
  }

  const server = createServer((req, res) => {
    load.peak = Math.max(load.peak, ++load.inFlight)
    handle(req, res)
      .catch((err: unknown) => {
        violations.push(
          `server error on ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`,
        )
        if (!res.headersSent) res.writeHead(500).end(JSON.stringify({ message: 'Server Error' }))
      })
      .finally(() => load.inFlight--)
  })
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', ok))
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  ensureUser(state.actor)
  if (!findUser(state.repo.owner)) addUser(state.repo.owner, { type: 'Organization' })

  return {
    url: api,
    state,
    requests,
    violations,
    load,
    addUser,
    addIssue,
    addComment,
    addPull,
    addReaction,
    addReviewComment: reviews.addReviewComment,
    resolveThread: reviews.resolveThread,
    addCheckRun: reviews.addCheckRun,
    headSha,
    fault: (f) => state.faults.push(f),
    commentsOn,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections()
        server.close((err) => (err ? fail(err) : ok()))
      }),
  }
}
