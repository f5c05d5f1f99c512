#!/usr/bin/env node
// Regenerates src/prompt/default-template.ts from the bundled default template, ../shared/seed/implement.md
// (relative to the repository root). The template must ship verbatim, so the file holds the exact text as a
// JSON string literal.
//
//   node scripts/sync-seed.mjs           write src/prompt/default-template.ts
//   node scripts/sync-seed.mjs --check   exit 1 if it is out of date (for CI)
//   node scripts/sync-seed.mjs --seed <path>   read the seed from another file

import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const seedArg = args.indexOf('--seed')
const seedPath =
  seedArg >= 0
    ? path.resolve(args[seedArg + 1] ?? '')
    : path.resolve(repoRoot, '..', 'shared', 'seed', 'implement.md')
const outPath = path.join(repoRoot, 'src', 'prompt', 'default-template.ts')

if (!existsSync(seedPath)) {
  console.error(`sync-seed: seed template not found at ${seedPath}`)
  process.exit(2)
}

const seed = readFileSync(seedPath, 'utf8')
const header = [
  '// GENERATED FILE: do not edit. Regenerate with `node scripts/sync-seed.mjs`.',
  '// Source: ../shared/seed/implement.md (relative to the repository root), embedded verbatim.',
  '',
  '/** The bundled default prompt template (a Claude Code slash-command file), byte-for-byte. */',
].join('\n')
let code = `${header}\nexport const DEFAULT_TEMPLATE: string = ${JSON.stringify(seed)}\n`

// Format the way the repository's prettier config would, so `prettier --check` stays clean.
try {
  const prettier = await import('prettier')
  const options = (await prettier.resolveConfig(outPath)) ?? {}
  code = await prettier.format(code, { ...options, filepath: outPath })
} catch (err) {
  console.warn(`sync-seed: prettier unavailable, writing unformatted output (${err?.message ?? err})`)
}

const current = existsSync(outPath) ? readFileSync(outPath, 'utf8') : undefined
if (args.includes('--check')) {
  if (current !== code) {
    console.error(
      `sync-seed: ${path.relative(repoRoot, outPath)} is out of date; run node scripts/sync-seed.mjs`,
    )
    process.exit(1)
  }
  console.log('sync-seed: up to date')
} else if (current === code) {
  console.log(`sync-seed: ${path.relative(repoRoot, outPath)} already up to date`)
} else {
  writeFileSync(outPath, code)
  console.log(`sync-seed: wrote ${path.relative(repoRoot, outPath)} (${seed.length} characters)`)
}
