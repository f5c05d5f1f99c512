import type { GitHubApi, Permission } from '../github/api.js'

/** Permissions that may start a run (and whose comments are trusted as notes). */
export const WRITE_PERMISSIONS: readonly Permission[] = ['admin', 'maintain', 'write']

export type Authorization = { allowed: true; permission: string } | { allowed: false; reason: string }

/** The account is a bot (its type, from the API or the payload, is `Bot`, or its login ends in `[bot]`). */
export function isBot(login: string, ...types: Array<string | undefined>): boolean {
  return types.some((t) => t?.toLowerCase() === 'bot') || /\[bot\]$/i.test(login)
}

/** A login's permission on the repository; rejects when it could not be read (each caller decides what that means). */
export type PermissionLookup = (login: string) => Promise<Permission>

/**
 * Each distinct login's permission (case-insensitive), looked up once: one per run, shared by the authorization
 * of the requester and every reader of the discussion (notes, review threads). A failed lookup is kept too, so
 * it fails again for every caller without another request: the authorization lets it propagate, the readers of
 * the discussion take it as no access.
 */
export function permissionLookup(api: GitHubApi): PermissionLookup {
  const permissions = new Map<string, Promise<Permission>>()
  return (login) => {
    const key = login.toLowerCase()
    let p = permissions.get(key)
    if (!p) {
      p = api.getPermission(login)
      permissions.set(key, p)
    }
    return p
  }
}

/** True for write, maintain and admin. */
export function canWrite(permission: string): boolean {
  return (WRITE_PERMISSIONS as readonly string[]).includes(permission)
}

/**
 * May `actor` start a run?
 *
 * The account type is looked up with `api.getUserType` rather than taken from the payload; the account counts
 * as a bot when the API or the payload says `Bot` (or the login ends in `[bot]`). A bot is refused unless its
 * login is in `allowedBots` (case-insensitive; `renovate` and `renovate[bot]` name the same bot) and is then
 * allowed with permission `allowed-bot`. A person needs `write`, `maintain` or `admin` on the repository;
 * otherwise the reason names the permission found and what is needed. API errors propagate. `permissionOf`: the
 * run's permission lookup, so the requester's permission is read once however often the run needs it.
 */
export async function authorize(
  api: GitHubApi,
  actor: { login: string; type: string },
  allowedBots: string[],
  permissionOf: PermissionLookup = permissionLookup(api),
): Promise<Authorization> {
  const apiType = await api.getUserType(actor.login)
  if (isBot(actor.login, apiType, actor.type)) {
    const name = botName(actor.login)
    if (allowedBots.some((b) => botName(b) === name)) return { allowed: true, permission: 'allowed-bot' }
    return {
      allowed: false,
      reason:
        `bots may not start runs unless listed in the \`allowed-bots\` input, and \`${actor.login}\` is not. ` +
        'Add it there if this bot should be able to trigger the action.',
    }
  }
  const permission = await permissionOf(actor.login)
  if (canWrite(permission)) return { allowed: true, permission }
  const { owner, repo } = api.repo
  return {
    allowed: false,
    reason:
      `your permission on \`${owner}/${repo}\` is \`${permission}\`; starting a run needs ` +
      '`write`, `maintain` or `admin`.',
  }
}

function botName(login: string): string {
  return login
    .trim()
    .toLowerCase()
    .replace(/\[bot\]$/, '')
}
