import { run } from './main.js'

// The runner's entry point: everything happens in run(); it never throws.
await run()
