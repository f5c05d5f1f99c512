import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

/** Real webhook payloads from @octokit/webhooks-examples (api.github.com), deep-copied per call. */
interface Definition {
  name: string
  examples: Array<Record<string, unknown>>
}

const require = createRequire(import.meta.url)
const definitions = JSON.parse(
  readFileSync(require.resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8'),
) as Definition[]

function example(name: string, action?: string): Record<string, unknown> {
  const def = definitions.find((d) => d.name === name)
  const ex = def?.examples.find((e) => action === undefined || e.action === action)
  if (!ex) throw new Error(`no ${name}${action ? `.${action}` : ''} example in @octokit/webhooks-examples`)
  return structuredClone(ex)
}

export interface CommentPayload extends Record<string, unknown> {
  action: string
  comment: {
    id: number
    body: string
    created_at: string
    updated_at: string
    user: { login: string; type: string }
  }
  issue: { number: number }
  sender: { login: string; type: string }
}

/** A real `issue_comment` payload (action `created` unless given) with the body and author replaced. */
export function issueCommentPayload(
  o: { body?: string; action?: string; login?: string; type?: string } = {},
): CommentPayload {
  const p = example('issue_comment', o.action ?? 'created') as CommentPayload
  if (o.body !== undefined) p.comment.body = o.body
  if (o.login !== undefined) {
    p.comment.user.login = o.login
    p.sender.login = o.login
  }
  if (o.type !== undefined) {
    p.comment.user.type = o.type
    p.sender.type = o.type
  }
  return p
}

export interface DispatchPayload extends Record<string, unknown> {
  inputs: Record<string, unknown> | null
  sender: { login: string; type: string }
}

/** A real `workflow_dispatch` payload with the given workflow inputs. */
export function workflowDispatchPayload(inputs: Record<string, unknown> = {}): DispatchPayload {
  const p = example('workflow_dispatch') as DispatchPayload
  p.inputs = { ...(p.inputs ?? {}), ...inputs }
  return p
}

/** A real `issue_comment` payload on a pull request (`issue.pull_request` set, as GitHub sends for PR comments). */
export function pullCommentPayload(o: { body: string; login?: string }): CommentPayload {
  const p = issueCommentPayload(o)
  const n = p.issue.number
  ;(p.issue as Record<string, unknown>).pull_request = {
    url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${n}`,
    html_url: `https://github.com/Codertocat/Hello-World/pull/${n}`,
    diff_url: `https://github.com/Codertocat/Hello-World/pull/${n}.diff`,
    patch_url: `https://github.com/Codertocat/Hello-World/pull/${n}.patch`,
    merged_at: null,
  }
  return p
}

export interface ReviewPayload extends Record<string, unknown> {
  action: string
  review: { id: number; body: string | null; submitted_at: string; user: { login: string; type: string } }
  pull_request: { number: number; head: { ref: string } }
}

/** A real `pull_request_review` payload (action `submitted` unless given) with the review's body and author. */
export function reviewPayload(o: { body: string | null; action?: string; login?: string }): ReviewPayload {
  const p = example('pull_request_review', o.action ?? 'submitted') as ReviewPayload
  p.review.body = o.body
  if (o.login !== undefined) p.review.user.login = o.login
  return p
}

export interface ReviewCommentPayload extends Record<string, unknown> {
  action: string
  comment: {
    id: number
    body: string
    created_at: string
    in_reply_to_id?: number
    user: { login: string; type: string }
  }
  pull_request: { number: number; head: { ref: string } }
}

/** A real `pull_request_review_comment` payload (action `created` unless given) with the comment's body. */
export function reviewCommentPayload(o: {
  body: string
  action?: string
  login?: string
}): ReviewCommentPayload {
  const p = example('pull_request_review_comment', o.action ?? 'created') as ReviewCommentPayload
  p.comment.body = o.body
  if (o.login !== undefined) p.comment.user.login = o.login
  return p
}
