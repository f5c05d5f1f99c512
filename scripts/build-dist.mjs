#!/usr/bin/env node
// Builds the action's bundle: ncc (src/index.ts → index.js, the lazily loaded *.index.js chunks, package.json),
// the vendor files (copy-vendor.mjs), the post step's entry (post-entry.mjs) and licenses.txt (licenses.mjs,
// from the modules ncc reports). One home for the build: `npm run package` builds into dist/, check-dist into a
// temp folder to compare.
//
//   node scripts/build-dist.mjs [out dir, default dist] [--packages-out <file>]
//       --packages-out saves the bundled packages for `node scripts/licenses.mjs check --packages <file>`.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { copyVendor } from './copy-vendor.mjs'
import { bundledPackages, renderLicenses, writePackageList } from './licenses.mjs'
import { writePostEntry } from './post-entry.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Builds the bundle into `out`; returns the bundled packages (as licenses.txt lists them). */
export function buildDist(out, { quiet = false } = {}) {
  mkdirSync(out, { recursive: true })
  // ncc never deletes a chunk a new build no longer has (check-dist would then find the stale one); package.json
  // and vendor/ are written again below.
  for (const name of readdirSync(out)) if (name.endsWith('.js')) rmSync(path.join(out, name))
  const work = mkdtempSync(path.join(os.tmpdir(), 'ncc-stats-'))
  try {
    const stats = path.join(work, 'stats.json')
    execFileSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
        'build',
        'src/index.ts',
        '-o',
        out,
        '--target',
        'es2022',
        '--stats-out',
        stats,
        ...(quiet ? ['-q'] : []),
      ],
      { cwd: ROOT, stdio: ['ignore', quiet ? 'ignore' : 'inherit', 'inherit'] },
    )
    copyVendor(out)
    writePostEntry(out)
    const packages = bundledPackages(JSON.parse(readFileSync(stats, 'utf8')))
    writeFileSync(path.join(out, 'licenses.txt'), renderLicenses(packages))
    return packages
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Builds into a temp folder, calls `use(out, packages)`, removes the folder; returns what `use` returned. */
export async function buildToTemp(use) {
  const out = mkdtempSync(path.join(os.tmpdir(), 'build-dist-'))
  try {
    return await use(out, buildDist(out, { quiet: true }))
  } finally {
    rmSync(out, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--packages-out')
  const packagesOut = at >= 0 ? args.splice(at, 2)[1] : undefined
  const out = path.resolve(args[0] ?? path.join(ROOT, 'dist'))
  const packages = buildDist(out)
  if (packagesOut) writePackageList(packagesOut, packages)
  console.log(`${path.relative(ROOT, out) || out}/licenses.txt: ${packages.length} bundled packages`)
}
