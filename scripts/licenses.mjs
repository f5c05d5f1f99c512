#!/usr/bin/env node
// The licences of everything bundled into dist/: every package that has code in any chunk (dist/index.js and the
// lazily loaded dist/*.index.js), taken from ncc's module list (webpack stats), plus the package dist/vendor/ is
// copied from and what its binaries embed (scripts/copy-vendor.mjs).
//
//   node scripts/licenses.mjs check [--packages <file>]
//       Compares dist/licenses.txt with the bundle: every bundled package (name and version) listed, nothing
//       listed that is not bundled, and every licence in the allowlist (or reviewed below). The bundle's package
//       list comes from <file> (written by `check-dist --packages-out`), else from a fresh build.
//
// scripts/build-dist.mjs writes dist/licenses.txt with renderLicenses(bundledPackages(stats)).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { VENDOR_EMBEDDED, VENDOR_FILES, VENDOR_PACKAGE } from './copy-vendor.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** SPDX ids that may be bundled without review. */
export const ALLOWED = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'Apache-2.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  '0BSD',
  'Unlicense',
  'BlueOak-1.0.0',
  'CC0-1.0',
  'Python-2.0',
  'Zlib',
])

/** Licence names that are not SPDX ids but name an allowed licence. */
const ALIASES = { 'MIT/X11': 'MIT' }

/**
 * Bundled code whose licence is outside the allowlist, looked at by a person and kept: `name@version` → what was
 * found. Listed in the check's output on every run; any other such package fails the check.
 */
export const REVIEWED = {
  'buffers@0.1.1':
    'declares no licence (no license field, no licence file). Brought in by @actions/artifact → unzip-stream → ' +
    'binary (MIT, same author, substack); only used to read a downloaded artifact, which the action never does.',
  'glibc@2.39':
    "LGPL-2.1-or-later, statically linked into sandbox-runtime's seccomp helper (dist/vendor/seccomp/*); the " +
    'LGPL asks that users can relink it with a modified glibc: raise it with sandbox-runtime if that matters.',
}

/** Whether an SPDX expression (`MIT`, `(MIT OR GPL-2.0)`, `Apache-2.0 AND BSD-3-Clause`) is allowed. */
export function licenseAllowed(expression) {
  if (typeof expression !== 'string' || !expression.trim()) return false
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? []
  let at = 0
  const factor = () => {
    const t = tokens[at++]
    if (t === '(') {
      const v = or()
      return tokens[at++] === ')' && v
    }
    if (tokens[at] === 'WITH') {
      at += 2 // an exception widens nothing we allow; reviewed by hand
      return false
    }
    const id = ALIASES[t] ?? t?.replace(/\+$/, '')
    return ALLOWED.has(id)
  }
  const and = () => {
    let v = factor()
    while (tokens[at] === 'AND') {
      at++
      v = factor() && v
    }
    return v
  }
  const or = () => {
    let v = and()
    while (tokens[at] === 'OR') {
      at++
      v = and() || v
    }
    return v
  }
  const result = or()
  return at === tokens.length && result
}

/** The licence a package.json declares, as one expression ('' when none). */
export function declaredLicense(pkg) {
  const l = pkg.license ?? pkg.licenses
  if (typeof l === 'string') return l.trim()
  const types = (Array.isArray(l) ? l : l ? [l] : []).map((x) => (typeof x === 'string' ? x : x?.type))
  return types.filter(Boolean).join(' OR ')
}

/** The resource a webpack module identifier names (after its loaders, before a concatenation hash). */
function resource(identifier) {
  return identifier.split('!').pop().split('|')[0]
}

/** The root folder of the package a file is in (the innermost node_modules/<name> or node_modules/@scope/name). */
function packageDir(file) {
  const marker = `${path.sep}node_modules${path.sep}`
  const at = file.lastIndexOf(marker)
  if (at < 0) return undefined
  const parts = file.slice(at + marker.length).split(path.sep)
  const name = parts[0].startsWith('@') ? `${parts[0]}${path.sep}${parts[1]}` : parts[0]
  return file.slice(0, at + marker.length) + name
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice|copyrightnotice)([-._].*)?$/i

/** One package's entry: name, version, declared licence and its licence files' texts. */
function readPackage(dir) {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const files = readdirSync(dir)
    .filter((f) => LICENSE_FILE.test(f) && statSync(path.join(dir, f)).isFile())
    .sort()
  return {
    name: pkg.name,
    version: pkg.version,
    license: declaredLicense(pkg),
    files: files.map((file) => ({ file, text: readFileSync(path.join(dir, file), 'utf8') })),
  }
}

function compareVersions(a, b) {
  const pa = a.split(/[.+-]/)
  const pb = b.split(/[.+-]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? ''
    const y = pb[i] ?? ''
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0
    if (d) return d
  }
  return 0
}

/**
 * Every package with code in the bundle, from ncc's webpack stats (`ncc build --stats-out`): the modules in a
 * chunk, and the modules concatenated into them (modules that tree-shaking dropped are in no chunk and left out);
 * the webpack runtime in each chunk counts as @vercel/ncc's; plus the vendor package and what its binaries embed.
 * Sorted by name and version, one entry per name@version.
 */
export function bundledPackages(stats) {
  const dirs = new Set([path.join(ROOT, 'node_modules', VENDOR_PACKAGE)])
  for (const m of stats.modules ?? []) {
    if (!m.chunks?.length) continue
    for (const id of [m.identifier, ...(m.modules ?? []).map((c) => c.identifier)]) {
      const file = resource(id)
      if (file.startsWith('webpack/runtime/')) dirs.add(path.join(ROOT, 'node_modules', '@vercel', 'ncc'))
      const dir = packageDir(file)
      if (dir) dirs.add(dir)
    }
  }
  const byKey = new Map()
  for (const dir of dirs) {
    const p = readPackage(dir)
    byKey.set(`${p.name}@${p.version}`, p)
  }
  const vendor = [...byKey.values()].find((p) => p.name === VENDOR_PACKAGE)
  if (vendor) vendor.vendorFiles = VENDOR_FILES.map(([, dest]) => `dist/${dest}`)
  const ncc = [...byKey.values()].find((p) => p.name === '@vercel/ncc')
  if (ncc)
    ncc.note =
      'Each chunk starts with the webpack runtime, which ncc bundles: webpack, MIT, Copyright JS Foundation and ' +
      'other contributors.'
  for (const e of VENDOR_EMBEDDED)
    byKey.set(`${e.name}@${e.version}`, {
      name: e.name,
      version: e.version,
      license: e.license,
      files: [],
      embedded: true,
      vendorFiles: e.files.map((f) => `dist/${f}`),
      note: e.note,
    })
  return [...byKey.values()].sort((a, b) =>
    a.name === b.name ? compareVersions(a.version, b.version) : a.name < b.name ? -1 : 1,
  )
}

const RULE = '='.repeat(80)

/** dist/licenses.txt: a header, then one entry per package (`name@version`, `license: id`, the texts). */
export function renderLicenses(packages) {
  const head = [
    'Third-party software bundled into dist/ (dist/index.js, the lazily loaded dist/*.index.js chunks and',
    'dist/vendor/), one entry per package and version, with the licence its package.json declares and the',
    'licence and notice files it ships. Written by `npm run package` (scripts/licenses.mjs); checked by',
    '`node scripts/licenses.mjs check`.',
    '',
    `${packages.length} entries.`,
  ]
  // A text met before (the Apache licence, mostly) is named, not repeated.
  const seen = new Map()
  const entries = packages.map((p) => {
    const key = `${p.name}@${p.version}`
    const lines = [RULE, key, `license: ${p.license || '(none declared)'}`]
    if (p.vendorFiles) lines.push(`in: ${p.vendorFiles.join(', ')}`)
    if (p.note) lines.push(`note: ${p.note}`)
    if (!p.files.length)
      lines.push('', p.embedded ? '(Not an npm package: see the note.)' : '(No licence file in the package.)')
    for (const f of p.files) {
      const text = f.text.replace(/\r\n?/g, '\n').trimEnd()
      const first = seen.get(text)
      if (first) lines.push('', `--- ${f.file}: the same text as ${first} above.`)
      else lines.push('', `--- ${f.file}`, '', text)
      if (!first) seen.set(text, `${key}'s ${f.file}`)
    }
    return lines.join('\n')
  })
  return `${[head.join('\n'), ...entries].join('\n\n')}\n`
}

/** The `name@version` → licence pairs a licenses.txt lists. */
export function listedPackages(text) {
  const listed = new Map()
  const lines = text.split('\n')
  for (let i = 0; i + 2 < lines.length; i++)
    if (lines[i] === RULE && lines[i + 2].startsWith('license: '))
      listed.set(lines[i + 1], lines[i + 2].slice('license: '.length))
  return listed
}

/** What is wrong with a licenses.txt for these bundled packages: { problems, reviewed } (lines to print). */
export function checkLicenses(text, packages) {
  const listed = listedPackages(text)
  const problems = []
  const reviewed = []
  const keys = new Set()
  for (const p of packages) {
    const key = `${p.name}@${p.version}`
    keys.add(key)
    if (!listed.has(key)) problems.push(`${key} is bundled but not listed`)
    if (licenseAllowed(p.license)) continue
    const what = `${key}: ${p.license || 'no licence declared'}`
    if (REVIEWED[key]) reviewed.push(`${what} (reviewed: ${REVIEWED[key]})`)
    else problems.push(`${what} is outside the allowlist (${[...ALLOWED].join(', ')})`)
  }
  for (const key of listed.keys()) if (!keys.has(key)) problems.push(`${key} is listed but not bundled`)
  return { problems, reviewed }
}

/** Counts of each declared licence, for the check's summary line. */
function tally(packages) {
  const counts = new Map()
  for (const p of packages) counts.set(p.license || 'none', (counts.get(p.license || 'none') ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`)
}

async function main(args) {
  if (args[0] !== 'check') {
    console.error('usage: node scripts/licenses.mjs check [--packages <file>] [--dist <dir>]')
    return 2
  }
  const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
  const dist = path.resolve(option('--dist') ?? path.join(ROOT, 'dist'))
  let packages
  if (option('--packages')) {
    try {
      packages = JSON.parse(readFileSync(option('--packages'), 'utf8'))
    } catch (err) {
      console.error(
        `licences: no package list in ${option('--packages')} (did the build fail?): ${err.message}`,
      )
      return 1
    }
  } else {
    const { buildToTemp } = await import('./build-dist.mjs')
    packages = await buildToTemp((_out, built) => built)
  }
  const { problems, reviewed } = checkLicenses(
    readFileSync(path.join(dist, 'licenses.txt'), 'utf8'),
    packages,
  )
  for (const r of reviewed) console.log(`reported: ${r}`)
  for (const p of problems) console.error(`licences: ${p}`)
  if (problems.length) {
    console.error(
      'Run `npm run package` to list the bundle again; change the dependency or review the licence.',
    )
    return 1
  }
  console.log(
    `dist/licenses.txt lists all ${packages.length} bundled packages; ${tally(packages).join(', ')}`,
  )
  return 0
}

/** The package list as check-dist saves it for the check (no licence texts). */
export function writePackageList(file, packages) {
  writeFileSync(file, JSON.stringify(packages.map(({ files: _files, ...p }) => p)))
}

// Not a top-level await: main imports build-dist.mjs, which imports this module, which must have finished.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href)
  main(process.argv.slice(2)).then((code) => (process.exitCode = code))
