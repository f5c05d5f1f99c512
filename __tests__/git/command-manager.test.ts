import { realpathSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { createGit, GitCommandManager, gitEnv } from '../../src/git/command-manager.js'
import { GitError } from '../../src/git/git.js'
import { createOrigin, type Origin } from '../support/git-fixture.js'

const SECRET_ENV: Record<string, string> = {
  GITHUB_TOKEN: 'ghs_secretsecretsecretsecret0001',
  GH_TOKEN: 'ghp_secretsecretsecretsecret0002',
  'INPUT_GITHUB-TOKEN': 'ghs_secretsecretsecretsecret0003',
  'INPUT_ANTHROPIC-API-KEY': 'sk-ant-secretsecretsecret0004',
  ACTIONS_RUNTIME_TOKEN: 'secret-runtime-token-0005',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'secret-oidc-token-0006',
  ANTHROPIC_API_KEY: 'sk-ant-secretsecretsecret0007',
  GIT_DIR: '/nonexistent/should-not-leak',
  GIT_ASKPASS: '/bin/echo',
}

/** Parses `env` output into a map. */
function parseEnv(text: string): Map<string, string> {
  const map = new Map<string, string>()
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) map.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return map
}

let origin: Origin
let work: string
const saved: Record<string, string | undefined> = {}

beforeAll(async () => {
  origin = await createOrigin()
  work = await origin.clone()
  for (const [k, v] of Object.entries(SECRET_ENV)) {
    saved[k] = process.env[k]
    process.env[k] = v
  }
  process.env.LC_ALL = 'C'
})

afterAll(async () => {
  for (const k of Object.keys(SECRET_ENV)) {
    if (saved[k] === undefined) delete process.env[k]
    else process.env[k] = saved[k]
  }
  delete process.env.LC_ALL
  await origin.cleanup()
})

describe('gitEnv', () => {
  it('keeps only the allowlist and adds the no-prompt settings', () => {
    const env = gitEnv({
      PATH: '/usr/bin',
      HOME: '/home/x',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      TMPDIR: '/tmp',
      ...SECRET_ENV,
      RUNNER_TEMP: '/runner/temp',
    })
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/x',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      TMPDIR: '/tmp',
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'never',
      GIT_EDITOR: 'true',
      GIT_SEQUENCE_EDITOR: 'true',
      GIT_PAGER: 'cat',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    })
  })
})

describe('GitCommandManager', () => {
  it('runs git with an environment that has no token even when process.env has one', async () => {
    const git = await createGit(work)
    const r = await git.exec(['-c', 'alias.showenv=!env', 'showenv'])
    const env = parseEnv(r.stdout)
    // git prepends its exec path; the rest is ours.
    expect(env.get('PATH')?.endsWith(process.env.PATH!)).toBe(true)
    expect(env.get('LC_ALL')).toBe('C')
    expect(env.get('GIT_TERMINAL_PROMPT')).toBe('0')
    expect(env.get('GCM_INTERACTIVE')).toBe('never')
    // GIT_DIR is set, on purpose, to the repository resolved before the run (see layoutEnv); the parent's value
    // (/nonexistent/should-not-leak) is never used, as the value check below shows.
    for (const name of Object.keys(SECRET_ENV))
      if (name !== 'GIT_DIR') expect(env.has(name), name).toBe(false)
    expect(env.get('GIT_DIR')).toBe(realpathSync(path.join(work, '.git')))
    for (const value of Object.values(SECRET_ENV)) expect(r.stdout).not.toContain(value)
    for (const name of env.keys()) expect(name).not.toMatch(/^(INPUT_|ACTIONS_|ANTHROPIC_|GITHUB_)/)
  })

  it('adds per-call env on top of the allowlist without keeping it for later calls', async () => {
    const git = new GitCommandManager(work)
    const withExtra = await git.exec(['-c', 'alias.showenv=!env', 'showenv'], {
      env: { EXTRA_FOR_ONE: 'yes' },
    })
    expect(parseEnv(withExtra.stdout).get('EXTRA_FOR_ONE')).toBe('yes')
    const without = await git.exec(['-c', 'alias.showenv=!env', 'showenv'])
    expect(parseEnv(without.stdout).has('EXTRA_FOR_ONE')).toBe(false)
  })

  it('passes arguments without a shell', async () => {
    const git = new GitCommandManager(work)
    const r = await git.exec(['log', '-1', '--format=%s $(echo injected) `id` ; echo x'])
    expect(r.stdout.trim()).toBe('Initial commit $(echo injected) `id` ; echo x')
  })

  it('throws GitError with exit code and stderr, or returns the result with allowFailure', async () => {
    const git = new GitCommandManager(work)
    const err = await git
      .exec(['rev-parse', '--verify', 'refs/heads/does-not-exist'])
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GitError)
    expect((err as GitError).result.exitCode).toBe(128)
    expect((err as GitError).args).toEqual(['rev-parse', '--verify', 'refs/heads/does-not-exist'])
    const r = await git.exec(['rev-parse', '--verify', 'refs/heads/does-not-exist'], { allowFailure: true })
    expect(r.exitCode).toBe(128)
    expect(r.stderr).toMatch(/fatal/)
  })

  it('logs each command line when asked', async () => {
    const lines: string[] = []
    const git = await createGit(work, { log: (l) => lines.push(l) })
    await git.exec(['status', '--short'])
    expect(lines).toContain('git status --short')
  })
})

describe('createGit', () => {
  it('refuses a directory that is not a work tree, pointing at actions/checkout', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'not-a-repo-'))
    try {
      const err = await createGit(dir).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).message).toContain('is not a git work tree')
      expect((err as UserError).hint).toContain('actions/checkout')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('refuses a workspace that does not exist', async () => {
    const err = await createGit(path.join(tmpdir(), 'no-such-dir-implement-action')).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).message).toContain('does not exist')
  })

  it('says so when git is not on PATH', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'empty-path-'))
    try {
      const err = await createGit(work, { baseEnv: { PATH: empty } }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UserError)
      expect((err as UserError).message).toContain('git is not installed')
    } finally {
      await rm(empty, { recursive: true, force: true })
    }
  })

  it('returns a manager whose cwd is the absolute workspace', async () => {
    const git = await createGit(path.relative(process.cwd(), work))
    expect(git.cwd).toBe(path.resolve(work))
  })
})
