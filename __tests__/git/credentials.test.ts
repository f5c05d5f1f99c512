import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createGit } from '../../src/git/command-manager.js'
import { restoreCredentialCopy, suspendCredentials, withPushAuth } from '../../src/git/credentials.js'
import { createOrigin, runGit, type Origin } from '../support/git-fixture.js'

const TOKEN = 'ghs_checkouttokencheckouttoken0001'
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64')
const HEADER = `AUTHORIZATION: basic ${BASIC}`
const KEY = 'http.https://github.com/.extraheader'

let origin: Origin
let work: string
let configFile: string

beforeEach(async () => {
  origin = await createOrigin()
  work = await origin.clone()
  configFile = path.join(work, '.git', 'config')
})

afterEach(async () => {
  await origin.cleanup()
})

/** Effective values of a key, includes followed; [] when unset. */
async function effective(key: string): Promise<string[]> {
  const out = await runGit(work, ['config', '--includes', '--get-all', key]).catch(() => '')
  return out ? out.split('\n') : []
}

/** What actions/checkout v4/v5 leaves behind: the header directly in .git/config (written via the file). */
async function persistLikeCheckoutV5(): Promise<void> {
  await runGit(work, ['config', '--local', KEY, 'AUTHORIZATION: basic ***'])
  const text = await readFile(configFile, 'utf8')
  await writeFile(configFile, text.replace('AUTHORIZATION: basic ***', HEADER))
}

/** What actions/checkout v6 leaves behind: includeIf entries pointing at a credentials file outside the repo. */
async function persistLikeCheckoutV6(): Promise<string> {
  const credentials = path.join(path.dirname(work), 'git-credentials-1234.config')
  await writeFile(credentials, `[http "https://github.com/"]\n\textraheader = ${HEADER}\n`)
  const gitDir = path.join(work, '.git')
  await runGit(work, ['config', '--local', `includeIf.gitdir:${gitDir}.path`, credentials])
  await runGit(work, ['config', '--local', `includeIf.gitdir:${gitDir}/worktrees/*.path`, credentials])
  await runGit(work, [
    'config',
    '--local',
    'includeIf.gitdir:/github/workspace/.git.path',
    '/github/runner_temp/x',
  ])
  return credentials
}

describe('the credential copy for the post step', () => {
  async function copyPath(): Promise<string> {
    return path.join(await mkdtemp(path.join(path.dirname(work), 'runner-temp-')), 'credentials.json')
  }

  it('holds every place while the credential is out; a killed run is put back from it byte for byte', async () => {
    await persistLikeCheckoutV5()
    const credentials = await persistLikeCheckoutV6()
    const before = { config: await readFile(configFile), included: await readFile(credentials) }
    const copy = await copyPath()

    await suspendCredentials(await createGit(work), { copyTo: copy })
    expect((await stat(copy)).mode & 0o777).toBe(0o600)
    expect(await readFile(configFile, 'utf8')).not.toContain(BASIC)
    expect(await readFile(credentials, 'utf8')).toBe('')
    // The model changes the config meanwhile; then the process dies without its restore.
    await runGit(work, ['config', '--local', 'core.fsmonitor', 'echo planted'])

    const r = await restoreCredentialCopy(copy)
    expect(r.failed).toEqual([])
    expect(r.restored).toEqual([`included credentials file ${credentials}`, `local git config ${configFile}`])
    expect((await readFile(configFile)).equals(before.config)).toBe(true)
    expect((await readFile(credentials)).equals(before.included)).toBe(true)
    await expect(stat(copy)).rejects.toThrow(/ENOENT/)
    // Once more (a second post step, say): nothing to do.
    expect(await restoreCredentialCopy(copy)).toEqual({ restored: [], failed: [] })
  })

  it('is removed by the run’s own restore, whatever it restored, so the post step never overrides it', async () => {
    await persistLikeCheckoutV5()
    const copy = await copyPath()
    const restore = await suspendCredentials(await createGit(work), { copyTo: copy })
    // The metadata could not be trusted: the local config stays without the credential.
    const r = await restore({ localConfig: false })
    expect(r.failed).toHaveLength(1)
    await expect(stat(copy)).rejects.toThrow(/ENOENT/)
    expect(await readFile(configFile, 'utf8')).not.toContain(BASIC)
  })

  it('a suspension that fails half way puts everything back from memory and leaves no copy', async () => {
    await persistLikeCheckoutV5()
    const credentials = await persistLikeCheckoutV6()
    const before = { config: await readFile(configFile), included: await readFile(credentials) }
    const copy = await copyPath()
    // Another git holds the config's lock: the included file is already emptied when the unset fails.
    await writeFile(`${configFile}.lock`, '')
    await expect(suspendCredentials(await createGit(work), { copyTo: copy })).rejects.toThrow()
    await rm(`${configFile}.lock`)
    expect((await readFile(configFile)).equals(before.config)).toBe(true)
    expect((await readFile(credentials)).equals(before.included)).toBe(true)
    await expect(stat(copy)).rejects.toThrow(/ENOENT/)
  })

  it('is not written when there is no credential to suspend', async () => {
    const copy = await copyPath()
    await suspendCredentials(await createGit(work), { copyTo: copy })
    await expect(stat(copy)).rejects.toThrow(/ENOENT/)
  })
})

describe('suspendCredentials', () => {
  it('removes an extraheader persisted in .git/config and restores the file byte for byte', async () => {
    await persistLikeCheckoutV5()
    const before = await readFile(configFile)
    expect(await effective(KEY)).toEqual([HEADER])

    const git = await createGit(work)
    const restore = await suspendCredentials(git)
    expect(await effective(KEY)).toEqual([])
    const during = await readFile(configFile, 'utf8')
    expect(during).not.toContain(BASIC)
    expect(during).toContain('[core]')
    // Other settings survive the suspension.
    expect(await runGit(work, ['config', '--get', 'remote.origin.url'])).toBe(origin.bare)

    await restore()
    expect((await readFile(configFile)).equals(before)).toBe(true)
    expect(await effective(KEY)).toEqual([HEADER])
    await restore()
    expect((await readFile(configFile)).equals(before)).toBe(true)
  })

  it('removes includeIf entries (checkout v6) and both kinds together, then restores them exactly', async () => {
    await persistLikeCheckoutV5()
    const credentials = await persistLikeCheckoutV6()
    const before = await readFile(configFile)
    expect(await effective(KEY)).toEqual([HEADER, HEADER])

    const restore = await suspendCredentials(await createGit(work))
    expect(await effective(KEY)).toEqual([])
    const names = await runGit(work, ['config', '--local', '--name-only', '--list'])
    expect(names).not.toMatch(/includeif/i)
    expect(names).not.toMatch(/extraheader/i)
    // The credentials file outside the repository is emptied too: the model's shell could read it directly.
    const credentialsBefore = `[http "https://github.com/"]\n\textraheader = ${HEADER}\n`
    expect(await readFile(credentials, 'utf8')).toBe('')

    await restore()
    expect((await readFile(configFile)).toString('utf8')).toBe(before.toString('utf8'))
    expect(await readFile(credentials, 'utf8')).toBe(credentialsBefore)
    expect(await effective(KEY)).toEqual([HEADER, HEADER])
  })

  it('restores the original file even if the config was changed during the run', async () => {
    await persistLikeCheckoutV6()
    const before = await readFile(configFile)
    const restore = await suspendCredentials(await createGit(work))
    await runGit(work, ['config', '--local', 'core.hooksPath', '/tmp/evil-hooks'])
    await runGit(work, [
      'config',
      '--local',
      'http.https://github.com/.extraheader',
      'AUTHORIZATION: basic stolen',
    ])
    await restore()
    expect((await readFile(configFile)).equals(before)).toBe(true)
  })

  it('does nothing when no credential is persisted', async () => {
    const before = await readFile(configFile)
    const restore = await suspendCredentials(await createGit(work))
    await restore()
    expect((await readFile(configFile)).equals(before)).toBe(true)
  })
})

describe('restoring the credential, place by place', () => {
  it('puts back the RUNNER_TEMP file although .git was replaced by a gitfile, and reports the local config', async () => {
    await persistLikeCheckoutV5()
    const credentials = await persistLikeCheckoutV6()
    const credentialsBefore = await readFile(credentials)
    const restore = await suspendCredentials(await createGit(work))
    // The model replaces .git with a gitfile: writing .git/config now fails with ENOTDIR.
    const gitDir = path.join(work, '.git')
    await rm(gitDir, { recursive: true, force: true })
    await writeFile(gitDir, 'gitdir: /elsewhere\n')

    const report = await restore()
    expect((await readFile(credentials)).equals(credentialsBefore)).toBe(true)
    expect(report.failed).toHaveLength(1)
    expect(report.failed[0]).toMatch(/^local git config .*\.git\/config: .*no longer a directory/)
    // No value in the report.
    expect(report.failed.join('\n')).not.toContain(BASIC)
    expect(await readFile(gitDir, 'utf8')).toBe('gitdir: /elsewhere\n')
  })

  it('never writes the local config through a .git that became a symlink', async () => {
    await persistLikeCheckoutV5()
    const restore = await suspendCredentials(await createGit(work))
    const elsewhere = path.join(path.dirname(work), 'elsewhere.git')
    await rename(path.join(work, '.git'), elsewhere)
    await symlink(elsewhere, path.join(work, '.git'))
    const report = await restore()
    expect(report.failed).toHaveLength(1)
    expect(await readFile(path.join(elsewhere, 'config'), 'utf8')).not.toContain(BASIC)
  })

  it('restores one place when another fails', async () => {
    await persistLikeCheckoutV5()
    const credentials = await persistLikeCheckoutV6()
    const before = await readFile(configFile)
    const restore = await suspendCredentials(await createGit(work))
    // The credentials file became a directory: that place cannot be put back...
    await rm(credentials)
    await mkdir(path.join(credentials, 'sub'), { recursive: true })
    const report = await restore()
    expect(report.failed).toHaveLength(1)
    expect(report.failed[0]).toMatch(/^included credentials file .*git-credentials-1234\.config: /)
    // ...and the local config is restored all the same.
    expect((await readFile(configFile)).equals(before)).toBe(true)
    // A second call does nothing more.
    expect(await restore()).toEqual({ failed: [] })
  })

  it('leaves the local config without the credential when told to, and says so', async () => {
    await persistLikeCheckoutV5()
    const credentials = await persistLikeCheckoutV6()
    const restore = await suspendCredentials(await createGit(work))
    const report = await restore({ localConfig: false })
    expect(report.failed).toEqual([expect.stringMatching(/^local git config .*: not restored/)])
    expect(await readFile(configFile, 'utf8')).not.toContain(BASIC)
    expect(await readFile(credentials, 'utf8')).toContain(BASIC)
  })
})

describe('withPushAuth', () => {
  it('adds the checkout-style header without putting the token on any command line, and cleans up', async () => {
    const before = await readFile(configFile, 'utf8')
    const lines: string[] = []
    const git = await createGit(work, { log: (l) => lines.push(l) })
    const cleanup = await withPushAuth(git, { serverUrl: 'https://github.com/', token: TOKEN })
    expect(await effective(KEY)).toEqual([HEADER])
    expect(HEADER).toBe(`AUTHORIZATION: basic ${Buffer.from(`x-access-token:${TOKEN}`).toString('base64')}`)
    expect(lines.length).toBeGreaterThan(0)
    for (const l of lines) {
      expect(l).not.toContain(TOKEN)
      expect(l).not.toContain(BASIC)
    }
    await cleanup()
    expect(await effective(KEY)).toEqual([])
    expect(await readFile(configFile, 'utf8')).not.toContain(BASIC)
    expect(await readFile(configFile, 'utf8')).toBe(before)
  })

  it('leaves an existing credential alone', async () => {
    await persistLikeCheckoutV6()
    const before = await readFile(configFile)
    const cleanup = await withPushAuth(await createGit(work), {
      serverUrl: 'https://github.com',
      token: 'other-token',
    })
    expect((await readFile(configFile)).equals(before)).toBe(true)
    await cleanup()
    expect((await readFile(configFile)).equals(before)).toBe(true)
    expect(await effective(KEY)).toEqual([HEADER])
  })

  it('makes git send the header to the server', async () => {
    const seen: IncomingHttpHeaders[] = []
    const server = createServer((req, res) => {
      seen.push(req.headers)
      res.statusCode = 404
      res.end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const git = await createGit(work)
      const cleanup = await withPushAuth(git, { serverUrl: url, token: TOKEN })
      const r = await git.exec(['ls-remote', '--', `${url}/owner/repo.git`], { allowFailure: true })
      expect(r.exitCode).not.toBe(0)
      expect(seen.length).toBeGreaterThan(0)
      expect(seen[0].authorization).toBe(`basic ${BASIC}`)
      await cleanup()
      seen.length = 0
      await git.exec(['ls-remote', '--', `${url}/owner/repo.git`], { allowFailure: true })
      expect(seen.length).toBeGreaterThan(0)
      expect(seen[0].authorization).toBeUndefined()
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
