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
import { unlessAborted } from './cancellation.js'
import type { PipelineDeps } from './types.js'

/** The artifact the unpushed work of `branch` is uploaded as. */
export function workArtifactName(branch: string): string {
  return `implement-action-${fileStem(branch)}-work`
}

/**
 * Keeps the work of a failed push and returns the same failure (same kind and sha) with a hint that also says
 * where the work is and how to apply it. Never throws: a failure here is told in the hint instead, so the
 * explanation of the push failure is never lost.
 */
export async function keepUnpushedWork(
  d: PipelineDeps,
  branch: string,
  err: PushError,
  signal?: AbortSignal,
): Promise<PushError> {
  let where: string
  try {
    where = await keep(d, branch, signal)
  } catch (e) {
    where = `Writing the work to a file failed too (${describeError(e)}); it is only on the local branch "${branch}" of this runner.`
  }
  d.log(where)
  return new PushError(err.kind, err.message, [err.hint, where].filter(Boolean).join('\n\n'), err.sha)
}

async function keep(d: PipelineDeps, branch: string, signal?: AbortSignal): Promise<string> {
  const files = await writeWorkFiles(d.git, branch, d.tempDir ?? tmpdir())
  if (!files) return `Origin already has every commit of "${branch}"; nothing else needed keeping.`
  const name = workArtifactName(branch)
  const store = d.artifacts
  let reason = store ? store.unavailable() : 'this run has no artifact service wired'
  // An aborted signal means nothing more may be waited for, an upload included.
  if (!reason && signal?.aborted) reason = 'the job was cancelled before the upload could start'
  if (store && !reason) {
    try {
      const upload = store.upload(name, [files.bundle, files.patch], files.dir)
      // The client cannot abort an upload; a job that must end now reports the files on the runner instead.
      if (signal && !(await unlessAborted(upload, signal))) {
        throw new Error('the job was cancelled before the upload finished')
      }
      await upload
      const run = d.run.runUrl ? ` (${d.run.runUrl}, under Artifacts)` : ''
      return `The work (${commitsIn(files)}) is attached to this workflow run as the artifact \`${name}\`${run}. ${howToApply(branch, files)}`
    } catch (e) {
      reason = `the artifact upload failed: ${describeError(e)}`
    }
  }
  return (
    `The work (${commitsIn(files)}) could not be attached to the run (${reason}), so it was written on the runner to ` +
    `\`${files.dir}\`; it is lost with the runner, so copy it off before the runner is reused or removed. ${howToApply(branch, files)}`
  )
}

function commitsIn(files: WorkFiles): string {
  return files.commits === 1 ? '1 commit' : `${files.commits} commits`
}

function howToApply(branch: string, files: WorkFiles): string {
  const bundle = path.basename(files.bundle)
  const patch = path.basename(files.patch)
  return (
    `To apply it in a clone of the repository: \`git fetch ${bundle} ${branch}:${branch}\` then \`git push origin ${branch}\`; ` +
    `or apply the patch series with \`git am ${patch}\` on the commit the work started from.`
  )
}
