import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commitAll } from '../../src/git/branch.js'
import { createGit } from '../../src/git/command-manager.js'
import { fileStem, writeWorkFiles } from '../../src/git/keep-work.js'
import { createOrigin, HUMAN, runGit, type Origin } from '../support/git-fixture.js'

let origin: Origin
let temp: string

beforeEach(async () => {
  origin = await createOrigin({ files: { 'README.md': '# demo\n' } })
  temp = await mkdtemp(path.join(os.tmpdir(), 'keep-work-'))
})
afterEach(async () => origin.cleanup())

/** The heads a bundle offers and the commits a fresh clone gets from it. */
async function fetched(bundle: string, branch: string): Promise<string[]> {
  const clone = await origin.clone()
  await runGit(clone, ['fetch', '--quiet', bundle, `${branch}:${branch}`])
  return (await runGit(clone, ['log', '--format=%s', `refs/heads/${branch}`])).split('\n')
}

describe('writeWorkFiles', () => {
  it('writes only the commits origin lacks, as a fetchable bundle and a patch series', async () => {
    const work = await origin.clone()
    await runGit(work, ['checkout', '--quiet', '-b', 'feature/x'])
    const git = await createGit(work)
    for (const n of [1, 2]) {
      await writeFile(path.join(work, `f${n}.bin`), Buffer.from([0, n, 255]))
      await commitAll(git, { message: `Step ${n}` })
    }
    const files = await writeWorkFiles(git, 'feature/x', temp)
    expect(files).toMatchObject({ commits: 2 })
    expect(path.dirname(files!.dir)).toBe(temp)
    expect(path.basename(files!.bundle)).toBe('feature-x.bundle')
    const patch = await readFile(files!.patch, 'utf8')
    expect(patch.match(/^Subject: .*$/gm)).toEqual([
      'Subject: [PATCH 1/2] Step 1',
      'Subject: [PATCH 2/2] Step 2',
    ])
    expect(patch).toContain('GIT binary patch')
    expect(await fetched(files!.bundle, 'feature/x')).toEqual(['Step 2', 'Step 1', 'Initial commit'])
  })

  it('writes the whole branch when origin is known for none of it, and nothing when origin has it all', async () => {
    const work = await origin.clone({ depth: 0 })
    const git = await createGit(work)
    expect(await writeWorkFiles(git, 'main', temp)).toBeUndefined()
    await runGit(work, ['update-ref', '-d', 'refs/remotes/origin/main'])
    await writeFile(path.join(work, 'local.txt'), 'local\n')
    await runGit(work, ['add', 'local.txt'])
    await runGit(work, [...HUMAN, 'commit', '--quiet', '-m', 'Local'])
    const files = await writeWorkFiles(git, 'main', temp)
    expect(files?.commits).toBe(2)
    expect((await readFile(files!.patch, 'utf8')).match(/^Subject: .*$/gm)).toEqual([
      'Subject: [PATCH 1/2] Initial commit',
      'Subject: [PATCH 2/2] Local',
    ])
    const heads = await runGit(work, ['bundle', 'list-heads', files!.bundle])
    expect(heads).toMatch(/ refs\/heads\/main$/)
  })

  it('keeps the bytes of text that is not UTF-8 (a Latin-1 file): the patch applies to the same bytes', async () => {
    const work = await origin.clone()
    await runGit(work, ['checkout', '--quiet', '-b', 'ISSUE-3'])
    const git = await createGit(work)
    // "café\n" in Latin-1: a text file (no NUL), so format-patch writes it as a text diff, byte for byte.
    const latin1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])
    await writeFile(path.join(work, 'menu.txt'), latin1)
    await commitAll(git, { message: 'Menu' })
    const files = await writeWorkFiles(git, 'ISSUE-3', temp)
    const patch = await readFile(files!.patch)
    expect(patch.includes(Buffer.from('+caf\xe9\n', 'latin1'))).toBe(true)
    expect(patch.includes(Buffer.from('\ufffd', 'utf8'))).toBe(false)

    const clone = await origin.clone()
    expect(files!.base).toBe(await runGit(clone, ['rev-parse', 'HEAD']))
    await runGit(clone, [...HUMAN, 'am', '--quiet', files!.patch])
    expect(await readFile(path.join(clone, 'menu.txt'))).toEqual(latin1)
  })

  it('refuses a branch name that is not one', () => {
    expect(() => fileStem('--output=/etc/x')).toThrow(/starts with "-"/)
  })
})
