import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../support/run-action.js'

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'release.mjs')
const IDENTITY = {
  GIT_AUTHOR_NAME: 'Release Test',
  GIT_AUTHOR_EMAIL: 'release@example.invalid',
  GIT_COMMITTER_NAME: 'Release Test',
  GIT_COMMITTER_EMAIL: 'release@example.invalid',
}
const env = { ...process.env, ...IDENTITY, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' }
const dirs: string[] = []

const CHANGELOG = `# Changelog

## [Unreleased]

## [1.1.0] - 2026-02-01

### Added

- Review iterations.

## [1.0.0] - 2026-01-01

### Added

- The first release.

[1.1.0]: https://github.com/implement-action/implement-action/compare/v1.0.0...v1.1.0
`

function git(repo: string, args: string[]): string {
  return execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim()
}

/** A repository whose package.json has `version` and a check-dist that exits with FAIL_CHECK_DIST. */
function repo(version: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'release-test-'))
  dirs.push(dir)
  git(dir, ['init', '--quiet', '--initial-branch=main'])
  commit(dir, version)
  return dir
}

function commit(dir: string, version: string, changelog = CHANGELOG): void {
  const pkg = {
    name: 'x',
    version,
    scripts: { 'check-dist': 'node -e "process.exit(Number(process.env.FAIL_CHECK_DIST || 0))"' },
  }
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg))
  writeFileSync(path.join(dir, 'CHANGELOG.md'), changelog)
  git(dir, ['add', '-A'])
  git(dir, ['commit', '--quiet', '--allow-empty', '-m', `version ${version}`])
}

function release(dir: string, args: string[] = [], extra: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], {
    cwd: dir,
    env: { ...env, ...extra },
    encoding: 'utf8',
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

const tagged = (dir: string, tag: string): string | undefined => {
  try {
    return git(dir, ['rev-parse', '--verify', '--quiet', `${tag}^{commit}`])
  } catch {
    return undefined
  }
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('scripts/release.mjs', () => {
  it('tags HEAD vX.Y.Z from package.json, moves the major tag, and prints what to push', () => {
    const dir = repo('1.0.0')
    const first = release(dir)
    expect(first.err).toBe('')
    expect(first.code).toBe(0)
    const head = git(dir, ['rev-parse', 'HEAD'])
    expect(tagged(dir, 'v1.0.0')).toBe(head)
    expect(tagged(dir, 'v1')).toBe(head)
    expect(git(dir, ['cat-file', '-t', 'v1.0.0'])).toBe('tag') // annotated
    expect(first.out).toContain('git push origin v1.0.0')
    expect(first.out).toContain('git push --force origin v1')

    commit(dir, '1.1.0')
    expect(release(dir).code).toBe(0)
    const next = git(dir, ['rev-parse', 'HEAD'])
    expect(tagged(dir, 'v1.1.0')).toBe(next)
    expect(tagged(dir, 'v1')).toBe(next) // moved
    expect(tagged(dir, 'v1.0.0')).toBe(head) // kept
  })

  it('refuses a version that is not greater than the last release', () => {
    const dir = repo('1.1.0')
    git(dir, ['tag', 'v1.1.0'])
    git(dir, ['tag', 'v1.0.0'])
    commit(dir, '1.1.0')
    const same = release(dir)
    expect(same.code).toBe(1)
    expect(same.err).toMatch(/v1\.1\.0 is not greater than the last release, v1\.1\.0/)
    commit(dir, '1.0.0')
    expect(release(dir).err).toMatch(/v1\.0\.0 is not greater than the last release, v1\.1\.0/)
    // Numbers, not strings: 1.10.0 is after 1.9.0.
    git(dir, ['tag', 'v1.9.0'])
    commit(dir, '1.10.0', CHANGELOG.replace('[1.1.0] - 2026-02-01', '[1.10.0] - 2026-03-01'))
    expect(release(dir).code).toBe(0)
    expect(tagged(dir, 'v1.10.0')).toBe(git(dir, ['rev-parse', 'HEAD']))
  })

  it('refuses a tree that is not clean, untracked files included', () => {
    const dir = repo('1.0.0')
    writeFileSync(path.join(dir, 'stray.txt'), 'x')
    const r = release(dir)
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/not clean[\s\S]*stray\.txt/)
    expect(tagged(dir, 'v1.0.0')).toBeUndefined()
  })

  it('refuses when dist/ does not match src/ (npm run check-dist fails), tagging nothing', () => {
    const dir = repo('1.0.0')
    const r = release(dir, [], { FAIL_CHECK_DIST: '1' })
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/dist\/ does not match src\//)
    expect(tagged(dir, 'v1.0.0')).toBeUndefined()
    expect(tagged(dir, 'v1')).toBeUndefined()
  })

  it('refuses a version without its CHANGELOG section, and a version that is not X.Y.Z', () => {
    const dir = repo('2.0.0')
    expect(release(dir).err).toMatch(/CHANGELOG\.md has no section for 2\.0\.0/)
    commit(dir, '2.0.0-rc.1')
    expect(release(dir).err).toMatch(/version "2\.0\.0-rc\.1" is not X\.Y\.Z/)
    expect(git(dir, ['tag', '--list'])).toBe('')
  })

  it('--dry-run checks everything and tags nothing', () => {
    const dir = repo('1.0.0')
    const r = release(dir, ['--dry-run'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('Dry run: would tag HEAD v1.0.0 and move v1 to it.')
    expect(git(dir, ['tag', '--list'])).toBe('')
  })

  it('prints a version’s CHANGELOG section as release notes', () => {
    const dir = repo('1.1.0')
    const notes = release(dir, ['notes', 'v1.1.0'])
    expect(notes.code).toBe(0)
    expect(notes.out).toBe('### Added\n\n- Review iterations.\n')
    expect(release(dir, ['notes', '1.0.0']).out).toBe('### Added\n\n- The first release.\n')
    const missing = release(dir, ['notes', 'v3.0.0'])
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/no section for "v3\.0\.0"/)
  })

  it('the project’s own CHANGELOG.md has an Unreleased section and package.json a plain version', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[Unreleased\]\n\n\S/m)
    const { version } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'))
    expect(version).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
