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
}

export type Reaction = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes'

/** One reaction on a comment, and who left it. */
export interface CommentReaction {
  content: Reaction
  user: { login: string }
}

export interface GitHubApi {
  readonly repo: RepoRef
  getPermission(username: string): Promise<Permission>
  getUserType(login: string): Promise<string>
  getIssue(issueNumber: number): Promise<Issue>
  listComments(issueNumber: number): Promise<IssueComment[]>
  createComment(issueNumber: number, body: string): Promise<{ id: number; html_url: string }>
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
}
