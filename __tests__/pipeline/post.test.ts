import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createGit } from '../../src/git/command-manager.js'
import { withPushAuth } from '../../src/git/credentials.js'
import { cleanUp, keptLine, type PostState } from '../../src/pipeline/post.js'
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
