/**
 * The whole pull-request policy in one place: draft or `[WIP]` stand-in, titles of work in progress, and the
 * idempotent open-or-update of the one PR of a branch.
 */
import type { GitHubApi, PullRequest } from './api.js'

const WIP_PREFIX = /^\[WIP\]/i

/** Prefixes `[WIP] ` unless the title already starts with it. */
export function wipTitle(title: string): string {
  return WIP_PREFIX.test(title) ? title : `[WIP] ${title}`
}

/** The title prefix of work that fails the repository's `verify` command. */
export const FAILING_PREFIX = '[checks failing]'

/**
 * The title without the leading `[WIP]` and `[checks failing]` this policy adds (a PR's own title, to be given
 * them again only while they still hold).
 */
export function plainTitle(title: string): string {
  return title.replace(/^(?:\s*\[(?:WIP|checks failing)\])+\s*/i, '')
}

/** True when the title carries the `[checks failing]` prefix (after any `[WIP]`). */
export function isFailingTitle(title: string | undefined): boolean {
  return /^(?:\s*\[WIP\])?\s*\[checks failing\]/i.test(title ?? '')
}

/** True when the title carries the `[WIP]` prefix (any case). */
function isWipTitle(title: string | undefined): boolean {
  return WIP_PREFIX.test(title ?? '')
}

/** The title of a PR: `[WIP] ` in front while the work is unfinished, `[checks failing] ` while it fails `verify`. */
export function pullTitle(title: string, o: { unfinished: boolean; failing?: boolean }): string {
  const plain = plainTitle(title)
  const checked = o.failing ? `${FAILING_PREFIX} ${plain}` : plain
  return o.unfinished ? wipTitle(checked) : checked
}

export interface UpsertRequest {
  /** Head branch (in this repository). */
  branch: string
  base: string
  title: string
  /** The body, or how to write it from the PR it replaces (undefined for a new PR). */
  body: string | ((existing?: PullRequest) => string)
  draft: boolean
}

export interface UpsertResult {
  pull: PullRequest
  /** False when an existing open PR for the branch was updated. */
  created: boolean
  /** True when a draft was wanted but the PR is a regular one titled `[WIP] …` (drafts unsupported). */
  draftFallback: boolean
}

const ALREADY_EXISTS = /already exists/i

/**
 * Opens the PR for `branch`, or updates the title and body of the one already open for it, like
 * peter-evans/create-pull-request: running twice for the same branch leaves one PR. If the PR was
 * opened as a `[WIP]` stand-in for a draft, updates keep the prefix.
 */
export async function upsertPullRequest(api: GitHubApi, r: UpsertRequest): Promise<UpsertResult> {
  const update = (existing: PullRequest): Promise<UpsertResult> => updatePullRequest(api, existing, r)

  const existing = await api.findOpenPull(r.branch)
  if (existing) return update(existing)
  try {
    const { draftFallback, ...pull } = await api.createPull({
      title: r.title,
      body: bodyOf(r.body),
      head: r.branch,
      base: r.base,
      draft: r.draft,
    })
    return { pull, created: true, draftFallback }
  } catch (err) {
    // Another run opened it between our lookup and create: update that one instead.
    if (!(err instanceof Error && ALREADY_EXISTS.test(err.message))) throw err
    const raced = await api.findOpenPull(r.branch)
    if (!raced) throw err
    return update(raced)
  }
}

/**
 * Updates the title and body of `existing` (a review iteration's own PR, or the one open for the branch). A PR opened
 * as a `[WIP]` stand-in for a draft keeps the prefix.
 */
export async function updatePullRequest(
  api: GitHubApi,
  existing: PullRequest,
  r: { title: string; body: UpsertRequest['body']; draft: boolean },
): Promise<UpsertResult> {
  const keepWip = r.draft && !existing.draft && isWipTitle(existing.title)
  const pull = await api.updatePull(existing.number, {
    title: keepWip ? wipTitle(r.title) : r.title,
    body: bodyOf(r.body, existing),
  })
  return { pull, created: false, draftFallback: keepWip }
}

function bodyOf(body: UpsertRequest['body'], existing?: PullRequest): string {
  return typeof body === 'function' ? body(existing) : body
}
