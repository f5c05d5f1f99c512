// Writes <dist>/post.js, the post step's entry (action.yml `runs.post`): the same bundle as the main step, started
// through a file of its own, so the bundle knows which step it is from the path it was started by (src/index.ts),
// never from state that a main step killed early may not have written. scripts/build-dist.mjs calls it.
import { writeFileSync } from 'node:fs'
import path from 'node:path'

export function writePostEntry(dist) {
  writeFileSync(
    path.join(dist, 'post.js'),
    "// The post step's entry (action.yml runs.post), written by scripts/post-entry.mjs: the main step's bundle.\nimport './index.js'\n",
  )
}
