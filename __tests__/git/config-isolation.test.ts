/**
 * The action's own git never reads global, XDG or system config: the model's shell runs as the same OS user and
 * can write ~/.gitconfig, and the action's git later runs with the credential back in the local config.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { devNull, tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { changedFiles, commitAll } from '../../src/git/branch.js'
import { pushBranch } from '../../src/git/push.js'
import { createGit, GitCommandManager, parseGitVersion } from '../../src/git/command-manager.js'
import { createOrigin, type Origin } from '../support/git-fixture.js'

const isRoot = process.getuid?.() === 0

/** Runs git the way a careless caller would: the given HOME, global config read. Resolves with the exit code. */
function plainGit(
  cwd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stderr })
    })
  })
}

async function script(file: string, body: string): Promise<void> {
  await writeFile(file, `#!/bin/sh\n${body}\n`)
  await chmod(file, 0o755)
}

/** Marker files the planted commands leave behind. */
async function markers(home: string): Promise<string[]> {
  return (await readdir(home)).filter((f) => f.endsWith('-ran')).sort()
}

let origin: Origin
let home: string
let xdgHome: string
const dirs: string[] = []

beforeAll(async () => {
  origin = await createOrigin({ files: { 'README.md': '# fixture\n', 'src/a.txt': 'a\n' } })

  // A HOME whose ~/.gitconfig is what a hostile model run would leave behind.
  home = await mkdtemp(path.join(tmpdir(), 'evil-home-'))
  dirs.push(home)
  await script(path.join(home, 'fsmonitor.sh'), `touch '${home}/fsmonitor-ran'`)
  await script(path.join(home, 'clean.sh'), `touch '${home}/clean-ran'; cat`)
  await writeFile(
    path.join(home, '.gitconfig'),
    [
      '[core]',
      `\tfsmonitor = ${home}/fsmonitor.sh`,
      '[filter "evil"]',
      `\tclean = ${home}/clean.sh`,
      '\tsmudge = cat',
      '[alias]',
      `\tevil = !touch '${home}/alias-ran'`,
      '[user]',
      '\tname = Global Name',
      '\temail = global@example.com',
      '',
    ].join('\n'),
  )

  // A HOME with only the XDG config file.
  xdgHome = await mkdtemp(path.join(tmpdir(), 'evil-xdg-home-'))
  dirs.push(xdgHome)
  await script(path.join(xdgHome, 'fsmonitor.sh'), `touch '${xdgHome}/fsmonitor-ran'`)
  await script(path.join(xdgHome, 'clean.sh'), `touch '${xdgHome}/clean-ran'; cat`)
  await mkdir(path.join(xdgHome, '.config', 'git'), { recursive: true })
  await writeFile(
    path.join(xdgHome, '.config', 'git', 'config'),
    `[core]\n\tfsmonitor = ${xdgHome}/fsmonitor.sh\n[filter "evil"]\n\tclean = ${xdgHome}/clean.sh\n`,
  )
})

afterAll(async () => {
  await origin.cleanup()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** The model's edits: a changed file, a new one, and attributes that route every file through the planted filter. */
async function modelEdits(work: string): Promise<void> {
  await writeFile(path.join(work, 'src', 'a.txt'), 'changed\n')
  await writeFile(path.join(work, 'new.txt'), 'new\n')
  await writeFile(path.join(work, '.gitattributes'), '* filter=evil\n')
}

describe('global config planted by the model', () => {
  it('is really dangerous for git that reads it (control)', async () => {
    for (const h of [home, xdgHome]) {
      const work = await origin.clone()
      await modelEdits(work)
      expect((await plainGit(work, ['status', '--short'], { HOME: h, GIT_CONFIG_NOSYSTEM: '1' })).code).toBe(
        0,
      )
      expect((await plainGit(work, ['add', '-A'], { HOME: h, GIT_CONFIG_NOSYSTEM: '1' })).code).toBe(0)
      expect(await markers(h)).toEqual(['clean-ran', 'fsmonitor-ran'])
      for (const m of await markers(h)) await rm(path.join(h, m))
    }
  })

  it.each([
    ['~/.gitconfig', () => home, 'ISSUE-1'],
    ['~/.config/git/config', () => xdgHome, 'ISSUE-2'],
  ])('%s runs nothing during status, add, commit and push', async (_name, homeOf, branch) => {
    const h = homeOf()
    const work = await origin.clone()
    const git = await createGit(work, { baseEnv: { ...process.env, HOME: h } })
    await origin.git(work, ['checkout', '--quiet', '-b', branch])
    await modelEdits(work)

    expect((await changedFiles(git)).sort()).toEqual(['.gitattributes', 'new.txt', 'src/a.txt'])
    await git.exec(['status'])
    const commit = await commitAll(git, { message: `Implement ${branch}` })
    expect(commit.committed).toBe(true)
    const pushed = await pushBranch(git, branch)
    expect(pushed.pushed).toBe(true)
    expect(await origin.head(branch)).toBe(commit.sha)

    expect(await markers(h)).toEqual([])
    // The bot identity comes from the environment; the planted user.name is never used.
    const who = await origin.git(work, ['log', '-1', '--format=%an <%ae>|%cn <%ce>'])
    expect(who).not.toContain('Global Name')
    expect(who.split('|')[0]).toBe(
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
    )
  })

  it('ignores aliases and user settings from ~/.gitconfig', async () => {
    const work = await origin.clone()
    const git = await createGit(work, { baseEnv: { ...process.env, HOME: home } })
    const alias = await git.exec(['evil'], { allowFailure: true })
    expect(alias.exitCode).not.toBe(0)
    expect(alias.stderr).toMatch(/not a git command/)
    expect((await git.exec(['config', 'user.name'], { allowFailure: true })).exitCode).toBe(1)
    expect((await git.exec(['config', 'core.fsmonitor'])).stdout.trim()).toBe('false')
    expect((await git.exec(['config', 'core.hooksPath'])).stdout.trim()).toBe(devNull)
    expect(await markers(home)).toEqual([])
  })

  it('cannot be turned back on through per-call env', async () => {
    const work = await origin.clone()
    const git = await createGit(work, { baseEnv: { ...process.env, HOME: home } })
    const r = await git.exec(['config', 'user.name'], {
      env: { GIT_CONFIG_GLOBAL: path.join(home, '.gitconfig'), GIT_CONFIG_NOSYSTEM: '0' },
      allowFailure: true,
    })
    expect(r.exitCode).toBe(1)
  })
})

describe('local settings written during the run (before the local config is restored)', () => {
  it('never start an fsmonitor or run a hook, for any command', async () => {
    const work = await origin.clone()
    const dir = await mkdtemp(path.join(tmpdir(), 'local-evil-'))
    dirs.push(dir)
    await script(path.join(dir, 'fsmonitor.sh'), `touch '${dir}/fsmonitor-ran'`)
    await origin.git(work, ['config', 'core.fsmonitor', path.join(dir, 'fsmonitor.sh')])
    // reference-transaction runs on every ref update: fetch, update-ref, commit, push.
    for (const hook of ['reference-transaction', 'pre-commit', 'post-checkout', 'pre-push']) {
      await script(path.join(work, '.git', 'hooks', hook), `touch '${dir}/${hook}-ran'`)
    }
    const control = await plainGit(work, ['update-ref', 'refs/heads/control', 'HEAD'], { HOME: dir })
    expect(control.code).toBe(0)
    expect(await markers(dir)).toContain('reference-transaction-ran')
    for (const m of await markers(dir)) await rm(path.join(dir, m))

    const git = await createGit(work)
    await git.exec(['checkout', '--quiet', '-b', 'ISSUE-3'])
    await git.exec(['fetch', '--quiet', 'origin', `+refs/heads/main:refs/remotes/origin/main`])
    await writeFile(path.join(work, 'new.txt'), 'new\n')
    expect(await changedFiles(git)).toEqual(['new.txt'])
    expect((await commitAll(git, { message: 'Local' })).committed).toBe(true)
    expect((await pushBranch(git, 'ISSUE-3')).pushed).toBe(true)
    expect(await markers(dir)).toEqual([])
  })
})

describe('a git planted on PATH during the run', () => {
  it('is not what the manager created before the run executes', async () => {
    const work = await origin.clone()
    // Like ~/.local/bin on hosted runners: early on PATH and writable by the job's user.
    const early = await mkdtemp(path.join(tmpdir(), 'early-bin-'))
    dirs.push(early)
    const baseEnv = { ...process.env, PATH: `${early}${path.delimiter}${process.env.PATH}` }
    const git = await createGit(work, { baseEnv })
    await script(path.join(early, 'git'), `touch '${early}/fake-git-ran'; echo fake`)

    expect((await git.exec(['rev-parse', '--is-inside-work-tree'])).stdout.trim()).toBe('true')
    expect(await markers(early)).toEqual([])
    // Control: a manager created now would run the planted one.
    const later = new GitCommandManager(work, { baseEnv })
    expect((await later.exec(['rev-parse', '--is-inside-work-tree'])).stdout.trim()).toBe('fake')
    expect(await markers(early)).toEqual(['fake-git-ran'])
  })
})

describe('git older than 2.32 (no GIT_CONFIG_GLOBAL)', () => {
  /** A `git` on PATH that claims `version` and otherwise runs the real git. */
  async function fakeGit(version: string): Promise<string> {
    const bin = await mkdtemp(path.join(tmpdir(), 'fake-git-'))
    dirs.push(bin)
    const real = await new Promise<string>((resolve, reject) =>
      execFile('sh', ['-c', 'command -v git'], (err, out) => (err ? reject(err) : resolve(out.trim()))),
    )
    await script(
      path.join(bin, 'git'),
      `for a in "$@"; do [ "$a" = --version ] && { echo 'git version ${version}'; exit 0; }; done\nexec '${real}' "$@"`,
    )
    return bin
  }

  it('hides HOME from old git, and keeps it for current git', async () => {
    const work = await origin.clone()
    const showHome = ['-c', 'alias.showhome=!echo "HOME=$HOME"', 'showhome']
    const old = await createGit(work, {
      baseEnv: { PATH: `${await fakeGit('2.25.1')}:${process.env.PATH}`, HOME: home },
    })
    expect((await old.exec(showHome)).stdout.trim()).toBe(`HOME=${devNull}`)
    const current = await createGit(work, {
      baseEnv: { PATH: `${await fakeGit('2.45.2.windows.1')}:${process.env.PATH}`, HOME: home },
    })
    expect((await current.exec(showHome)).stdout.trim()).toBe(`HOME=${home}`)
  })

  it('parses the version git reports', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual([2, 39])
    expect(parseGitVersion('git version 2.45.1.windows.1')).toEqual([2, 45])
    expect(parseGitVersion('git version 2.39.3 (Apple Git-145)')).toEqual([2, 39])
    expect(parseGitVersion('nonsense')).toBeUndefined()
  })
})

describe('safe.directory', () => {
  it.skipIf(!isRoot)(
    'treats the workspace as safe although global config (where checkout puts safe.directory) is ignored',
    async () => {
      const work = await origin.clone()
      await mkdir(path.join(work, 'sub'))
      // Owned by someone else, as in a container job where the workspace belongs to the runner user.
      const chownTree = (dir: string): Promise<void> =>
        new Promise((resolve, reject) =>
          execFile('chown', ['-R', '65534:65534', dir], (err) => (err ? reject(err) : resolve())),
        )
      await chownTree(work)

      const control = await plainGit(work, ['status'], { HOME: home, GIT_CONFIG_GLOBAL: '/dev/null' })
      expect(control.code).not.toBe(0)
      expect(control.stderr).toMatch(/dubious ownership/)

      const git = await createGit(work)
      expect((await git.exec(['status', '--short'])).exitCode).toBe(0)

      const link = path.join(await mkdtemp(path.join(tmpdir(), 'ws-link-')), 'workspace')
      dirs.push(path.dirname(link))
      await symlink(work, link)
      expect((await (await createGit(link)).exec(['rev-parse', 'HEAD'])).exitCode).toBe(0)
      expect((await (await createGit(path.join(work, 'sub'))).exec(['rev-parse', 'HEAD'])).exitCode).toBe(0)
    },
  )
})
