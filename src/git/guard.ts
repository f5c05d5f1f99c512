/**
 * What the action does around a model run so that its own git never trusts what the model could write: the
 * checkout's credential out of the repository for the run (credentials.ts), the git metadata recorded before
 * and put back after (metadata.ts), in that order, and the credential back only into metadata that is the
 * pre-run one again.
 */
import * as path from 'node:path'
import { UserError } from '../errors.js'
import type { Git } from './git.js'
import { includedConfigFiles, suspendCredentials, type SuspendOptions } from './credentials.js'
import { snapshotGitMetadata, type GitLayout } from './metadata.js'

/** The fixed layout of the action's git (GitCommandManager), or the one git reports now for a stand-in. */
async function layoutOf(git: Git): Promise<GitLayout> {
  if (git.layout) return git.layout
  const r = await git.exec(['rev-parse', '--absolute-git-dir', '--git-common-dir', '--show-toplevel'])
  const [gitDir, commonDir, workTree] = r.stdout.split('\n').map((l) => l.trim())
  return { gitDir, commonDir: path.resolve(git.cwd, commonDir), workTree }
}

/** Paths of the submodules (gitlinks) in the index, which is the pre-run one when this runs. */
async function submodulePaths(git: Git): Promise<string[]> {
  const r = await git.exec(['ls-files', '--stage', '-z'])
  return r.stdout
    .split('\0')
    .filter((e) => e.startsWith('160000 '))
    .map((e) => e.slice(e.indexOf('\t') + 1))
}

/**
 * Suspends the credential (with a copy for the post step where `opts.copyTo` says) and records the git metadata. The returned function (call it after every process the
 * model started is gone, before any git command of the action) puts the metadata back, then the credential; it
 * logs what it put back and, as a `::warning::` line, what it could not, and returns those lines (for the PR
 * body). It throws when the metadata could not be restored: the action must not go on to commit and push from
 * a repository the model may still control, and the credential is then not put back into the local config.
 */
export async function guardGitForRun(
  git: Git,
  log: (line: string) => void,
  opts: SuspendOptions = {},
): Promise<() => Promise<string[]>> {
  // The include entries are gone from the config once the credential is suspended: list their files first.
  const included = await includedConfigFiles(git)
  const restoreCredentials = await suspendCredentials(git, opts)
  let snapshot
  try {
    // After the suspension, so the snapshot holds no credential.
    snapshot = await snapshotGitMetadata(await layoutOf(git), {
      extraFiles: included,
      submodules: await submodulePaths(git),
    })
  } catch (err) {
    await restoreCredentials()
    throw err
  }
  let done = false
  return async () => {
    if (done) return []
    done = true
    const meta = await snapshot.restore()
    if (meta.changed.length > 0) {
      const shown = meta.changed.slice(0, 8).join(', ')
      const more = meta.changed.length > 8 ? ` and ${meta.changed.length - 8} more` : ''
      log(`Put back git metadata the model changed: ${shown}${more}.`)
    }
    const creds = await restoreCredentials({ localConfig: meta.failed.length === 0 })
    const failed = [...meta.failed, ...meta.missing.map((m) => `${m} (it no longer exists)`), ...creds.failed]
    for (const f of failed) log(`::warning::Could not restore ${f}`)
    if (meta.failed.length > 0) {
      throw new UserError(
        `The git metadata could not be restored after the model ran (${meta.failed.join('; ')}); ` +
          'nothing was committed or pushed.',
        'Rerun the command from a fresh checkout.',
      )
    }
    return failed.map((f) => `Could not restore ${f}.`)
  }
}
