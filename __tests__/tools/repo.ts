/** Test helper: real temporary git repositories. */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export interface TempRepo {
  /** Realpath of the repository root. */
  root: string
  write(rel: string, content: string | Buffer): void
  read(rel: string): string
  exists(rel: string): boolean
  git(...args: string[]): string
  cleanup(): void
}

/** Creates a git repository in a fresh temp dir with the given files committed. */
export function makeRepo(files: Record<string, string | Buffer> = {}): TempRepo {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'impl-repo-')))
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: root, GIT_CONFIG_NOSYSTEM: '1' },
    })
  git('init', '-q', '-b', 'main')
  git('config', 'user.email', 'test@example.com')
  git('config', 'user.name', 'Test')
  const repo: TempRepo = {
    root,
    write(rel, content) {
      const abs = path.join(root, rel)
      fs.mkdirSync(path.dirname(abs), { recursive: true })
      fs.writeFileSync(abs, content)
    },
    read: (rel) => fs.readFileSync(path.join(root, rel), 'utf8'),
    exists: (rel) => fs.existsSync(path.join(root, rel)),
    git,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  }
  for (const [rel, content] of Object.entries(files)) repo.write(rel, content)
  if (Object.keys(files).length) {
    git('add', '-A')
    git('commit', '-q', '-m', 'init')
  }
  return repo
}

/** A temp directory outside any repository. */
export function makeTempDir(prefix = 'impl-out-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
}
