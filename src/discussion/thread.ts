import type { GitHubApi, IssueComment } from '../github/api.js'
import { permissionLookup, type PermissionLookup } from '../trigger/authorize.js'

/** The login the action comments and reacts as with the workflow's own token. */
export const ACTIONS_BOT = 'github-actions[bot]'

/**
 * An issue's discussion as a run reads it: its comments, who of their authors is the action itself, and each
 * author's permission.
 */
export interface IssueThread {
  /** Listed at most once per run (see {@link issueThread}). */
  comments: () => Promise<IssueComment[]>
  /**
   * The logins the action posts as: github-actions[bot], and the login its token acts as when the run learned it
   * (an App or a personal token passed as `github-token` comments as someone else).
   */
  selfLogins: string[]
  /** The run's permission lookup (each author read once; shared with the authorization of the requester). */
  permissionOf: PermissionLookup
}

/**
 * The issue's comments, listed at most once per run: the superseded-command check and the notes both read
 * them, and a long issue costs one request per hundred comments. A failed listing is not kept, so a later
 * reader tries again (the check may fail harmlessly where the notes must not).
 */
export function issueThread(
  api: GitHubApi,
  issueNumber: number,
  selfLogin?: string,
  permissionOf: PermissionLookup = permissionLookup(api),
): IssueThread {
  let listed: Promise<IssueComment[]> | undefined
  return {
    comments: () =>
      (listed ??= api.listComments(issueNumber).catch((err: unknown) => {
        listed = undefined
        throw err
      })),
    selfLogins: [...new Set([ACTIONS_BOT, ...(selfLogin ? [selfLogin] : [])].map((l) => l.toLowerCase()))],
    permissionOf,
  }
}

/** True when `login` is one of the action's own. */
export function isSelf(thread: IssueThread, login: string): boolean {
  return thread.selfLogins.includes(login.toLowerCase())
}

/** Oldest first; comments created in the same second by id (GitHub's ids increase). */
export function byCreation(a: IssueComment, b: IssueComment): number {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id
}
