/**
 * The small surface of GitHub the action uses. `createGitHubApi` (octokit.ts) implements it with Octokit
 * (retry + throttling plugins) against GITHUB_API_URL; every text it writes passes through the Redactor.
 */
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none'

export interface RepoRef {
  owner: string
  repo: string
}

export interface IssueComment {
  id: number
  body: string
  user: { login: string; type: string } // type: 'User' | 'Bot' | 'Organization'
  created_at: string
  updated_at: string
  html_url: string
}

export interface Issue {
  number: number
  title: string
  body: string
  labels: string[]
  html_url: string
  isPullRequest: boolean
}

export interface PullRequest {
  number: number
  html_url: string
  draft: boolean
  head: string
  base: string
  /** The PR's title as GitHub has it (set by createGitHubApi; optional for other implementations). */
  title?: string
  /** The PR's body as GitHub has it (set by createGitHubApi; optional for other implementations). */
  body?: string
  /** Who opened it: the login of the token that did (set by createGitHubApi). */
  author?: string
}

/** A pull request as a review iteration reads it (see getPull). */
export interface PullDetails extends PullRequest {
  title: string
  body: string
  state: 'open' | 'closed'
  merged: boolean
  /** The head commit. */
  headSha: string
  /** `owner/name` of the repository the head branch is in; undefined when that repository is gone. */
  headRepo?: string
  /** `owner/name` of the repository the PR is in (the base). */
  baseRepo: string
  /** Who opened it. */
  user: { login: string; type: string }
}

/** One review comment (a comment on a line of the diff), as REST `pulls/{n}/comments` gives it. */
export interface ReviewComment {
  id: number
  /** The first comment of the thread this one replies to; absent on a thread's first comment. */
  inReplyTo?: number
  /** The review it was submitted with. */
  reviewId?: number
  path: string
  /** The line of the file the comment is on (its last line for a range); undefined when the diff moved on. */
  line?: number
  /** The first line of a multi-line comment. */
  startLine?: number
  /** The line when the comment was written (kept when the diff moved on). */
  originalLine?: number
  /** The diff hunk the comment is anchored to, up to its line. */
  diffHunk: string
  body: string
  user: { login: string; type: string }
  created_at: string
  updated_at: string
  html_url: string
}

/** One check run on a commit. */
export interface CheckRun {
  id: number
  name: string
  status: string
  /** `success`, `failure`, `timed_out`, `cancelled`, …; null while it runs. */
  conclusion: string | null
  /** The app that made it (`github-actions` for a job of a workflow run; its id is then the job's id). */
  app?: string
  html_url?: string
}

/** The end of a GitHub Actions job's log, or why it could not be read. */
export type JobLog =
  | { ok: true; tail: string }
  /** `forbidden`: the token lacks `actions: read`; `missing`: no such job, or its log expired. */
  | { ok: false; reason: 'forbidden' | 'missing'; message: string }

export type Reaction = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes'

/** One reaction on a comment, and who left it. */
export interface CommentReaction {
  content: Reaction
  user: { login: string }
}

/** A comment the action posted: its id, its address, and the login it was posted as (`''` if unknown). */
export interface PostedComment {
  id: number
  html_url: string
  user: string
}

export interface GitHubApi {
  readonly repo: RepoRef
  getPermission(username: string): Promise<Permission>
  getUserType(login: string): Promise<string>
  getIssue(issueNumber: number): Promise<Issue>
  listComments(issueNumber: number): Promise<IssueComment[]>
  /**
   * Comments on an issue or PR; resolves with the new comment and the login it was posted as (`''` when GitHub
   * does not say): how the action learns who it posts as when there is no comment to react to.
   */
  createComment(issueNumber: number, body: string): Promise<PostedComment>
  getComment(commentId: number): Promise<IssueComment>
  updateComment(commentId: number, body: string): Promise<void>
  /** Reacts as the token's user; resolves with that login (how the action learns who it posts as). */
  addReaction(commentId: number, content: Reaction): Promise<{ login: string }>
  /** The reactions of one kind on an issue comment (every page). */
  listReactions(commentId: number, content: Reaction): Promise<CommentReaction[]>
  getDefaultBranch(): Promise<string>
  /** The open PR whose head is `owner:branch`, if any. */
  findOpenPull(branch: string): Promise<PullRequest | undefined>
  /** Creates a PR. If drafts are not supported (422), creates a normal one and returns `draftFallback: true`. */
  createPull(p: {
    title: string
    body: string
    head: string
    base: string
    draft: boolean
  }): Promise<PullRequest & { draftFallback: boolean }>
  updatePull(pullNumber: number, p: { title: string; body: string }): Promise<PullRequest>
  dispatchWorkflow(workflowId: string, ref: string, inputs: Record<string, string>): Promise<void>
  /** One pull request by number (any state). */
  getPull(pullNumber: number): Promise<PullDetails>
  /** Every review comment of a PR (every page), oldest first. */
  listReviewComments(pullNumber: number): Promise<ReviewComment[]>
  /**
   * The ids of the first comments of the PR's resolved review threads (GraphQL `reviewThreads`: REST does not
   * say whether a thread is resolved).
   */
  resolvedThreads(pullNumber: number): Promise<Set<number>>
  /**
   * Replies in the thread of review comment `commentId`, which must be the thread's first comment: GitHub does
   * not support replies to replies. The body is redacted and fitted like every other write.
   */
  replyToReviewComment(pullNumber: number, commentId: number, body: string): Promise<PostedComment>
  /** Reacts to a review comment as the token's user; resolves with that login. */
  addReviewCommentReaction(commentId: number, content: Reaction): Promise<{ login: string }>
  /** The latest check runs (the newest per name) of a commit SHA or branch (every page). */
  listCheckRuns(ref: string): Promise<CheckRun[]>
  /**
   * The last `maxLines` lines of a GitHub Actions job's log (the job id is its check run's id): timestamps and
   * colour codes removed, trailing blank lines dropped, long lines cut, secrets redacted.
   */
  jobLogTail(jobId: number, maxLines: number): Promise<JobLog>
}
