/**
 * A whole world for end-to-end runs and the demo: a sandbox project pushed to a local bare `origin`, a CI-style
 * checkout of it, the fake GitHub with a maintainer and an issue, and real webhook payloads aimed at them.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { createOrigin, type Origin } from './git-fixture.js'
import { startGitHubServer, type FakeComment, type FakeGitHub, type FakeIssue } from './github-server.js'
import { examplePayload, REPO_ROOT } from './run-action.js'

export const SANDBOX_DIR = path.join(REPO_ROOT, '__tests__', 'fixtures', 'sandbox')
export const OWNER = 'octo-org'
export const REPO = 'octo-repo'
export const MAINTAINER = 'maintainer-mona'

/** Every file under a folder, as { relative path: content }. */
export function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name)
    const rel = prefix ? `${prefix}/${name}` : name
    if (statSync(full).isDirectory()) Object.assign(out, readTree(full, rel))
    else out[rel] = readFileSync(full, 'utf8')
  }
  return out
}

export interface Sandbox {
  origin: Origin
  /** The checkout the action runs in (GITHUB_WORKSPACE). */
  workspace: string
  /** A new CI-style checkout for the next run, as every workflow run starts with actions/checkout. */
  freshCheckout(): Promise<string>
  /** A file as it stands on a branch of origin, or undefined if it is not there. */
  originFile(branch: string, file: string): Promise<string | undefined>
  github: FakeGitHub
  issue: FakeIssue
  /** Posts a comment on the fake GitHub and returns the real `issue_comment.created` payload for it. */
  comment(body: string, opts?: { user?: string; created_at?: string }): { payload: any; comment: FakeComment }
  /** A real `workflow_dispatch` payload with these inputs. */
  dispatch(inputs: Record<string, string>, sender?: string): any
  /** Posts a comment in a PR's conversation and returns the real `issue_comment.created` payload (on a PR). */
  pullComment(pull: number, body: string, opts?: { user?: string }): { payload: any; comment: FakeComment }
  /**
   * The real `pull_request_review.submitted` payload of a review `reviewId` of `pull` with this body (its comments
   * are added to the fake GitHub by the test, with that `review_id`).
   */
  review(pull: number, reviewId: number, body: string, opts?: { user?: string; submitted_at?: string }): any
  /** The real `pull_request_review_comment.created` payload for a review comment the fake GitHub holds. */
  reviewComment(pull: number, comment: { id: number; body: string; user: string; created_at: string }): any
  cleanup(): Promise<void>
}

export async function createSandbox(
  opts: {
    files?: Record<string, string>
    issueTitle?: string
    labels?: string[]
    draftsSupported?: boolean
    /** The fake GitHub's loopback port; default a free one. */
    githubPort?: number
  } = {},
): Promise<Sandbox> {
  const origin = await createOrigin({
    files: { ...readTree(SANDBOX_DIR), ...opts.files },
    defaultBranch: 'main',
  })
  const workspace = await origin.clone({ depth: 0 })
  const github = await startGitHubServer(
    {
      repo: {
        owner: OWNER,
        name: REPO,
        default_branch: 'main',
        draftsSupported: opts.draftsSupported ?? true,
      },
    },
    { port: opts.githubPort },
  )
  github.addUser(MAINTAINER, { permission: 'write' })
  const issue = github.addIssue({
    title: opts.issueTitle ?? 'slugkit: implement the spec',
    body: 'Tracking issue for docs/specs/slugkit.md',
    labels: opts.labels ?? [],
    user: MAINTAINER,
  })

  const repository = (p: any): void => {
    p.repository.name = REPO
    p.repository.full_name = `${OWNER}/${REPO}`
    p.repository.owner.login = OWNER
    p.repository.default_branch = 'main'
  }

  const sandbox: Sandbox = {
    origin,
    workspace,
    github,
    issue,
    async freshCheckout() {
      sandbox.workspace = await origin.clone({ depth: 0 })
      return sandbox.workspace
    },
    originFile(branch, file) {
      // Untrimmed, so byte-exact comparisons hold.
      return new Promise((resolve) => {
        execFile('git', ['--git-dir', origin.bare, 'show', `${branch}:${file}`], (err, stdout) =>
          resolve(err ? undefined : stdout),
        )
      })
    },
    comment(body, o = {}) {
      const login = o.user ?? MAINTAINER
      const user = github.state.users[login] ?? github.addUser(login, { permission: 'read' })
      const comment = github.addComment({ issue: issue.number, body, user: login, created_at: o.created_at })
      const payload = examplePayload('issue_comment', (p) => p.action === 'created')
      repository(payload)
      payload.issue.number = issue.number
      payload.issue.title = issue.title
      payload.issue.labels = issue.labels.map((name) => ({ name }))
      delete payload.issue.pull_request
      Object.assign(payload.comment, {
        id: comment.id,
        body,
        created_at: comment.created_at,
        updated_at: comment.updated_at,
        html_url: `https://github.com/${OWNER}/${REPO}/issues/${issue.number}#issuecomment-${comment.id}`,
      })
      Object.assign(payload.comment.user, { login, id: user.id, type: user.type })
      Object.assign(payload.sender, { login, id: user.id, type: user.type })
      return { payload, comment }
    },
    pullComment(pull, body, o = {}) {
      const login = o.user ?? MAINTAINER
      const user = github.state.users[login] ?? github.addUser(login, { permission: 'read' })
      const comment = github.addComment({ issue: pull, body, user: login })
      const payload = examplePayload('issue_comment', (p) => p.action === 'created')
      repository(payload)
      payload.issue.number = pull
      payload.issue.pull_request = {
        url: `https://api.github.com/repos/${OWNER}/${REPO}/pulls/${pull}`,
        html_url: `https://github.com/${OWNER}/${REPO}/pull/${pull}`,
        diff_url: `https://github.com/${OWNER}/${REPO}/pull/${pull}.diff`,
        patch_url: `https://github.com/${OWNER}/${REPO}/pull/${pull}.patch`,
        merged_at: null,
      }
      Object.assign(payload.comment, {
        id: comment.id,
        body,
        created_at: comment.created_at,
        updated_at: comment.updated_at,
        html_url: `https://github.com/${OWNER}/${REPO}/pull/${pull}#issuecomment-${comment.id}`,
      })
      Object.assign(payload.comment.user, { login, id: user.id, type: user.type })
      Object.assign(payload.sender, { login, id: user.id, type: user.type })
      return { payload, comment }
    },
    review(pull, reviewId, body, o = {}) {
      const login = o.user ?? MAINTAINER
      const user = github.state.users[login] ?? github.addUser(login, { permission: 'read' })
      const payload = examplePayload('pull_request_review', (p) => p.action === 'submitted')
      repository(payload)
      payload.pull_request.number = pull
      Object.assign(payload.review, {
        id: reviewId,
        body,
        state: 'commented',
        submitted_at: o.submitted_at ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      })
      Object.assign(payload.review.user, { login, id: user.id, type: user.type })
      Object.assign(payload.sender, { login, id: user.id, type: user.type })
      return payload
    },
    reviewComment(pull, c) {
      const user = github.state.users[c.user] ?? github.addUser(c.user, { permission: 'read' })
      const payload = examplePayload('pull_request_review_comment', (p) => p.action === 'created')
      repository(payload)
      payload.pull_request.number = pull
      Object.assign(payload.comment, {
        id: c.id,
        body: c.body,
        created_at: c.created_at,
        updated_at: c.created_at,
      })
      Object.assign(payload.comment.user, { login: c.user, id: user.id, type: user.type })
      Object.assign(payload.sender, { login: c.user, id: user.id, type: user.type })
      return payload
    },
    dispatch(inputs, sender = MAINTAINER) {
      const payload = examplePayload('workflow_dispatch')
      repository(payload)
      payload.inputs = inputs
      payload.ref = 'refs/heads/main'
      payload.workflow = '.github/workflows/implement.yml'
      payload.sender.login = sender
      return payload
    },
    async cleanup() {
      await github.close()
      await origin.cleanup()
    },
  }
  return sandbox
}
