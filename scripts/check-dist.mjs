#!/usr/bin/env node
// Rebuilds the bundle into a temp folder (scripts/build-dist.mjs) and compares it with the committed dist/, file by
// file (licenses.txt included): a stale dist/ fails. `--packages-out <file>` saves the bundled packages for
// `node scripts/licenses.mjs check --packages <file>`, so CI builds once.
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildToTemp } from './build-dist.mjs'
import { writePackageList } from './licenses.mjs'

/** Every file under `dir`, as paths relative to it (sub-folders such as vendor/ included). */
function files(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name)
    return e.isDirectory() ? files(dir, rel) : [rel]
  })
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const packagesOut = args.includes('--packages-out') ? args[args.indexOf('--packages-out') + 1] : undefined
const committed = path.join(root, 'dist')
const stale = await buildToTemp((out, packages) => {
  if (packagesOut) writePackageList(packagesOut, packages)
  const names = new Set([...files(out), ...files(committed)])
  return [...names].filter((n) => {
    try {
      return !readFileSync(path.join(out, n)).equals(readFileSync(path.join(committed, n)))
    } catch {
      return true
    }
  })
})
if (stale.length) {
  console.error(
    `dist/ is out of date with src/ (${stale.join(', ')}). Run \`npm run package\` and commit dist/.`,
  )
  process.exit(1)
}
console.log('dist/ matches src/')
