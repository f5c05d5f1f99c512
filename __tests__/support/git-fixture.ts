/**
 * A real git "origin" for tests: a bare repository in a temp dir with an initial commit, plus clones that look
 * like an actions/checkout workspace (init + remote add origin + shallow fetch + `checkout -B <default>`).
 * All git here runs through execFile with a scrubbed environment and identities passed with `-c`, so tests
 * do not depend on the machine's git config.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import * as path from 'node:path'

export interface Origin {
  /** Path of the bare repository that clones use as `origin`. */
  bare: string
  defaultBranch: string
  /** A new CI-style checkout of the default branch (depth 1 unless `depth: 0`). */
  clone(opts?: { depth?: number }): Promise<string>
  /** Writes `files` in `workdir`, commits them as a human and pushes HEAD to `branch` on origin; returns the sha. */
  push(
    workdir: string,
    opts: { branch: string; files: Record<string, string>; message?: string },
  ): Promise<string>
  /** Runs git in `cwd` with the fixture's environment and returns trimmed stdout. */
  git(cwd: string, args: string[]): Promise<string>
  /** The sha of `refs/heads/<branch>` in the bare repository, or undefined if it does not exist. */
  head(branch: string): Promise<string | undefined>
  /** Removes every temp dir this origin created. */
  cleanup(): Promise<void>
}

export const HUMAN = ['-c', 'user.name=Test Human', '-c', 'user.email=human@example.com']

/** The environment the fixture's own git runs with: no GIT_* from the outside, no system config, no prompts. */
function fixtureEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true' }
}

/** Runs git and resolves with trimmed stdout; rejects with stderr on failure. */
export function runGit(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: fixtureEnv(), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr || err.message}`))
      else resolve(stdout.trim())
    })
  })
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, content)
  }
}

/** Creates a bare origin whose default branch holds one commit with `files`. */
export async function createOrigin(
  opts: { files?: Record<string, string>; defaultBranch?: string } = {},
): Promise<Origin> {
  const defaultBranch = opts.defaultBranch ?? 'main'
  const files = opts.files ?? { 'README.md': '# fixture\n' }
  const root = await mkdtemp(path.join(tmpdir(), 'git-fixture-'))
  const bare = path.join(root, 'origin.git')
  let n = 0

  await runGit(root, ['init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, bare])
  const seed = path.join(root, 'seed')
  await runGit(root, ['init', '--quiet', `--initial-branch=${defaultBranch}`, seed])
  await writeFiles(seed, files)
  await runGit(seed, ['add', '-A'])
  await runGit(seed, [...HUMAN, 'commit', '--quiet', '--no-gpg-sign', '-m', 'Initial commit'])
  await runGit(seed, ['push', '--quiet', bare, `HEAD:refs/heads/${defaultBranch}`])

  const origin: Origin = {
    bare,
    defaultBranch,
    async clone(cloneOpts = {}) {
      const depth = cloneOpts.depth ?? 1
      const dir = path.join(root, `work-${++n}`)
      await runGit(root, ['init', '--quiet', dir])
      await runGit(dir, ['remote', 'add', 'origin', bare])
      const spec = `+refs/heads/${defaultBranch}:refs/remotes/origin/${defaultBranch}`
      await runGit(dir, [
        'fetch',
        '--quiet',
        '--no-tags',
        ...(depth > 0 ? [`--depth=${depth}`] : []),
        'origin',
        spec,
      ])
      await runGit(dir, [
        'checkout',
        '--quiet',
        '--force',
        '-B',
        defaultBranch,
        `refs/remotes/origin/${defaultBranch}`,
      ])
      return dir
    },
    async push(workdir, pushOpts) {
      await writeFiles(workdir, pushOpts.files)
      await runGit(workdir, ['add', '-A'])
      await runGit(workdir, [
        ...HUMAN,
        'commit',
        '--quiet',
        '--no-gpg-sign',
        '-m',
        pushOpts.message ?? 'Human change',
      ])
      await runGit(workdir, ['push', '--quiet', 'origin', `HEAD:refs/heads/${pushOpts.branch}`])
      return runGit(workdir, ['rev-parse', 'HEAD'])
    },
    git: runGit,
    async head(branch) {
      const out = await runGit(bare, ['for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`])
      return out || undefined
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true })
    },
  }
  return origin
}
