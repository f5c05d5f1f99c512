/** The snapshot and restore of a git directory itself (src/git/metadata.ts), on a real clone. */
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGit } from '../../src/git/command-manager.js'
import { snapshotGitMetadata } from '../../src/git/metadata.js'
import { createOrigin, runGit, type Origin } from '../support/git-fixture.js'
import { describeGitDir } from '../support/git-metadata.js'

let origin: Origin
let work: string
const dirs: string[] = []

beforeEach(async () => {
  origin = await createOrigin()
  work = await origin.clone()
})

afterEach(async () => {
  await origin.cleanup()
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

describe('snapshotGitMetadata', () => {
  it('puts every changed, added, removed or retyped entry back and says which', async () => {
    const layout = (await createGit(work)).layout!
    const before = await describeGitDir(layout.gitDir)
    const snapshot = await snapshotGitMetadata(layout)
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'elsewhere-'))
    dirs.push(elsewhere)
    await writeFile(path.join(layout.gitDir, 'config'), '[core]\n\tbare = true\n')
    await writeFile(path.join(layout.gitDir, 'hooks', 'pre-commit'), '#!/bin/sh\n', { mode: 0o755 })
    await rm(path.join(layout.gitDir, 'info', 'exclude'))
    await rm(path.join(layout.gitDir, 'refs', 'tags'), { recursive: true })
    await symlink(elsewhere, path.join(layout.gitDir, 'refs', 'tags'))
    // An object the model wrote: objects are content-addressed and not recorded, so it stays.
    await writeFile(path.join(elsewhere, 'planted.txt'), 'planted\n')
    const blob = await runGit(work, ['hash-object', '-w', path.join(elsewhere, 'planted.txt')])
    await rm(path.join(elsewhere, 'planted.txt'))
    const report = await snapshot.restore()
    expect(report.failed).toEqual([])
    expect(report.changed.map((p) => path.relative(layout.gitDir, p)).sort()).toEqual(
      ['config', 'hooks/pre-commit', 'info/exclude', 'refs/tags'].sort(),
    )
    expect(await describeGitDir(layout.gitDir)).toEqual(before)
    expect(await readdir(elsewhere)).toEqual([])
    expect(await runGit(work, ['cat-file', '-t', blob])).toBe('blob')
    // Again: nothing left to put back.
    expect((await snapshot.restore()).changed).toEqual([])
  })

  it('reports an included file it cannot put back as missing when git can no longer read it', async () => {
    const layout = (await createGit(work)).layout!
    const dir = await mkdtemp(path.join(tmpdir(), 'included-'))
    dirs.push(dir)
    const included = path.join(dir, 'x.config')
    await writeFile(included, '[user]\n\tname = x\n')
    const snapshot = await snapshotGitMetadata(layout, { extraFiles: [included] })
    await writeFile(included, '[filter "x"]\n\tclean = evil\n')
    expect((await snapshot.restore()).changed).toEqual([included])
    expect(await readFile(included, 'utf8')).toBe('[user]\n\tname = x\n')

    await rm(dir, { recursive: true })
    await writeFile(dir, 'a file where the directory was\n')
    const report = await snapshot.restore()
    expect(report.failed).toEqual([])
    expect(report.missing).toEqual([expect.stringContaining(included)])
  })
})
