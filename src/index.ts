import path from 'node:path'
import { run } from './main.js'
import { runPost } from './pipeline/post.js'

// The runner's entry point for both steps: action.yml's `runs.main` starts this bundle as dist/index.js, its
// `runs.post` as dist/post.js (scripts/post-entry.mjs). The step is told by the path it was started by, never by
// saved state, which a main step killed before writing any would lack. Neither step throws.
if (path.basename(process.argv[1] ?? '') === 'post.js') {
  await runPost()
} else if (await run()) {
  // Cancelled: the work is kept and reported; the runner's SIGKILL is seconds away, so nothing may linger.
  process.exit()
}
// Nothing may keep the step alive once the run is over (a helper of the sandbox left behind would hold the
// event loop until the job's timeout): a grace period for the last writes, then exit. Unref'd, so a clean
// run exits at once.
setTimeout(() => process.exit(), 5_000).unref()
