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

  it('refuses a branch name that is not one', () => {
    expect(() => fileStem('--output=/etc/x')).toThrow(/starts with "-"/)
  })
})
