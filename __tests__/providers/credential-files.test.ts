/**
 * Cloud credentials files in the workspace: out of the model's reach (and of `git add`) for the run, the
 * variables pointing at their new place, their secrets redacted, and everything put back afterwards.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { moveCredentialFiles, putBackMoved } from '../../src/providers/credential-files.js'

const GOOGLE_FILE = JSON.stringify({
  type: 'external_account',
  audience: '//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/gh',
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  token_url: 'http://127.0.0.1:1/v1/token',
  credential_source: {
    url: 'http://127.0.0.1:1/oidc?audience=x',
    headers: { Authorization: 'Bearer request-token-0123456789' },
    format: { type: 'json', subject_token_field_name: 'value' },
  },
})

const notTracked = async (): Promise<boolean> => false
const move = (
  workspace: string,
  env: NodeJS.ProcessEnv,
  privateDir: string | undefined,
  onSecret: (s: string) => void,
  isTracked: (rel: string) => Promise<boolean> = notTracked,
) => moveCredentialFiles({ workspace, env, privateDir, onSecret, isTracked })

let root: string
let workspace: string
let privateDir: string
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'creds-'))
  workspace = path.join(root, 'ws')
  privateDir = path.join(root, 'private')
  await mkdir(workspace)
  await mkdir(privateDir)
})
afterEach(async () => rm(root, { recursive: true, force: true }))

describe('moveCredentialFiles', () => {
  it('moves the setup action’s file out, repoints the variables, collects its secrets, and puts all back', async () => {
    const file = path.join(workspace, 'gha-creds-3f2a9c1d0e4b5a6c.json')
    await writeFile(file, GOOGLE_FILE)
    await writeFile(path.join(workspace, 'README.md'), 'hello')
    const env: NodeJS.ProcessEnv = {
      GOOGLE_APPLICATION_CREDENTIALS: file,
      GOOGLE_GHA_CREDS_PATH: file,
      HOME: '/h',
    }
    const secrets: string[] = []
    const moved = await move(workspace, env, privateDir, (s) => secrets.push(s))
    expect(existsSync(file)).toBe(false)
    expect(moved.moved).toHaveLength(1)
    expect(path.dirname(env.GOOGLE_APPLICATION_CREDENTIALS!)).toBe(privateDir)
    expect(env.GOOGLE_GHA_CREDS_PATH).toBe(env.GOOGLE_APPLICATION_CREDENTIALS)
    expect(await readFile(env.GOOGLE_APPLICATION_CREDENTIALS!, 'utf8')).toBe(GOOGLE_FILE)
    expect(secrets).toEqual(['request-token-0123456789'])
    expect(existsSync(path.join(workspace, 'README.md'))).toBe(true)

    await moved.restore()
    expect(await readFile(file, 'utf8')).toBe(GOOGLE_FILE)
    expect(env.GOOGLE_APPLICATION_CREDENTIALS).toBe(file)
    expect(env.GOOGLE_GHA_CREDS_PATH).toBe(file)
  })

  it('a token file a variable names inside the checkout moves too (whole content secret); one outside stays', async () => {
    await mkdir(path.join(workspace, '.tokens'))
    const inside = path.join(workspace, '.tokens', 'web-identity')
    const outside = path.join(root, 'azure-token')
    await writeFile(inside, 'eyJ-web-identity-token\n')
    await writeFile(outside, 'eyJ-azure')
    const env: NodeJS.ProcessEnv = {
      AWS_WEB_IDENTITY_TOKEN_FILE: '.tokens/web-identity',
      AZURE_FEDERATED_TOKEN_FILE: outside,
    }
    const secrets: string[] = []
    const moved = await move(workspace, env, privateDir, (s) => secrets.push(s))
    expect(existsSync(inside)).toBe(false)
    expect(existsSync(outside)).toBe(true)
    expect(env.AWS_WEB_IDENTITY_TOKEN_FILE?.startsWith(privateDir)).toBe(true)
    expect(env.AZURE_FEDERATED_TOKEN_FILE).toBe(outside)
    // The one outside stays where it is (the sandbox hides it), and is masked all the same.
    expect(secrets).toEqual(['eyJ-azure', 'eyJ-web-identity-token'])
    await moved.restore()
    expect(await readFile(inside, 'utf8')).toBe('eyJ-web-identity-token\n')
    expect(env.AWS_WEB_IDENTITY_TOKEN_FILE).toBe('.tokens/web-identity')
  })

  it('nothing to move: nothing done, even without a private directory', async () => {
    await writeFile(path.join(workspace, 'gha-creds.md'), 'not one')
    const moved = await move(workspace, {}, undefined, () => undefined)
    expect(moved.moved).toEqual([])
    expect(existsSync(path.join(workspace, 'gha-creds.md'))).toBe(true)
  })

  it('fails closed: a file it cannot move out stops the run, and is left as it was', async () => {
    const file = path.join(workspace, 'gha-creds-abc.json')
    await writeFile(file, GOOGLE_FILE)
    await expect(move(workspace, {}, undefined, () => undefined)).rejects.toThrow(UserError)
    await expect(move(workspace, {}, undefined, () => undefined)).rejects.toThrow(/gha-creds-abc\.json/)
    await expect(move(workspace, {}, path.join(root, 'missing-dir'), () => undefined)).rejects.toThrow(
      UserError,
    )
    expect(await readFile(file, 'utf8')).toBe(GOOGLE_FILE)
  })
})

describe('moveCredentialFiles: where the files really are', () => {
  it('a workspace reached through a symlink: the variable’s file is moved and the variable repointed', async () => {
    const link = path.join(root, 'link')
    await symlink(workspace, link)
    await mkdir(path.join(workspace, 'keys'))
    await writeFile(path.join(workspace, 'keys', 'sa.json'), GOOGLE_FILE)
    await writeFile(path.join(workspace, 'gha-creds-abc.json'), GOOGLE_FILE)
    const env: NodeJS.ProcessEnv = {
      GOOGLE_APPLICATION_CREDENTIALS: path.join(link, 'gha-creds-abc.json'),
      AWS_WEB_IDENTITY_TOKEN_FILE: path.join(link, 'keys', 'sa.json'),
    }
    const moved = await move(await realpath(workspace), env, privateDir, () => undefined)
    expect(moved.moved).toHaveLength(2)
    expect(existsSync(path.join(workspace, 'keys', 'sa.json'))).toBe(false)
    expect(existsSync(path.join(workspace, 'gha-creds-abc.json'))).toBe(false)
    expect(await readFile(env.GOOGLE_APPLICATION_CREDENTIALS!, 'utf8')).toBe(GOOGLE_FILE)
    expect(env.AWS_WEB_IDENTITY_TOKEN_FILE?.startsWith(privateDir)).toBe(true)
    await moved.restore()
    expect(env.GOOGLE_APPLICATION_CREDENTIALS).toBe(path.join(link, 'gha-creds-abc.json'))
    expect(await readFile(path.join(workspace, 'keys', 'sa.json'), 'utf8')).toBe(GOOGLE_FILE)
  })

  it('a tracked file a variable names is the repository’s own: it stays (the PR must not delete it)', async () => {
    await mkdir(path.join(workspace, 'test'))
    const fixture = path.join(workspace, 'test', 'fake-sa.json')
    await writeFile(fixture, GOOGLE_FILE)
    const env: NodeJS.ProcessEnv = { GOOGLE_APPLICATION_CREDENTIALS: 'test/fake-sa.json' }
    const asked: string[] = []
    const moved = await move(
      workspace,
      env,
      privateDir,
      () => undefined,
      async (rel) => {
        asked.push(rel)
        return rel === 'test/fake-sa.json'
      },
    )
    expect(asked).toEqual(['test/fake-sa.json'])
    expect(moved.moved).toEqual([])
    expect(existsSync(fixture)).toBe(true)
    expect(env.GOOGLE_APPLICATION_CREDENTIALS).toBe('test/fake-sa.json')
  })

  it('a file named outside the workspace stays, and its secrets are still masked (INI values too)', async () => {
    const token = path.join(root, 'eks-token')
    const ini = path.join(root, 'aws-credentials')
    await writeFile(token, 'eyJ-irsa-projected-token-0123456789\n')
    await writeFile(
      ini,
      '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n',
    )
    const secrets: string[] = []
    const env = { AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_SHARED_CREDENTIALS_FILE: ini }
    const moved = await move(workspace, env, undefined, (s) => secrets.push(s))
    expect(moved.moved).toEqual([])
    expect(existsSync(token)).toBe(true)
    expect(secrets).toContain('eyJ-irsa-projected-token-0123456789')
    expect(secrets).toContain('wJalrXUtnFEMI/K7MDENG')
  })

  it('a setup file that is a link to a file outside, which nothing hides, stops the run', async () => {
    const outside = path.join(root, 'real-creds.json')
    await writeFile(outside, GOOGLE_FILE)
    await symlink(outside, path.join(workspace, 'gha-creds-link.json'))
    await expect(move(workspace, {}, privateDir, () => undefined)).rejects.toThrow(/is a link to/)
    // Named by a variable, the sandbox hides it: then the link is no way in.
    await expect(
      move(workspace, { GOOGLE_APPLICATION_CREDENTIALS: outside }, privateDir, () => undefined),
    ).resolves.toMatchObject({ moved: [] })
  })
})

describe('putBackMoved (the post step, after a main step that was killed)', () => {
  it('puts back what is still away, in place of a file that took its place, and ignores a bad state', async () => {
    const a = path.join(workspace, 'gha-creds-a.json')
    const b = path.join(workspace, 'gha-creds-b.json')
    await writeFile(path.join(privateDir, 'a'), 'A')
    await writeFile(path.join(privateDir, 'b'), 'B')
    await writeFile(b, 'newer')
    const state = JSON.stringify([
      { from: a, to: path.join(privateDir, 'a') },
      { from: b, to: path.join(privateDir, 'b') },
      { from: path.join(workspace, 'gha-creds-c.json'), to: path.join(privateDir, 'gone') },
    ])
    expect(await putBackMoved(state)).toEqual([
      'Put back gha-creds-a.json in the workspace.',
      'Put back gha-creds-b.json in the workspace, in place of a file the run had left there.',
    ])
    expect(await readFile(a, 'utf8')).toBe('A')
    // A planted file never stands in for the real credentials of the steps after this one.
    expect(await readFile(b, 'utf8')).toBe('B')
    expect(await putBackMoved('not json')).toEqual([])
    expect(await putBackMoved('{"from":1}')).toEqual([])
  })
})
