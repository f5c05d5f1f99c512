/**
 * Which pull request a review iteration works on, and whether it may: the rules that refuse before any model
 * call (a fork, a closed PR, a head branch that is no phase, a command naming another phase).
 */
import { readPullMarker } from '../discussion/markers.js'
import type { PullDetails } from '../github/api.js'
import { parseCommand } from '../trigger/command.js'
import { isIssueId, sameId } from '../trigger/ids.js'
import type { Command } from '../trigger/types.js'

export interface IterationTarget {
  pull: PullDetails
  /** The phase id: the PR's head branch. */
  id: string
  /** The command read again with the head's id shape (`/implement 3 tests fail` on `ISSUE-2`'s PR is all notes). */
  command: Command
  /** The issue the PR refers to (its body's marker, or a `Refs #N` line in a PR the action opened). */
  issueNumber?: number
  /**
   * Up to when the PR's conversation was addressed: the command time of the last iteration that finished, or when
   * the action opened the PR (its body's marker). Only a marker in a PR the action opened is believed.
   */
  addressedUntil?: string
  /** The action opened it (its body has the action's marker, or it is by the action and names the phase). */
  openedByAction: boolean
}

export type TargetCheck = { ok: true; target: IterationTarget } | { ok: false; reason: string }

/**
 * The PR as an iteration target, or why not. `body` is the text with the command; `selfLogins` are the logins
 * the action posts as; `trigger` is the configured command (`/implement`).
 */
export function checkTarget(
  pull: PullDetails,
  o: { body: string; trigger: string; selfLogins: string[]; base: string; now?: number },
): TargetCheck {
  const no = (reason: string): TargetCheck => ({ ok: false, reason })
  const pr = `#${pull.number}`
  if (!pull.headRepo || pull.headRepo.toLowerCase() !== pull.baseRepo.toLowerCase()) {
    return no(
      `the head branch of ${pr} is in ${pull.headRepo ? `the fork \`${pull.headRepo}\`` : 'a repository that no longer exists'}, ` +
        'and the action only works on branches of this repository (it never runs a model on, or pushes to, a fork). ' +
        'Push the branch to this repository and open the PR from there, or comment the command on the issue.',
    )
  }
  if (pull.merged) {
    return no(
      `${pr} is merged. Comment \`${o.trigger} <next phase id>\` on the issue to start the next phase.`,
    )
  }
  if (pull.state !== 'open') return no(`${pr} is closed. Reopen it first, then comment the command again.`)
  if (pull.base !== o.base) {
    // The spec and the prompt are read from the base: only the base every phase starts from is trusted.
    return no(
      `${pr} is based on \`${pull.base}\`, not \`${o.base}\`. The action reads the spec and the prompt only from \`${o.base}\` ` +
        '(the `base-branch` input, or the default branch), never from another branch, which a model may have written. ' +
        `Change the PR's base to \`${o.base}\`, then comment the command again.`,
    )
  }
  // Anyone who may edit the body can write a marker: only the action's own PRs' markers are believed.
  const self = o.selfLogins.some((l) => l.toLowerCase() === pull.user.login.toLowerCase())
  const marker = self ? readPullMarker(pull.body) : undefined
  const openedByAction = self && (marker !== undefined || pull.body.includes(`Implements **${pull.head}:`))
  if (!isIssueId(pull.head)) {
    return no(
      `the head branch of ${pr}, \`${pull.head}\`, is not a phase id${openedByAction ? '' : ', and the action did not open this PR'}. ` +
        `\`${o.trigger}\` on a pull request continues the phase on its branch (a branch named like \`ISSUE-3\`); ` +
        `to start a phase, comment \`${o.trigger} ISSUE-3\` on its issue.`,
    )
  }
  const command = parseCommand(o.body, o.trigger, pull.head) ?? { issueIds: [], notes: '' }
  const other = command.issueIds.find((id) => !sameId(id, pull.head))
  if (other !== undefined || command.issueIds.length > 1) {
    return no(
      `${pr} is the branch of \`${pull.head}\`, and the command names ${command.issueIds.map((id) => `\`${id}\``).join(', ')}. ` +
        `On a pull request, \`${o.trigger}\` works on that PR's phase only: write \`${o.trigger} <notes>\` here, or comment \`${o.trigger} ${other ?? command.issueIds[1]}\` on its issue.`,
    )
  }
  const issueNumber = marker?.issueNumber ?? (openedByAction ? refsIssue(pull.body, pull.number) : undefined)
  return {
    ok: true,
    target: {
      pull,
      id: pull.head,
      command,
      ...(issueNumber === undefined ? {} : { issueNumber }),
      ...(marker?.writtenAt && Date.parse(marker.writtenAt) <= (o.now ?? Date.now())
        ? { addressedUntil: marker.writtenAt }
        : {}),
      openedByAction,
    },
  }
}

/** The issue a `Refs #N` line names (the last one; never the PR itself). */
function refsIssue(body: string, self: number): number | undefined {
  const all = [...body.matchAll(/^Refs #(\d+)\s*$/gm)].map((m) => Number(m[1])).filter((n) => n !== self)
  return all.at(-1)
}
