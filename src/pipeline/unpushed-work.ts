/**
 * When a push finally fails, the commits exist only on the runner and die with it. This attaches them to the
 * workflow run (a bundle and a patch as an artifact), or, where the runner has no artifact service or the upload
 * fails, leaves them in the runner's temp directory, and says which in the error the issue will show.
 */
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describeError } from '../errors.js'
import { fileStem, writeWorkFiles, type WorkFiles } from '../git/keep-work.js'
import { PushError } from '../git/push.js'
import type { ArtifactStore } from '../github/artifacts.js'
import { unlessAborted } from './cancellation.js'
import type { PipelineDeps } from './types.js'

/** How long the upload may hold the report when PipelineDeps.artifactUploadTimeoutMs is unset. */
const DEFAULT_UPLOAD_TIMEOUT_MS = 60_000

/**
 * The artifact the unpushed work of `branch` is uploaded as. A re-run is a new attempt of the same run, whose
 * artifact names are taken by every attempt before it: the attempt is in the name from the second on.
 */
export function workArtifactName(branch: string, runAttempt?: number): string {
  const attempt = runAttempt && runAttempt > 1 ? `-attempt-${runAttempt}` : ''
  return `implement-action-${fileStem(branch)}-work${attempt}`
}

/**
 * Keeps the work of a failed push and returns the same failure (same kind and sha) with a hint that also says
 * where the work is and how to apply it. Never throws: a failure here is told in the hint instead, so the
 * explanation of the push failure is never lost. `hurry` (the runner's second signal) ends the wait for the
 * upload; so does PipelineDeps.artifactUploadTimeoutMs.
 */
export async function keepUnpushedWork(
  d: PipelineDeps,
  branch: string,
  err: PushError,
  hurry?: AbortSignal,
): Promise<PushError> {
  let where: string
  try {
    where = await keep(d, branch, err, hurry)
  } catch (e) {
    where = `Writing the work to a file failed too (${describeError(e)}); it is only on the local branch "${branch}" of this runner, and is lost when the job ends.`
  }
  d.log(where)
  return new PushError(err.kind, err.message, [err.hint, where].filter(Boolean).join('\n\n'), err.sha)
}

async function keep(d: PipelineDeps, branch: string, err: PushError, hurry?: AbortSignal): Promise<string> {
  const files = await writeWorkFiles(d.git, branch, d.tempDir ?? tmpdir())
  if (!files) return `Origin already has every commit of "${branch}"; nothing else needed keeping.`
  const name = workArtifactName(branch, d.run.runAttempt)
  const store = d.artifacts
  let reason = store ? store.unavailable() : 'this run has no artifact service wired'
  // A run's artifacts can be downloaded by anyone who can read the repository: a secret must not go there.
  if (err.kind === 'secret') {
    reason =
      'the commits contain a secret, and anyone who can read the repository can download a run artifact'
  }
  // An aborted signal means nothing more may be waited for, an upload included.
  if (!reason && hurry?.aborted) reason = 'the job was cancelled before the upload could start'
  if (store && !reason) {
    try {
      await uploadBounded(d, store, name, files, hurry)
      const run = d.run.runUrl ? ` (${d.run.runUrl}, under Artifacts)` : ''
      return `The work (${commitsIn(files)}) is attached to this workflow run as the artifact \`${name}\`${run}. ${howToApply(branch, files, err)}`
    } catch (e) {
      reason = `the artifact upload failed: ${describeError(e)}`
    }
  }
  return (
    `The work (${commitsIn(files)}) was not attached to the run (${reason}). It was written on the runner to ` +
    `\`${files.dir}\`, which the runner empties when the job ends: it is lost then, unless a later step with ` +
    `\`if: failure()\` uploads that directory. ${howToApply(branch, files, err)}`
  )
}

/**
 * The upload, waited for until `hurry` fires or the upload timeout passes, whichever comes first: the report
 * must not wait minutes on a slow artifact service. The client cannot abort an upload; one that is given up
 * goes on unobserved, and the files on the runner are reported instead.
 */
async function uploadBounded(
  d: PipelineDeps,
  store: ArtifactStore,
  name: string,
  files: WorkFiles,
  hurry?: AbortSignal,
): Promise<void> {
  const ms = d.artifactUploadTimeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS
  const timeout = AbortSignal.timeout(ms)
  const stop = hurry ? AbortSignal.any([hurry, timeout]) : timeout
  const upload = store.upload(name, [files.bundle, files.patch], files.dir)
  const done = await unlessAborted(
    upload.then(() => true),
    stop,
  )
  if (done) return
  throw new Error(
    timeout.aborted
      ? `it did not finish within ${Math.round(ms / 1000)} s`
      : 'the job was cancelled before the upload finished',
  )
}

function commitsIn(files: WorkFiles): string {
  return files.commits === 1 ? '1 commit' : `${files.commits} commits`
}

function howToApply(branch: string, files: WorkFiles, err: PushError): string {
  const bundle = path.basename(files.bundle)
  const patch = path.basename(files.patch)
  const fetch = `\`git fetch ${bundle} ${branch}:${branch}\``
  // Origin's branch has commits these lack: pushed as they are, they would be rejected again.
  const push =
    err.kind === 'conflict'
      ? `then bring in origin's changes (\`git fetch origin ${branch}\`, then \`git rebase origin/${branch} ${branch}\` or \`git merge\` it, resolving the conflicts) and \`git push origin ${branch}\``
      : err.kind === 'secret'
        ? `then take the secret out of the commits (\`git rebase -i\`) and \`git push origin ${branch}\``
        : `then \`git push origin ${branch}\``
  const on = files.base
    ? `on commit ${files.base} (\`git checkout -b ${branch} ${files.base}\` first)`
    : 'on an empty repository (the series starts the history)'
  return (
    `To apply it in a clone of the repository: ${fetch} ${push}; ` +
    `or apply the patch series with \`git am ${patch}\` ${on}.`
  )
}
