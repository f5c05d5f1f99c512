import * as core from '@actions/core'
import { run } from './main.js'
import { POST_STATE } from './pipeline/post-state.js'
import { runPost } from './pipeline/post.js'

// The runner's entry point for both steps (as actions/checkout does): the main step records `main` in its
// state, which the runner hands only to the post step. Neither throws.
if (core.getState(POST_STATE.main)) {
  await runPost()
} else if (await run()) {
  // Cancelled: the work is kept and reported; the runner's SIGKILL is seconds away, so nothing may linger.
  process.exit()
}
// Nothing may keep the step alive once the run is over (a helper of the sandbox left behind would hold the
// event loop until the job's timeout): a grace period for the last writes, then exit. Unref'd, so a clean
// run exits at once.
setTimeout(() => process.exit(), 5_000).unref()
