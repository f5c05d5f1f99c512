#!/usr/bin/env node
// Rebuilds the bundle into a temp folder and compares it with the committed dist/: a stale dist/ fails.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Every file under `dir`, as paths relative to it (sub-folders such as vendor/ included). */
function files(dir, prefix = '') {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name)
    return e.isDirectory() ? files(dir, rel) : [rel]
  })
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const out = mkdtempSync(path.join(os.tmpdir(), 'check-dist-'))
try {
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      'src/index.ts',
      '-o',
      out,
      '--license',
      'licenses.txt',
      '--target',
      'es2022',
      '-q',
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
  )
  for (const script of ['copy-vendor.mjs', 'post-entry.mjs'])
    execFileSync(process.execPath, [path.join(root, 'scripts', script), out], { stdio: 'inherit' })
  const committed = path.join(root, 'dist')
  const names = new Set([...files(out), ...files(committed)])
  const stale = [...names].filter((n) => {
    try {
      return !readFileSync(path.join(out, n)).equals(readFileSync(path.join(committed, n)))
    } catch {
      return true
    }
  })
  if (stale.length) {
    console.error(
      `dist/ is out of date with src/ (${stale.join(', ')}). Run \`npm run package\` and commit dist/.`,
    )
    process.exit(1)
  }
  console.log('dist/ matches src/')
} finally {
  rmSync(out, { recursive: true, force: true })
}
