import type {
  CheckRun,
  CommentReaction,
  GitHubApi,
  Issue,
  IssueComment,
  JobLog,
  Permission,
  PostedComment,
  PullDetails,
  PullRequest,
  Reaction,
  RepoRef,
  ReviewComment,
} from '../../src/github/api.js'
import { logTail } from '../../src/github/octokit.js'

/** A write the code under test made, in order. */
export type FakeWrite =
  | { kind: 'createComment'; issueNumber: number; body: string }
  | { kind: 'updateComment'; commentId: number; body: string }
  | { kind: 'addReaction'; commentId: number; content: Reaction }
  | { kind: 'createPull'; title: string; body: string; head: string; base: string; draft: boolean }
  | { kind: 'updatePull'; pullNumber: number; title: string; body: string }
  | { kind: 'dispatchWorkflow'; workflowId: string; ref: string; inputs: Record<string, string> }
  | { kind: 'replyToReviewComment'; pullNumber: number; commentId: number; body: string }
  | { kind: 'addReviewCommentReaction'; commentId: number; content: Reaction }

/**
 * An in-memory GitHubApi for unit tests: holds permissions, account types, issues and comments, records every
 * write in `writes` and every read call in `calls`. Unknown users have permission `none` and type `User`.
 */
export class FakeGitHubApi implements GitHubApi {
  readonly repo: RepoRef
  readonly permissions = new Map<string, Permission>()
  readonly userTypes = new Map<string, string>()
  /** Logins whose permission lookup fails (as a deleted account would). */
  readonly failingPermission = new Set<string>()
  readonly issues = new Map<number, Issue>()
  readonly comments = new Map<number, IssueComment[]>()
  readonly pulls: PullRequest[] = []
  /** Reactions by comment id; `addReaction` adds the action's own (as github-actions[bot]). */
  readonly reactions = new Map<number, CommentReaction[]>()
  /** What getPull answers, by number. */
  readonly pullDetails = new Map<number, PullDetails>()
  /** Review comments by PR number, oldest first; see addReviewComment. */
  readonly reviewComments = new Map<number, ReviewComment[]>()
  /** First comments of resolved review threads. */
  readonly resolved = new Set<number>()
  /** Check runs by ref (a SHA or branch), as listCheckRuns answers them. */
  readonly checkRuns = new Map<string, CheckRun[]>()
  /** Full job logs by job id (timestamped like GitHub's, if you like); jobLogTail cuts them as the real one. */
  readonly jobLogs = new Map<number, string>()
  /** False: jobLogTail answers `forbidden` (no `actions: read`). */
  actionsRead = true
  readonly writes: FakeWrite[] = []
  readonly calls: string[] = []
  defaultBranch = 'main'
  private nextId = 1_000_000

  constructor(repo: RepoRef = { owner: 'octo-org', repo: 'octo-repo' }) {
    this.repo = repo
  }

  /** Sets a login's permission and (optionally) account type. */
  user(login: string, permission: Permission, type = 'User'): this {
    this.permissions.set(login.toLowerCase(), permission)
    this.userTypes.set(login.toLowerCase(), type)
    return this
  }

  /** Adds a comment to an issue; `at` is created_at, `updated` defaults to it. */
  addComment(
    issueNumber: number,
    c: { id?: number; login: string; type?: string; body: string; at: string; updated?: string },
  ): IssueComment {
    const id = c.id ?? this.nextId++
    const comment: IssueComment = {
      id,
      body: c.body,
      user: { login: c.login, type: c.type ?? this.userTypes.get(c.login.toLowerCase()) ?? 'User' },
      created_at: c.at,
      updated_at: c.updated ?? c.at,
      html_url: `https://github.com/${this.repo.owner}/${this.repo.repo}/issues/${issueNumber}#issuecomment-${id}`,
    }
    const list = this.comments.get(issueNumber) ?? []
    list.push(comment)
    this.comments.set(issueNumber, list)
    return comment
  }

  /** Adds a review comment to a PR; with `inReplyTo`, a reply in that thread (path and lines default to its). */
  addReviewComment(
    pullNumber: number,
    c: Partial<Omit<ReviewComment, 'user'>> & { login: string; type?: string; body: string; at: string },
  ): ReviewComment {
    const { login, type, at, ...fields } = c
    const id = c.id ?? this.nextId++
    const list = this.reviewComments.get(pullNumber) ?? []
    const root = list.find((x) => x.id === c.inReplyTo)
    const comment: ReviewComment = {
      path: root?.path ?? 'src/index.ts',
      line: root?.line ?? 1,
      diffHunk: root?.diffHunk ?? '@@ -1,2 +1,3 @@\n+run()',
      created_at: at,
      updated_at: at,
      html_url: `https://github.com/${this.repo.owner}/${this.repo.repo}/pull/${pullNumber}#discussion_r${id}`,
      ...fields,
      id,
      // A reply to a reply joins the thread of the first comment, as GitHub keeps in_reply_to_id.
      inReplyTo: root?.inReplyTo ?? c.inReplyTo,
      user: { login, type: type ?? this.userTypes.get(login.toLowerCase()) ?? 'User' },
    }
    list.push(comment)
    this.reviewComments.set(pullNumber, list)
    return comment
  }

  async getPermission(username: string): Promise<Permission> {
    this.calls.push(`getPermission ${username}`)
    if (this.failingPermission.has(username.toLowerCase())) throw new Error(`Not Found: ${username}`)
    return this.permissions.get(username.toLowerCase()) ?? 'none'
  }

  async getUserType(login: string): Promise<string> {
    this.calls.push(`getUserType ${login}`)
    return this.userTypes.get(login.toLowerCase()) ?? 'User'
  }

  async getIssue(issueNumber: number): Promise<Issue> {
    this.calls.push(`getIssue ${issueNumber}`)
    const issue = this.issues.get(issueNumber)
    if (!issue) throw new Error(`Not Found: issue ${issueNumber}`)
    return issue
  }

  async listComments(issueNumber: number): Promise<IssueComment[]> {
    this.calls.push(`listComments ${issueNumber}`)
    return (this.comments.get(issueNumber) ?? []).map((c) => ({ ...c, user: { ...c.user } }))
  }

  async createComment(issueNumber: number, body: string): Promise<PostedComment> {
    this.writes.push({ kind: 'createComment', issueNumber, body })
    const c = this.addComment(issueNumber, {
      login: 'github-actions[bot]',
      type: 'Bot',
      body,
      at: new Date().toISOString(),
    })
    return { id: c.id, html_url: c.html_url, user: c.user.login }
  }

  async getComment(commentId: number): Promise<IssueComment> {
    this.calls.push(`getComment ${commentId}`)
    for (const list of this.comments.values()) {
      const found = list.find((c) => c.id === commentId)
      if (found) return found
    }
    throw new Error(`no comment ${commentId}`)
  }

  async updateComment(commentId: number, body: string): Promise<void> {
    this.writes.push({ kind: 'updateComment', commentId, body })
    for (const list of this.comments.values()) {
      const c = list.find((x) => x.id === commentId)
      if (c) {
        c.body = body
        c.updated_at = new Date().toISOString()
      }
    }
  }

  async addReaction(commentId: number, content: Reaction): Promise<{ login: string }> {
    this.writes.push({ kind: 'addReaction', commentId, content })
    const list = this.reactions.get(commentId) ?? []
    list.push({ content, user: { login: 'github-actions[bot]' } })
    this.reactions.set(commentId, list)
    return { login: 'github-actions[bot]' }
  }

  async listReactions(commentId: number, content: Reaction): Promise<CommentReaction[]> {
    this.calls.push(`listReactions ${commentId} ${content}`)
    return (this.reactions.get(commentId) ?? []).filter((r) => r.content === content)
  }

  async getDefaultBranch(): Promise<string> {
    this.calls.push('getDefaultBranch')
    return this.defaultBranch
  }

  async findOpenPull(branch: string): Promise<PullRequest | undefined> {
    this.calls.push(`findOpenPull ${branch}`)
    return this.pulls.find((p) => p.head === branch)
  }

  async createPull(p: {
    title: string
    body: string
    head: string
    base: string
    draft: boolean
  }): Promise<PullRequest & { draftFallback: boolean }> {
    this.writes.push({ kind: 'createPull', ...p })
    const number = this.pulls.length + 1
    const pull: PullRequest = {
      number,
      html_url: `https://github.com/${this.repo.owner}/${this.repo.repo}/pull/${number}`,
      draft: p.draft,
      head: p.head,
      base: p.base,
    }
    this.pulls.push(pull)
    return { ...pull, draftFallback: false }
  }

  async updatePull(pullNumber: number, p: { title: string; body: string }): Promise<PullRequest> {
    this.writes.push({ kind: 'updatePull', pullNumber, ...p })
    const pull = this.pulls.find((x) => x.number === pullNumber)
    if (!pull) throw new Error(`Not Found: pull ${pullNumber}`)
    return pull
  }

  async dispatchWorkflow(workflowId: string, ref: string, inputs: Record<string, string>): Promise<void> {
    this.writes.push({ kind: 'dispatchWorkflow', workflowId, ref, inputs })
  }

  async getPull(pullNumber: number): Promise<PullDetails> {
    this.calls.push(`getPull ${pullNumber}`)
    const pull = this.pullDetails.get(pullNumber)
    if (!pull) throw new Error(`Not Found: pull ${pullNumber}`)
    return pull
  }

  async listReviewComments(pullNumber: number): Promise<ReviewComment[]> {
    this.calls.push(`listReviewComments ${pullNumber}`)
    return (this.reviewComments.get(pullNumber) ?? []).map((c) => ({ ...c, user: { ...c.user } }))
  }

  async resolvedThreads(pullNumber: number): Promise<Set<number>> {
    this.calls.push(`resolvedThreads ${pullNumber}`)
    const ids = new Set((this.reviewComments.get(pullNumber) ?? []).map((c) => c.id))
    return new Set([...this.resolved].filter((id) => ids.has(id)))
  }

  async replyToReviewComment(pullNumber: number, commentId: number, body: string): Promise<PostedComment> {
    this.writes.push({ kind: 'replyToReviewComment', pullNumber, commentId, body })
    const to = (this.reviewComments.get(pullNumber) ?? []).find((c) => c.id === commentId)
    if (!to) throw new Error(`Not Found: review comment ${commentId} on #${pullNumber}`)
    // As the stand-in server (and GitHub's docs): replies go to a thread's first comment.
    if (to.inReplyTo !== undefined) throw new Error(`Validation Failed: ${commentId} is a reply`)
    const c = this.addReviewComment(pullNumber, {
      login: 'github-actions[bot]',
      type: 'Bot',
      body,
      at: new Date().toISOString(),
      inReplyTo: to.id,
    })
    return { id: c.id, html_url: c.html_url, user: c.user.login }
  }

  async addReviewCommentReaction(commentId: number, content: Reaction): Promise<{ login: string }> {
    this.writes.push({ kind: 'addReviewCommentReaction', commentId, content })
    return { login: 'github-actions[bot]' }
  }

  async listCheckRuns(ref: string): Promise<CheckRun[]> {
    this.calls.push(`listCheckRuns ${ref}`)
    return (this.checkRuns.get(ref) ?? []).map((r) => ({ ...r }))
  }

  async jobLogTail(jobId: number, maxLines: number): Promise<JobLog> {
    this.calls.push(`jobLogTail ${jobId} ${maxLines}`)
    if (!this.actionsRead) {
      return { ok: false, reason: 'forbidden', message: 'Resource not accessible by integration' }
    }
    const log = this.jobLogs.get(jobId)
    if (log === undefined) return { ok: false, reason: 'missing', message: 'Not Found' }
    return { ok: true, tail: logTail(log, maxLines) }
  }
}
