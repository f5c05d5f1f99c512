/**
 * The action's git never trusts what the model could write into `.git`. Each test plays a model without a
 * sandbox: between the suspension of the credential and its restore (guardGitForRun) it writes one of the
 * relatives of the commondir + filter attack into the checkout's git metadata, next to an ordinary change in
 * the work tree. Then the action's own commit and push run (real git, no mocks). The planted command would
 * leave a marker and put every process environment and the credential into the blob it cleans; the tests
 * assert no marker, no credential in any file outside the real git directory, and neither secret in what was
 * pushed, and that the git metadata is the pre-run one again.
 */
import {
  chmod,
  cp,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commitAll } from '../../src/git/branch.js'
import { pushBranch } from '../../src/git/push.js'
import { createGit, GitCommandManager } from '../../src/git/command-manager.js'
import { withPushAuth } from '../../src/git/credentials.js'
import { guardGitForRun } from '../../src/git/guard.js'
import { createOrigin, runGit, type Origin } from '../support/git-fixture.js'
import { describeGitDir, filesContaining } from '../support/git-metadata.js'

const TOKEN = 'ghs_untrustedmetadatatoken000000001'
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64')
const HEADER = `AUTHORIZATION: basic ${BASIC}`
/** A secret in the action's own environment (like INPUT_ANTHROPIC-API-KEY): /proc/<pid>/environ would show it. */
const API_KEY = 'sk-ant-untrusted-metadata-0123456789'
const BRANCH = 'ISSUE-3'

interface World {
  work: string
  /** The real git directory, as resolved before the run. */
  gitDir: string
  /** A directory the model controls, outside the checkout. */
  evil: string
  /** checkout v6's credentials file under RUNNER_TEMP (when persisted). */
  credFile?: string
  runnerTemp: string
  git: GitCommandManager
  logs: string[]
}

let origin: Origin
const dirs: string[] = []
const savedKey = process.env.IMPLEMENT_ACTION_TEST_API_KEY

beforeEach(async () => {
  origin = await createOrigin({ files: { 'README.md': '# fixture\n', 'src/a.txt': 'a\n' } })
  process.env.IMPLEMENT_ACTION_TEST_API_KEY = API_KEY
})

afterEach(async () => {
  if (savedKey === undefined) delete process.env.IMPLEMENT_ACTION_TEST_API_KEY
  else process.env.IMPLEMENT_ACTION_TEST_API_KEY = savedKey
  await origin.cleanup()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function tempDir(prefix: string): Promise<string> {
  const d = await realpath(await mkdtemp(path.join(tmpdir(), prefix)))
  dirs.push(d)
  return d
}

/**
 * A CI-style checkout on the work branch, with the credential persisted the way checkout v6 does (`includeIf`
 * to a file under RUNNER_TEMP) or not at all (`persist-credentials: false`: withPushAuth then writes it).
 */
async function world(credentials: 'v6' | 'none'): Promise<World> {
  const work = await origin.clone()
  await runGit(work, ['checkout', '--quiet', '-b', BRANCH])
  const runnerTemp = await tempDir('runner-temp-')
  let credFile: string | undefined
  if (credentials === 'v6') {
    credFile = path.join(runnerTemp, 'git-credentials-0001.config')
    await writeFile(credFile, `[http "https://github.com/"]\n\textraheader = ${HEADER}\n`)
    await runGit(work, ['config', '--local', `includeIf.gitdir:${path.join(work, '.git')}/.path`, credFile])
  }
  const evil = await tempDir('model-controlled-')
  await writeFile(
    path.join(evil, 'planted.sh'),
    [
      '#!/bin/sh',
      `touch '${evil}/marker-'"$1"`,
      // What an attacker wants in the blob it cleans: every environment it can read and the credential.
      'cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n"',
      `cat '${work}/.git/config' '${credFile ?? '/dev/null'}' 2>/dev/null`,
      '[ "$1" = filter ] && cat',
      'exit 0',
      '',
    ].join('\n'),
  )
  await chmod(path.join(evil, 'planted.sh'), 0o755)
  const git = await createGit(work)
  return { work, gitDir: git.layout!.gitDir, evil, credFile, runnerTemp, git, logs: [] }
}

const planted = (w: World, why: string): string => `${path.join(w.evil, 'planted.sh')} ${why}`

/** Config text defining every command-running setting the planted script can stand behind. */
function evilConfig(w: World): string {
  return [
    '[core]',
    `\tfsmonitor = ${planted(w, 'fsmonitor')}`,
    `\thooksPath = ${path.join(w.evil, 'hooks')}`,
    `\tsshCommand = ${planted(w, 'ssh')}`,
    `\tgitProxy = ${planted(w, 'proxy')}`,
    '[filter "x"]',
    `\tclean = ${planted(w, 'filter')}`,
    `\tsmudge = ${planted(w, 'filter')}`,
    '[diff "x"]',
    `\ttextconv = ${planted(w, 'textconv')}`,
    `\tcommand = ${planted(w, 'diff')}`,
    '[diff]',
    `\texternal = ${planted(w, 'diff-external')}`,
    '',
  ].join('\n')
}

/** Hooks the planted script stands behind, in `dir`. */
async function plantHooks(w: World, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true })
  for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'pre-push', 'reference-transaction']) {
    await writeFile(path.join(dir, hook), `#!/bin/sh\nexec ${planted(w, hook)}\n`)
    await chmod(path.join(dir, hook), 0o755)
  }
}

/** The model's ordinary work, plus attributes that send every file through the planted filter and diff. */
async function modelEdits(w: World): Promise<void> {
  await writeFile(path.join(w.work, 'src', 'a.txt'), 'changed by the model\n')
  await writeFile(path.join(w.work, 'new.txt'), 'new\n')
  await writeFile(path.join(w.work, '.gitattributes'), '* filter=x diff=x\n')
}

/** The text of every blob of the pushed branch, and its commit messages. */
async function pushedText(): Promise<string> {
  if (!(await origin.head(BRANCH))) return ''
  const tree = await runGit(origin.bare, ['ls-tree', '-r', '--format=%(objecttype) %(objectname)', BRANCH])
  const shas = tree
    .split('\n')
    .filter((l) => l.startsWith('blob '))
    .map((l) => l.slice(5))
  const blobs = await Promise.all(shas.map((sha) => runGit(origin.bare, ['cat-file', 'blob', sha])))
  return [await runGit(origin.bare, ['log', '--format=%B', BRANCH]), ...blobs].join('\n')
}

/** The action after the model: restore, then commit, push with the credential, clean up. */
async function actionCommitsAndPushes(w: World, restore: () => Promise<void>): Promise<unknown> {
  try {
    await restore()
    const commit = await commitAll(w.git, { message: 'Implement ISSUE-3' })
    expect(commit.committed).toBe(true)
    const cleanup = await withPushAuth(w.git, { serverUrl: 'https://github.com', token: TOKEN })
    try {
      await pushBranch(w.git, BRANCH)
    } finally {
      await cleanup()
    }
    return undefined
  } catch (err) {
    return err
  }
}

/**
 * One attack: `plant` writes into `.git` what a model could, then the action commits and pushes. Returns the
 * error the action stopped with (undefined when it went through) after checking what must hold either way.
 */
async function attack(
  w: World,
  plant: (w: World) => Promise<void>,
): Promise<{ error: unknown; before: string[]; after: string[] }> {
  const before = await describeGitDir(w.gitDir)
  const restore = await guardGitForRun(w.git, (l) => w.logs.push(l))
  await modelEdits(w)
  await plant(w)
  let after: string[] = []
  const error = await actionCommitsAndPushes(w, async () => {
    try {
      await restore()
    } finally {
      after = await describeGitDir(w.gitDir)
    }
  })

  expect((await readdir(w.evil)).filter((f) => f.startsWith('marker-'))).toEqual([])
  const leaks = [
    ...(await filesContaining(w.evil, [BASIC, TOKEN], () => false)),
    ...(await filesContaining(w.work, [BASIC, TOKEN], (p) => p === w.gitDir)),
    ...(await filesContaining(w.runnerTemp, [BASIC, TOKEN], (p) => p === w.credFile)),
  ]
  expect(leaks).toEqual([])
  const pushed = await pushedText()
  for (const secret of [BASIC, TOKEN, API_KEY]) expect(pushed).not.toContain(secret)
  // checkout v6's credentials file is back for later steps, whatever happened to `.git`.
  if (w.credFile) expect(await readFile(w.credFile, 'utf8')).toContain(HEADER)
  return { error, before, after }
}

/** The attack was undone: the metadata is the pre-run one, the commit went through and was pushed. */
async function expectUndone(w: World, r: { error: unknown; before: string[]; after: string[] }) {
  expect(r.error).toBeUndefined()
  expect(r.after).toEqual(r.before)
  expect(await origin.head(BRANCH)).toBe(await runGit(w.work, ['rev-parse', 'HEAD']))
  const pushed = await pushedText()
  expect(pushed).toContain('changed by the model')
  expect(pushed).toContain('* filter=x diff=x')
  expect(w.logs.join('\n')).toMatch(/Put back git metadata the model changed/)
}

describe('git metadata written by the model is put back before the action runs git', () => {
  it('core.fsmonitor, filter, diff and hook settings in .git/config', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      await plantHooks(w, path.join(w.evil, 'hooks'))
      await writeFile(
        path.join(w.gitDir, 'config'),
        (await readFile(path.join(w.gitDir, 'config'), 'utf8')) + evilConfig(w),
      )
    })
    await expectUndone(w, r)
  })

  it('a filter defined behind .git/commondir (with a .gitattributes line)', async () => {
    const w = await world('v6')
    const common = path.join(w.evil, 'common.git')
    const r = await attack(w, async () => {
      await cp(w.gitDir, common, { recursive: true })
      await writeFile(path.join(common, 'config'), evilConfig(w), { flag: 'a' })
      await writeFile(path.join(w.gitDir, 'commondir'), `${common}\n`)
    })
    await expectUndone(w, r)
    expect(await lstat(path.join(w.gitDir, 'commondir')).catch(() => 'gone')).toBe('gone')
  })

  it('.git/commondir elsewhere does not receive the push credential (persist-credentials: false)', async () => {
    const w = await world('none')
    const common = path.join(w.evil, 'common.git')
    const r = await attack(w, async () => {
      await cp(w.gitDir, common, { recursive: true })
      await writeFile(path.join(w.gitDir, 'commondir'), `${common}\n`)
    })
    await expectUndone(w, r)
    // Checked in attack() too: the attacker's config never saw the header withPushAuth wrote.
    expect(await readFile(path.join(common, 'config'), 'utf8')).not.toContain(BASIC)
  })

  it('core.hooksPath and hooks in .git/hooks', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      await plantHooks(w, path.join(w.gitDir, 'hooks'))
      await plantHooks(w, path.join(w.evil, 'hooks'))
      await runGit(w.work, ['config', 'core.hooksPath', path.join(w.evil, 'hooks')])
    })
    await expectUndone(w, r)
  })

  it('core.sshCommand and core.gitProxy with an ssh:// and a git:// origin', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      await runGit(w.work, ['config', 'core.sshCommand', planted(w, 'ssh')])
      await runGit(w.work, ['config', 'core.gitProxy', planted(w, 'proxy')])
      await runGit(w.work, ['config', 'remote.origin.url', 'ssh://git@example.invalid/octo/repo.git'])
      await runGit(w.work, ['config', 'remote.origin.pushurl', 'git://example.invalid/octo/repo.git'])
    })
    await expectUndone(w, r)
  })

  it('objects/info/alternates and http-alternates naming another repository', async () => {
    const w = await world('v6')
    const other = path.join(w.evil, 'other.git')
    const r = await attack(w, async () => {
      await runGit(w.evil, ['init', '--quiet', '--bare', other])
      await mkdir(path.join(w.gitDir, 'objects', 'info'), { recursive: true })
      await writeFile(
        path.join(w.gitDir, 'objects', 'info', 'alternates'),
        `${path.join(other, 'objects')}\n`,
      )
      await writeFile(path.join(w.gitDir, 'objects', 'info', 'http-alternates'), 'http://example.invalid/o\n')
    })
    await expectUndone(w, r)
  })

  it('include.path and includeIf entries naming a config the model wrote', async () => {
    const w = await world('v6')
    const inc = path.join(w.evil, 'included.config')
    const r = await attack(w, async () => {
      await writeFile(inc, evilConfig(w))
      await runGit(w.work, ['config', '--add', 'include.path', inc])
      await runGit(w.work, ['config', 'includeIf.gitdir:/.path', inc])
      await runGit(w.work, ['config', 'includeIf.onbranch:ISSUE-3.path', inc])
    })
    await expectUndone(w, r)
  })

  it('the included credentials file rewritten with a filter by the model', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      await writeFile(w.credFile!, evilConfig(w))
    })
    await expectUndone(w, r)
    expect(await readFile(w.credFile!, 'utf8')).toBe(
      `[http "https://github.com/"]\n\textraheader = ${HEADER}\n`,
    )
  })

  it('.git/config replaced by a symlink to a config the model controls', async () => {
    const w = await world('v6')
    const target = path.join(w.evil, 'config')
    const r = await attack(w, async () => {
      await writeFile(target, (await readFile(path.join(w.gitDir, 'config'), 'utf8')) + evilConfig(w))
      await rm(path.join(w.gitDir, 'config'))
      await symlink(target, path.join(w.gitDir, 'config'))
    })
    await expectUndone(w, r)
    expect((await lstat(path.join(w.gitDir, 'config'))).isFile()).toBe(true)
    // Restored by replacing the link, not by writing through it.
    expect(await readFile(target, 'utf8')).toContain('[filter "x"]')
  })

  it('.git/config replaced by a hard link to a file the model controls', async () => {
    const w = await world('v6')
    const target = path.join(w.evil, 'config')
    const r = await attack(w, async () => {
      await writeFile(target, await readFile(path.join(w.gitDir, 'config')))
      await rm(path.join(w.gitDir, 'config'))
      await link(target, path.join(w.gitDir, 'config'))
    })
    await expectUndone(w, r)
    expect((await lstat(path.join(w.gitDir, 'config'))).nlink).toBe(1)
  })

  it('hooks/ and info/ replaced by symlinks, info/attributes and info/exclude written', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      await plantHooks(w, path.join(w.evil, 'hooks'))
      await rm(path.join(w.gitDir, 'hooks'), { recursive: true, force: true })
      await symlink(path.join(w.evil, 'hooks'), path.join(w.gitDir, 'hooks'))
      await mkdir(path.join(w.evil, 'info'), { recursive: true })
      await writeFile(path.join(w.evil, 'info', 'attributes'), '* filter=x\n')
      await writeFile(path.join(w.evil, 'info', 'exclude'), 'new.txt\n')
      await rm(path.join(w.gitDir, 'info'), { recursive: true, force: true })
      await symlink(path.join(w.evil, 'info'), path.join(w.gitDir, 'info'))
    })
    await expectUndone(w, r)
    expect((await lstat(path.join(w.gitDir, 'hooks'))).isDirectory()).toBe(true)
    // info/exclude is the pre-run one again: new.txt was committed, not silently left out.
    expect(await pushedText()).toContain('new\n')
  })

  it('worktrees/ entries and a config.worktree turned on by extensions.worktreeConfig', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      const wt = path.join(w.gitDir, 'worktrees', 'evil')
      await mkdir(wt, { recursive: true })
      await writeFile(path.join(wt, 'HEAD'), 'ref: refs/heads/main\n')
      await writeFile(path.join(wt, 'commondir'), '../..\n')
      await writeFile(path.join(wt, 'gitdir'), `${path.join(w.evil, 'wt', '.git')}\n`)
      await writeFile(path.join(wt, 'config.worktree'), evilConfig(w))
      await writeFile(path.join(w.gitDir, 'config.worktree'), evilConfig(w))
      await runGit(w.work, ['config', 'extensions.worktreeConfig', 'true'])
    })
    await expectUndone(w, r)
  })

  it('HEAD, the branch ref, packed-refs and a replace ref moved by the model', async () => {
    const w = await world('v6')
    const r = await attack(w, async () => {
      const head = await runGit(w.work, ['rev-parse', 'HEAD'])
      await writeFile(path.join(w.gitDir, 'HEAD'), 'ref: refs/heads/main\n')
      await writeFile(path.join(w.gitDir, 'packed-refs'), `${head} refs/heads/planted\n`)
      await mkdir(path.join(w.gitDir, 'refs', 'replace'), { recursive: true })
      await writeFile(path.join(w.gitDir, 'refs', 'replace', head), `${head}\n`)
    })
    await expectUndone(w, r)
    expect(await runGit(w.work, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/${BRANCH}`)
  })
})

describe('a submodule checkout', () => {
  it("its .git gitfile pointed at the model's repository: git add -A runs nothing there", async () => {
    const w = await world('v6')
    // A populated submodule, committed before the run.
    const sub = await tempDir('submodule-origin-')
    await runGit(sub, ['init', '--quiet'])
    await writeFile(path.join(sub, 's.txt'), 's\n')
    await runGit(sub, ['add', '-A'])
    await runGit(sub, ['-c', 'user.name=H', '-c', 'user.email=h@example.com', 'commit', '--quiet', '-m', 's'])
    await runGit(w.work, ['-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', sub, 'sub'])
    await runGit(w.work, [
      '-c',
      'user.name=H',
      '-c',
      'user.email=h@example.com',
      'commit',
      '--quiet',
      '-m',
      'sub',
    ])
    const copy = path.join(w.evil, 'sub.git')
    const r = await attack(w, async () => {
      await cp(path.join(w.gitDir, 'modules', 'sub'), copy, { recursive: true })
      await writeFile(path.join(copy, 'config'), evilConfig(w), { flag: 'a' })
      await runGit(w.evil, [
        'config',
        '--file',
        path.join(copy, 'config'),
        'core.worktree',
        path.join(w.work, 'sub'),
      ])
      await writeFile(path.join(w.work, 'sub', '.git'), `gitdir: ${copy}\n`)
      await writeFile(path.join(w.work, 'sub', '.gitattributes'), '* filter=x\n')
      // Same size, new mtime: git has to run the clean filter to tell whether it changed.
      await writeFile(path.join(w.work, 'sub', 's.txt'), 's\n')
      const later = new Date(Date.now() + 5000)
      await utimes(path.join(w.work, 'sub', 's.txt'), later, later)
    })
    await expectUndone(w, r)
    expect(await readFile(path.join(w.work, 'sub', '.git'), 'utf8')).toBe('gitdir: ../.git/modules/sub\n')
  })

  it("a nested submodule's gitfile pointed at the model's repository: git add -A runs nothing there", async () => {
    const w = await world('v6')
    const allow = ['-c', 'protocol.file.allow=always']
    const human = ['-c', 'user.name=H', '-c', 'user.email=h@example.com']
    const repoWith = async (prefix: string, file: string): Promise<string> => {
      const dir = await tempDir(prefix)
      await runGit(dir, ['init', '--quiet'])
      await writeFile(path.join(dir, file), `${file}\n`)
      await runGit(dir, ['add', '-A'])
      await runGit(dir, [...human, 'commit', '--quiet', '-m', file])
      return dir
    }
    const inner = await repoWith('inner-origin-', 'i.txt')
    const outer = await repoWith('outer-origin-', 'o.txt')
    await runGit(outer, [...allow, 'submodule', '--quiet', 'add', inner, 'inner'])
    await runGit(outer, [...human, 'commit', '--quiet', '-m', 'inner'])
    await runGit(w.work, [...allow, 'submodule', '--quiet', 'add', outer, 'outer'])
    await runGit(w.work, [...allow, 'submodule', '--quiet', 'update', '--init', '--recursive'])
    await runGit(w.work, [...human, 'commit', '--quiet', '-m', 'outer'])
    const nested = path.join(w.work, 'outer', 'inner')
    const copy = path.join(w.evil, 'inner.git')
    const plant = async (): Promise<void> => {
      await cp(path.join(w.gitDir, 'modules', 'outer', 'modules', 'inner'), copy, { recursive: true })
      await writeFile(path.join(copy, 'config'), evilConfig(w), { flag: 'a' })
      await runGit(w.evil, ['config', '--file', path.join(copy, 'config'), 'core.worktree', nested])
      // Files of the work tree: no restore puts them back, and a sandbox lets the model write them.
      await writeFile(path.join(nested, '.git'), `gitdir: ${copy}\n`)
      await writeFile(path.join(nested, '.gitattributes'), '* filter=x\n')
      const later = new Date(Date.now() + 5000)
      await utimes(path.join(nested, 'i.txt'), later, later)
    }
    const r = await attack(w, plant)
    expect(r.error).toBeUndefined()
    expect(await pushedText()).toContain('changed by the model')
    // Control: git without the action's settings recurses into the nested submodule and runs the filter.
    await runGit(w.work, ['add', '-A'])
    expect((await readdir(w.evil)).filter((f) => f.startsWith('marker-'))).toContain('marker-filter')
  })

  it('is really dangerous without the restore (control)', async () => {
    const w = await world('none')
    const sub = await tempDir('submodule-origin-')
    await runGit(sub, ['init', '--quiet'])
    await writeFile(path.join(sub, 's.txt'), 's\n')
    await runGit(sub, ['add', '-A'])
    await runGit(sub, ['-c', 'user.name=H', '-c', 'user.email=h@example.com', 'commit', '--quiet', '-m', 's'])
    await runGit(w.work, ['-c', 'protocol.file.allow=always', 'submodule', '--quiet', 'add', sub, 'sub'])
    const copy = path.join(w.evil, 'sub.git')
    await cp(path.join(w.gitDir, 'modules', 'sub'), copy, { recursive: true })
    await writeFile(path.join(copy, 'config'), evilConfig(w), { flag: 'a' })
    await runGit(w.evil, [
      'config',
      '--file',
      path.join(copy, 'config'),
      'core.worktree',
      path.join(w.work, 'sub'),
    ])
    await writeFile(path.join(w.work, 'sub', '.git'), `gitdir: ${copy}\n`)
    await writeFile(path.join(w.work, 'sub', '.gitattributes'), '* filter=x\n')
    const later = new Date(Date.now() + 5000)
    await utimes(path.join(w.work, 'sub', 's.txt'), later, later)
    await w.git.exec(['add', '-A'])
    expect((await readdir(w.evil)).filter((f) => f.startsWith('marker-'))).toContain('marker-filter')
  })
})

describe('the commondir + filter attack without the restore', () => {
  async function plantCommondir(w: World): Promise<void> {
    const common = path.join(w.evil, 'common.git')
    await cp(w.gitDir, common, { recursive: true })
    await writeFile(path.join(common, 'config'), evilConfig(w), { flag: 'a' })
    await writeFile(path.join(w.gitDir, 'commondir'), `${common}\n`)
    await modelEdits(w)
  }

  it('is real: git that discovers the repository anew runs the planted filter (control)', async () => {
    const w = await world('none')
    await plantCommondir(w)
    const plain = new GitCommandManager(w.work)
    await plain.exec(['add', '-A'])
    expect((await readdir(w.evil)).filter((f) => f.startsWith('marker-'))).toContain('marker-filter')
  })

  it('is ignored by the fixed layout alone: GIT_COMMON_DIR wins over a commondir written later', async () => {
    const w = await world('none')
    await plantCommondir(w)
    await w.git.exec(['add', '-A'])
    await w.git.exec(['status', '--porcelain'])
    expect((await readdir(w.evil)).filter((f) => f.startsWith('marker-'))).toEqual([])
  })
})

describe('a .git the restore cannot make whole again stops the action (fail closed)', () => {
  it('.git replaced by a gitfile naming a copy with a filter: nothing runs, nothing is pushed', async () => {
    const w = await world('v6')
    const copy = path.join(w.evil, 'copy.git')
    const r = await attack(w, async () => {
      await cp(w.gitDir, copy, { recursive: true })
      await writeFile(path.join(copy, 'config'), evilConfig(w), { flag: 'a' })
      await rm(w.gitDir, { recursive: true, force: true })
      await writeFile(path.join(w.work, '.git'), `gitdir: ${copy}\n`)
    })
    expect(String(r.error)).toMatch(/git metadata could not be restored.*objects are gone/)
    expect(await origin.head(BRANCH)).toBeUndefined()
    expect((await lstat(w.gitDir)).isDirectory()).toBe(true)
    // The credential did not go back into a repository that is not the pre-run one.
    expect(await readFile(path.join(w.gitDir, 'config'), 'utf8')).not.toMatch(/includeIf/i)
    expect(w.logs.join('\n')).toMatch(/::warning::Could not restore local git config/)
  })

  it('.git replaced by a symlink to a copy: the copy receives nothing', async () => {
    const w = await world('v6')
    const copy = path.join(w.evil, 'copy.git')
    const r = await attack(w, async () => {
      await cp(w.gitDir, copy, { recursive: true })
      await writeFile(path.join(copy, 'config'), evilConfig(w), { flag: 'a' })
      await rm(w.gitDir, { recursive: true, force: true })
      await symlink(copy, w.gitDir)
    })
    expect(String(r.error)).toMatch(/git metadata could not be restored/)
    expect(await origin.head(BRANCH)).toBeUndefined()
    expect(await readFile(path.join(copy, 'config'), 'utf8')).not.toMatch(/includeIf/i)
  })

  it('refuses to run git at all while the git directory is not a directory', async () => {
    const w = await world('none')
    await rm(w.gitDir, { recursive: true, force: true })
    await writeFile(w.gitDir, `gitdir: ${w.evil}\n`)
    await expect(w.git.exec(['status'])).rejects.toThrow(/no longer a directory; refusing to run git/)
  })
})

describe('attributes from outside the repository', () => {
  it('the global attributes file in HOME is never read', async () => {
    const w = await world('none')
    const home = await tempDir('model-home-')
    await mkdir(path.join(home, '.config', 'git'), { recursive: true })
    await writeFile(path.join(home, '.config', 'git', 'attributes'), '* planted=yes\n')
    const git = await createGit(w.work, { baseEnv: { ...process.env, HOME: home, XDG_CONFIG_HOME: '' } })
    const r = await git.exec(['check-attr', 'planted', '--', 'README.md'])
    expect(r.stdout.trim()).toBe('README.md: planted: unspecified')
  })
})
