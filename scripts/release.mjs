#!/usr/bin/env node
// Releases, in the style of actions/typescript-action's script/release: a semver tag vX.Y.Z per release and a
// major tag vX that follows the latest vX.*.* (what workflows pin for updates). Runs in the repository of the
// current folder.
//
//   node scripts/release.mjs [--dry-run]                        (npm run release)
//       Checks that the tree is clean (untracked files included) and that dist/ matches src/ (npm run
//       check-dist); reads the version from package.json; refuses a tag not greater than every vX.Y.Z tag so far,
//       or a version without its `## [X.Y.Z]` section in CHANGELOG.md. Then tags HEAD vX.Y.Z (annotated), moves vX
//       to it, and prints what to push. Pushing vX.Y.Z starts .github/workflows/release.yml, which checks again,
//       publishes the GitHub release with that CHANGELOG section and moves vX on GitHub.
//   node scripts/release.mjs notes <X.Y.Z | vX.Y.Z>
//       Prints CHANGELOG.md's section for that version (the release notes); fails when it is missing or empty.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)$/

class Refusal extends Error {}

function git(args, cwd) {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

/** [major, minor, patch] of `1.2.3` or `v1.2.3`, or undefined for anything else (pre-releases included). */
function parse(version) {
  const m = SEMVER.exec(version)
  return m ? m.slice(1).map(Number) : undefined
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

/** CHANGELOG.md's section for `version` (its body, without the heading), or undefined. */
function changelogSection(changelog, version) {
  const lines = changelog.split('\n')
  const escaped = version.replace(/\./g, '\\.')
  const start = lines.findIndex((l) => new RegExp(`^## \\[?v?${escaped}\\]?(\\s|$)`).test(l))
  if (start < 0) return undefined
  const rest = lines.slice(start + 1)
  // Up to the next version's heading, or the link definitions at the end (`[1.0.0]: https://…`).
  const end = rest.findIndex((l) => /^## /.test(l) || /^\[[^\]]+\]: /.test(l))
  const body = (end < 0 ? rest : rest.slice(0, end)).join('\n').trim()
  return body || undefined
}

function readChangelog(root) {
  try {
    return readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8')
  } catch {
    throw new Refusal('CHANGELOG.md is missing.')
  }
}

/** The tag to create and the major tag to move, after every check but check-dist. */
function plan(root) {
  const dirty = git(['status', '--porcelain'], root)
  if (dirty) throw new Refusal(`The working tree is not clean; commit or remove first:\n${dirty}`)
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
  const parsed = parse(String(version ?? ''))
  if (!parsed || String(version).startsWith('v'))
    throw new Refusal(`package.json's version ${JSON.stringify(version)} is not X.Y.Z.`)
  const tag = `v${version}`
  const tags = git(['tag', '--list', 'v*'], root)
    .split('\n')
    .filter((t) => parse(t))
  const last = tags.sort((a, b) => compare(parse(a), parse(b))).at(-1)
  if (last && compare(parsed, parse(last)) <= 0)
    throw new Refusal(
      `${tag} is not greater than the last release, ${last}: raise "version" in package.json ` +
        '(npm version --no-git-tag-version <X.Y.Z>) and give it a section in CHANGELOG.md.',
    )
  if (!changelogSection(readChangelog(root), version))
    throw new Refusal(
      `CHANGELOG.md has no section for ${version}: rename "## [Unreleased]" to "## [${version}] - <date>" ` +
        'and start a new, empty Unreleased section above it.',
    )
  return { tag, major: `v${parsed[0]}`, last }
}

function release(root, dryRun) {
  const { tag, major, last } = plan(root)
  console.log(`Releasing ${tag} (last release: ${last ?? 'none'}) from ${git(['rev-parse', 'HEAD'], root)}.`)
  console.log('Checking that dist/ matches src/ (npm run check-dist)…')
  const check = spawnSync('npm', ['run', 'check-dist', '--silent'], { cwd: root, stdio: 'inherit' })
  if (check.status !== 0)
    throw new Refusal('dist/ does not match src/: run `npm run package`, commit dist/, then release.')
  if (dryRun) {
    console.log(`Dry run: would tag HEAD ${tag} and move ${major} to it.`)
    return
  }
  git(['tag', '--annotate', tag, '--message', tag], root)
  git(['tag', '--force', major, `${tag}^{commit}`], root)
  console.log(`Tagged ${tag} and moved ${major} to it. To publish:\n`)
  console.log(`  git push origin ${tag}`)
  console.log(`  git push --force origin ${major}     (the release workflow also moves ${major} on GitHub)\n`)
  console.log(`Pushing ${tag} runs .github/workflows/release.yml: the checks, then the GitHub release.`)
}

function main(args) {
  const root = git(['rev-parse', '--show-toplevel'], process.cwd())
  if (args[0] === 'notes') {
    const version = (args[1] ?? '').replace(/^v/, '')
    const notes = parse(version) && changelogSection(readChangelog(root), version)
    if (!notes) throw new Refusal(`CHANGELOG.md has no section for ${JSON.stringify(args[1] ?? '')}.`)
    console.log(notes)
    return
  }
  const unknown = args.filter((a) => a !== '--dry-run')
  if (unknown.length) throw new Refusal(`Unknown arguments: ${unknown.join(' ')}`)
  release(root, args.includes('--dry-run'))
}

try {
  main(process.argv.slice(2))
} catch (err) {
  if (!(err instanceof Refusal)) throw err
  console.error(`release: ${err.message}`)
  process.exitCode = 1
}
