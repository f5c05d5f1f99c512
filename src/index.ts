import { run } from './main.js'

// The runner's entry point: everything happens in run(); it never throws.
await run()
// Nothing may keep the step alive once the run is over (a helper of the sandbox left behind would hold the
// event loop until the job's timeout): a grace period for the last writes, then exit. Unref'd, so a clean
// run exits at once.
setTimeout(() => process.exit(), 5_000).unref()
