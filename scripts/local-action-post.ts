/**
 * The post step's entry for @github/local-action (`npm run local-action` passes it as `--post`): local-action
 * imports an entry and calls its `run()`, as it calls src/main.ts's for the main step; the runner's own entries
 * (src/index.ts as dist/index.js and dist/post.js) start the steps by themselves instead.
 */
export { runPost as run } from '../src/pipeline/post.js'
