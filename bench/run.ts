/**
 * Benchmarks: `npm run bench`. Each file under bench/ measures one area (see harness.ts for how); this runs them
 * all, then prints every row and every ratio measured in this same run, with the goal each ratio is held to.
 */
import { printResults } from './harness.js'
import * as hotPaths from './hot-paths.js'
import * as notes from './notes.js'
import * as search from './search.js'
import * as spec from './spec.js'
import * as tracking from './tracking.js'

await hotPaths.run()
await spec.run()
await search.run()
await notes.run()
await tracking.run()
printResults()
