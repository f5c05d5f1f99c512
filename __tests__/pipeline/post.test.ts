import { existsSync } from 'node:fs'
import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createGit } from '../../src/git/command-manager.js'
import { withPushAuth } from '../../src/git/credentials.js'
import { cleanUp, keptLine, type PostState } from '../../src/pipeline/post.js'
import { moveCredentialFiles } from '../../src/providers/credential-files.js'
import { createOrigin, type Origin } from '../support/git-fixture.js'

const state = (s: Partial<PostState>): PostState => ({
  main: 'true',
  marker: '',
  credentials: '',
  cloudFiles: '',
  pushAuth: '',
  tracking: '',
  branch: '',
  pushed: '',
  pr: '',
  finished: '',
  ...s,
})

let origin: Origin | undefined
afterEach(async () => {
  await origin?.cleanup()
  origin = undefined
})

describe('the post step', () => {
  it('removes a push credential the main step added and was killed before removing', async () => {
    origin = await createOrigin()
    const work = await origin.clone()
    let recorded = ''
    // The main step adds it for its push (checkout ran with persist-credentials: false), then is killed.
    await withPushAuth(await createGit(work), {
      serverUrl: 'https://github.com',
      token: 'ghs_pushtokenpushtokenpushtoken0001',
      onAdd: (key) => (recorded = key),
    })
    const config = path.join(work, '.git', 'config')
    expect(await readFile(config, 'utf8')).toContain('extraheader = AUTHORIZATION: basic')
    const logs: string[] = []
    await cleanUp(state({ pushAuth: recorded }), work, (l) => logs.push(l))
    expect(recorded).toBe('http.https://github.com/.extraheader')
    expect(await readFile(config, 'utf8')).not.toContain('extraheader')
    expect(logs).toContain('Removed the push credential the main step had added for its push.')
  })

  it('puts back a cloud credentials file the main step had moved out and was killed before restoring', async () => {
    origin = await createOrigin()
    const work = await origin.clone()
    const away = await mkdtemp(path.join(os.tmpdir(), 'post-cloud-'))
    const file = path.join(work, 'gha-creds-0a1b2c3d.json')
    await writeFile(file, '{"type":"external_account"}')
    const moved = await moveCredentialFiles({
      workspace: await realpath(work),
      env: { GOOGLE_APPLICATION_CREDENTIALS: file },
      privateDir: away,
      onSecret: () => undefined,
      isTracked: async () => false,
    })
    expect(existsSync(file)).toBe(false)
    const logs: string[] = []
    await cleanUp(state({ cloudFiles: JSON.stringify(moved.moved) }), work, (l) => logs.push(l))
    expect(await readFile(file, 'utf8')).toBe('{"type":"external_account"}')
    expect(logs).toContain('Put back gha-creds-0a1b2c3d.json in the workspace.')
    await rm(away, { recursive: true, force: true })
  })

  it('says what a killed run kept: the PR, else the pushed commit, else that nothing was pushed', () => {
    expect(
      keptLine(state({ branch: 'ISSUE-2', pushed: 'a'.repeat(40), pr: 'https://github.com/o/r/pull/3' })),
    ).toBe('Work pushed before it stopped is on branch `ISSUE-2` and in https://github.com/o/r/pull/3.')
    expect(keptLine(state({ branch: 'ISSUE-2', pushed: '0123456789abcdef' }))).toBe(
      'Work pushed before it stopped is on branch `ISSUE-2` (commit 0123456789ab).',
    )
    expect(keptLine(state({ branch: 'ISSUE-2' }))).toMatch(/^Nothing had been pushed/)
  })
})
