import type { GitHubApi, IssueComment } from '../github/api.js'

/**
 * The issue's comments, listed at most once per run: the superseded-command check and the notes both read
 * them, and a long issue costs one request per hundred comments. A failed listing is not kept, so a later
 * reader tries again (the check may fail harmlessly where the notes must not).
 */
export function issueThread(api: GitHubApi, issueNumber: number): () => Promise<IssueComment[]> {
  let listed: Promise<IssueComment[]> | undefined
  return () =>
    (listed ??= api.listComments(issueNumber).catch((err: unknown) => {
      listed = undefined
      throw err
    }))
}

/** Oldest first; comments created in the same second by id (GitHub's ids increase). */
export function byCreation(a: IssueComment, b: IssueComment): number {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id
}
