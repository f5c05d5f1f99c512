import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import {
  BOT_EMAIL,
  BOT_NAME,
  changedFiles,
  coAuthorTrailer,
  commitAll,
  prepareBranch,
} from '../../src/git/branch.js'
import { PushError, pushBranch } from '../../src/git/push.js'
import { createGit } from '../../src/git/command-manager.js'
import { createOrigin, runGit, type Origin } from '../support/git-fixture.js'

let origin: Origin

beforeEach(async () => {
  origin = await createOrigin({
    files: { 'README.md': '# demo\n', 'src/app.txt': 'line 1\nline 2\nline 3\n' },
  })
})

afterEach(async () => {
  await origin.cleanup()
})

async function logFormat(dir: string, format: string, ref = 'HEAD'): Promise<string> {
  return runGit(dir, ['log', '-1', `--format=${format}`, ref])
}

describe('prepareBranch', () => {
  it('creates the branch from origin/<base> on the first run', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    const r = await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    expect(r.existed).toBe(false)
    expect(r.baseSha).toBe(await origin.head('main'))
    expect(r.headSha).toBe(r.baseSha)
    expect(await runGit(work, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/ISSUE-3')
    // No upstream is set, so a bare `git push` could never go to the base branch.
    await expect(runGit(work, ['config', '--get-regexp', '^branch\\.ISSUE-3\\.'])).rejects.toThrow()
  })

  it('continues on the existing origin branch on a rerun, keeping the previous commit', async () => {
    const first = await origin.clone()
    const git1 = await createGit(first)
    await prepareBranch(git1, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(first, 'NEW.md'), 'first run\n')
    const c1 = await commitAll(git1, { message: 'First run' })
    await pushBranch(git1, 'ISSUE-3')

    // Base moves on meanwhile; the rerun must still continue on the issue branch, not restart from base.
    const other = await origin.clone()
    await origin.push(other, { branch: 'main', files: { 'OTHER.md': 'x\n' } })

    const second = await origin.clone()
    const git2 = await createGit(second)
    const r = await prepareBranch(git2, { branch: 'ISSUE-3', base: 'main' })
    expect(r.existed).toBe(true)
    expect(r.headSha).toBe(c1.sha)
    expect(r.baseSha).toBe(await origin.head('main'))
    expect(await readFile(path.join(second, 'NEW.md'), 'utf8')).toBe('first run\n')
    expect(await runGit(second, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/ISSUE-3')

    await writeFile(path.join(second, 'NEW.md'), 'second run\n')
    const c2 = await commitAll(git2, { message: 'Second run' })
    await pushBranch(git2, 'ISSUE-3')
    expect(await origin.head('ISSUE-3')).toBe(c2.sha)
    expect(await runGit(second, ['rev-parse', 'HEAD~1'])).toBe(c1.sha)
    expect(await runGit(origin.bare, ['for-each-ref', '--format=%(refname)', 'refs/heads/'])).toBe(
      'refs/heads/ISSUE-3\nrefs/heads/main',
    )
  })

  it('refuses a base branch that origin does not have', async () => {
    const git = await createGit(await origin.clone())
    const err = await prepareBranch(git, { branch: 'ISSUE-3', base: 'develop' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).message).toBe('The base branch "develop" does not exist on origin.')
  })

  it('validates both names before running git', async () => {
    const git = await createGit(await origin.clone())
    await expect(prepareBranch(git, { branch: '--upload-pack=evil', base: 'main' })).rejects.toBeInstanceOf(
      UserError,
    )
    await expect(prepareBranch(git, { branch: 'ISSUE-3', base: 'main;rm -rf' })).rejects.toBeInstanceOf(
      UserError,
    )
    await expect(prepareBranch(git, { branch: 'main', base: 'main' })).rejects.toThrow(/both "main"/)
  })

  it('ignores a stale remote-tracking ref for a branch origin no longer has', async () => {
    const work = await origin.clone()
    const base = await origin.head('main')
    await runGit(work, ['update-ref', 'refs/remotes/origin/ISSUE-9', base!])
    const r = await prepareBranch(await createGit(work), { branch: 'ISSUE-9', base: 'main' })
    expect(r.existed).toBe(false)
    await expect(runGit(work, ['rev-parse', '--verify', 'refs/remotes/origin/ISSUE-9'])).rejects.toThrow()
  })
})

describe('commitAll', () => {
  it('commits everything as github-actions[bot] with a Co-authored-by trailer', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'src/app.txt'), 'line 1\nline two\nline 3\n')
    await mkdir(path.join(work, 'docs'))
    await writeFile(path.join(work, 'docs/new file.md'), 'new\n')
    await rm(path.join(work, 'README.md'))

    const r = await commitAll(git, {
      message: 'Implement ISSUE-3',
      coAuthor: { login: 'octocat', id: 583231 },
    })
    expect(r.committed).toBe(true)
    expect(r.sha).toBe(await runGit(work, ['rev-parse', 'HEAD']))
    expect([...r.files].sort()).toEqual(['README.md', 'docs/new file.md', 'src/app.txt'])
    expect(await logFormat(work, '%an <%ae>')).toBe(`${BOT_NAME} <${BOT_EMAIL}>`)
    expect(await logFormat(work, '%cn <%ce>')).toBe(`${BOT_NAME} <${BOT_EMAIL}>`)
    expect(await logFormat(work, '%B')).toBe(
      'Implement ISSUE-3\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>',
    )
    expect(await logFormat(work, '%(trailers:key=Co-authored-by,valueonly)')).toBe(
      'octocat <583231+octocat@users.noreply.github.com>',
    )
    expect(await runGit(work, ['status', '--porcelain'])).toBe('')
  })

  it('uses the bot identity even when local config names someone else', async () => {
    const work = await origin.clone()
    await runGit(work, ['config', 'user.name', 'Someone Else'])
    await runGit(work, ['config', 'user.email', 'else@example.com'])
    await runGit(work, ['config', 'author.name', 'Author Override'])
    await writeFile(path.join(work, 'x.txt'), 'x\n')
    await commitAll(await createGit(work), { message: 'Change', coAuthor: { login: 'some-user' } })
    expect(await logFormat(work, '%an <%ae>|%cn <%ce>')).toBe(
      `${BOT_NAME} <${BOT_EMAIL}>|${BOT_NAME} <${BOT_EMAIL}>`,
    )
    expect(await logFormat(work, '%B')).toBe(
      'Change\n\nCo-authored-by: some-user <some-user@users.noreply.github.com>',
    )
  })

  it('returns committed: false when nothing changed', async () => {
    const work = await origin.clone()
    const before = await runGit(work, ['rev-parse', 'HEAD'])
    const r = await commitAll(await createGit(work), { message: 'Nothing' })
    expect(r).toEqual({ committed: false, files: [] })
    expect(await runGit(work, ['rev-parse', 'HEAD'])).toBe(before)
  })

  it('never runs repository hooks, neither .git/hooks nor a tracked core.hooksPath like .husky', async () => {
    const work = await origin.clone()
    const marker = path.join(work, '..', 'hook-ran.txt')
    const script = `#!/bin/sh\necho "$0" >> '${marker}'\n`
    await mkdir(path.join(work, '.husky'))
    for (const dir of ['.git/hooks', '.husky']) {
      for (const name of [
        'pre-commit',
        'commit-msg',
        'post-commit',
        'post-checkout',
        'pre-push',
        'pre-rebase',
      ]) {
        await writeFile(path.join(work, dir, name), script)
        await chmod(path.join(work, dir, name), 0o755)
      }
    }
    // Sanity: git does run these hooks on its own.
    await runGit(work, ['hook', 'run', 'pre-commit'])
    expect(await readFile(marker, 'utf8')).toContain('pre-commit')
    await rm(marker)

    await runGit(work, ['config', 'core.hooksPath', '.husky'])
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'x.txt'), 'x\n')
    expect((await commitAll(git, { message: 'No hooks' })).committed).toBe(true)
    const other = await origin.clone()
    await origin.push(other, { branch: 'ISSUE-3', files: { 'y.txt': 'y\n' } })
    expect((await pushBranch(git, 'ISSUE-3')).rebased).toBe(true)
    await expect(readFile(marker, 'utf8')).rejects.toThrow(/ENOENT/)
  })

  it('refuses a co-author login that could inject trailers', () => {
    expect(() => coAuthorTrailer({ login: 'evil\nSigned-off-by: x' })).toThrow(UserError)
    expect(() => coAuthorTrailer({ login: 'octocat', id: -1 })).toThrow(UserError)
    expect(coAuthorTrailer({ login: 'dependabot[bot]', id: 49699333 })).toBe(
      'Co-authored-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>',
    )
  })
})

describe('pushBranch', () => {
  it('pushes only refs/heads/<branch> to the same name on origin', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'a.txt'), 'a\n')
    const c = await commitAll(git, { message: 'A' })
    const mainBefore = await origin.head('main')
    const r = await pushBranch(git, 'ISSUE-3')
    expect(r).toEqual({ pushed: true, rebased: false, sha: c.sha })
    expect(await origin.head('ISSUE-3')).toBe(c.sha)
    expect(await origin.head('main')).toBe(mainBefore)
    expect(await pushBranch(git, 'ISSUE-3')).toEqual({ pushed: false, rebased: false, sha: c.sha })
  })

  it('rebases onto a branch someone else pushed first and pushes again', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'ours.txt'), 'ours\n')
    const ours = await commitAll(git, { message: 'Ours', coAuthor: { login: 'octocat', id: 1 } })

    const other = await origin.clone()
    const theirs = await origin.push(other, { branch: 'ISSUE-3', files: { 'theirs.txt': 'theirs\n' } })

    const r = await pushBranch(git, 'ISSUE-3')
    expect(r.pushed).toBe(true)
    expect(r.rebased).toBe(true)
    expect(r.sha).not.toBe(ours.sha)
    expect(await origin.head('ISSUE-3')).toBe(r.sha)
    expect(await runGit(work, ['rev-parse', 'HEAD~1'])).toBe(theirs)
    expect(await readFile(path.join(work, 'theirs.txt'), 'utf8')).toBe('theirs\n')
    // The rewritten commit keeps the bot as author and committer, and its trailer.
    expect(await logFormat(work, '%an|%cn|%s')).toBe(`${BOT_NAME}|${BOT_NAME}|Ours`)
    expect(await logFormat(work, '%(trailers:key=Co-authored-by,valueonly)')).toBe(
      'octocat <1+octocat@users.noreply.github.com>',
    )
  })

  it('rebases only its own commits when origin’s branch was cut from an older base (shallow checkout)', async () => {
    const other = await origin.clone()
    // main moves on after `other` was cloned; this run's checkout (depth 1) starts from the newer tip.
    await origin.push(await origin.clone(), {
      branch: 'main',
      files: { 'newer.txt': 'newer\n' },
      message: 'Newer main',
    })
    const work = await origin.clone()
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'ours.txt'), 'ours\n')
    await commitAll(git, { message: 'Ours' })
    // Meanwhile someone creates the branch on origin from the older main.
    const theirs = await origin.push(other, { branch: 'ISSUE-3', files: { 'theirs.txt': 'theirs\n' } })

    const r = await pushBranch(git, 'ISSUE-3')
    expect(r.rebased).toBe(true)
    // On origin: their commit, then ours alone; no copy of "Newer main", and no root commit of the whole tree.
    expect(await runGit(work, ['log', '--format=%s', `${theirs}..${r.sha}`])).toBe('Ours')
    expect(await runGit(work, ['rev-parse', `${r.sha}~1`])).toBe(theirs)
  })

  it('aborts a conflicting rebase and says where the work is kept', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'src/app.txt'), 'line 1\nOURS\nline 3\n')
    const ours = await commitAll(git, { message: 'Ours' })

    const other = await origin.clone()
    const theirs = await origin.push(other, {
      branch: 'ISSUE-3',
      files: { 'src/app.txt': 'line 1\nTHEIRS\nline 3\n' },
    })

    const err = await pushBranch(git, 'ISSUE-3').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PushError)
    expect((err as PushError).kind).toBe('conflict')
    const msg = (err as UserError).message
    expect(msg).toContain('conflict')
    expect(msg).toContain(`the commit ${ours.sha} on the local branch "ISSUE-3"`)
    expect((err as UserError).hint).toMatch(/rerun/)
    // Local work kept, no rebase left in progress, origin untouched.
    expect(await runGit(work, ['rev-parse', 'HEAD'])).toBe(ours.sha)
    expect(await runGit(work, ['symbolic-ref', 'HEAD'])).toBe('refs/heads/ISSUE-3')
    expect(await runGit(work, ['status', '--porcelain'])).toBe('')
    expect(await readFile(path.join(work, 'src/app.txt'), 'utf8')).toBe('line 1\nOURS\nline 3\n')
    expect(await origin.head('ISSUE-3')).toBe(theirs)
  })

  it('turns a refusal by origin (a pre-receive hook) into a refused PushError that keeps the sha', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    await prepareBranch(git, { branch: 'ISSUE-3', base: 'main' })
    await writeFile(path.join(work, 'a.txt'), 'a\n')
    const c = await commitAll(git, { message: 'A' })
    const hook = path.join(origin.bare, 'hooks', 'pre-receive')
    await writeFile(hook, '#!/bin/sh\necho "denied by policy" >&2\nexit 1\n')
    await chmod(hook, 0o755)
    const err = await pushBranch(git, 'ISSUE-3', { retryDelaysMs: [1, 1] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PushError)
    expect((err as PushError).kind).toBe('refused')
    expect((err as PushError).sha).toBe(c.sha)
    expect((err as UserError).message).toContain('Origin refused the push of branch "ISSUE-3"')
    expect((err as UserError).message).toContain('denied by policy')
    expect((err as UserError).hint).toContain(c.sha!)
  })

  it('refuses an invalid branch name', async () => {
    const git = await createGit(await origin.clone())
    await expect(pushBranch(git, '--force')).rejects.toBeInstanceOf(UserError)
  })
})

describe('changedFiles', () => {
  it('lists modified, deleted and untracked files, including odd names', async () => {
    const work = await origin.clone()
    const git = await createGit(work)
    await writeFile(path.join(work, 'src/app.txt'), 'changed\n')
    await rm(path.join(work, 'README.md'))
    await mkdir(path.join(work, 'deep/dir'), { recursive: true })
    await writeFile(path.join(work, 'deep/dir/new.txt'), 'n\n')
    await writeFile(path.join(work, 'with space "quoted".txt'), 'q\n')
    expect((await changedFiles(git)).sort()).toEqual(
      ['README.md', 'deep/dir/new.txt', 'src/app.txt', 'with space "quoted".txt'].sort(),
    )
  })

  it('is empty for a clean tree', async () => {
    expect(await changedFiles(await createGit(await origin.clone()))).toEqual([])
  })
})
