import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import { createEditorTool } from '../../src/tools/editor.js'
import { ToolError } from '../../src/tools/errors.js'
import { resolveToolPath } from '../../src/tools/jail.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct } from './direct.js'
import { makeRepo, makeTempDir, type TempRepo } from './repo.js'

let repo: TempRepo
let outside: string
afterEach(() => {
  repo?.cleanup()
  if (outside) fs.rmSync(outside, { recursive: true, force: true })
})

function setup(): ToolContext {
  repo = makeRepo({ 'src/a.ts': 'export const a = 1\n', 'README.md': '# hi\n' })
  outside = makeTempDir()
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside secret\n')
  return {
    workspace: repo.root,
    sandbox: createRuntimeSandbox({
      env: { PATH: process.env.PATH ?? '' },
      workspace: repo.root,
      allowedDomains: [],
    }),
  }
}

describe('resolveToolPath', () => {
  it('resolves relative and absolute paths inside the repository', () => {
    setup()
    expect(resolveToolPath(repo.root, 'src/a.ts', { forWrite: false })).toBe(path.join(repo.root, 'src/a.ts'))
    expect(resolveToolPath(repo.root, path.join(repo.root, 'src/a.ts'), { forWrite: true })).toBe(
      path.join(repo.root, 'src/a.ts'),
    )
    expect(resolveToolPath(repo.root, 'new/dir/file.ts', { forWrite: true })).toBe(
      path.join(repo.root, 'new/dir/file.ts'),
    )
    expect(resolveToolPath(repo.root, 'src/../README.md', { forWrite: false })).toBe(
      path.join(repo.root, 'README.md'),
    )
  })

  it('refuses .. escapes and absolute paths outside', () => {
    setup()
    expect(() => resolveToolPath(repo.root, '../x', { forWrite: false })).toThrow(ToolError)
    expect(() => resolveToolPath(repo.root, '../x', { forWrite: false })).toThrow(/outside the repository/)
    expect(() => resolveToolPath(repo.root, 'src/../../x', { forWrite: true })).toThrow(
      /outside the repository/,
    )
    expect(() => resolveToolPath(repo.root, '/etc/passwd', { forWrite: false })).toThrow(
      /outside the repository/,
    )
    expect(() => resolveToolPath(repo.root, '', { forWrite: false })).toThrow(/path/)
  })

  it('refuses symlinks that point out, including dangling ones and parent directories', () => {
    setup()
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(repo.root, 'link-file'))
    fs.symlinkSync(outside, path.join(repo.root, 'link-dir'))
    fs.symlinkSync(path.join(outside, 'nope.txt'), path.join(repo.root, 'dangling'))
    expect(() => resolveToolPath(repo.root, 'link-file', { forWrite: false })).toThrow(
      /outside the repository/,
    )
    expect(() => resolveToolPath(repo.root, 'link-dir/secret.txt', { forWrite: false })).toThrow(/symlink/)
    expect(() => resolveToolPath(repo.root, 'link-dir/new.txt', { forWrite: true })).toThrow(/outside/)
    expect(() => resolveToolPath(repo.root, 'dangling', { forWrite: true })).toThrow(/symlink/)
    // A symlink that stays inside is fine.
    fs.symlinkSync(path.join(repo.root, 'src'), path.join(repo.root, 'src-link'))
    expect(resolveToolPath(repo.root, 'src-link/a.ts', { forWrite: false })).toBe(
      path.join(repo.root, 'src/a.ts'),
    )
  })

  it('refuses writes under .git (also through a symlink) but allows reading', () => {
    setup()
    expect(() => resolveToolPath(repo.root, '.git/config', { forWrite: true })).toThrow(/\.git/)
    expect(() => resolveToolPath(repo.root, '.git/hooks/pre-commit', { forWrite: true })).toThrow(/\.git/)
    expect(() => resolveToolPath(repo.root, 'sub/.git/x', { forWrite: true })).toThrow(/\.git/)
    fs.symlinkSync(path.join(repo.root, '.git'), path.join(repo.root, 'gitdir'))
    expect(() => resolveToolPath(repo.root, 'gitdir/config', { forWrite: true })).toThrow(/\.git/)
    expect(resolveToolPath(repo.root, '.git/config', { forWrite: false })).toBe(
      path.join(repo.root, '.git/config'),
    )
  })
})

describe('editor tool through the jail', () => {
  it('returns a tool error (not a crash) for every escape attempt and writes nothing', async () => {
    const ctx = setup()
    fs.symlinkSync(outside, path.join(repo.root, 'out'))
    const editor = direct(createEditorTool())
    const configBefore = repo.read('.git/config')
    const attempts: Array<Record<string, unknown>> = [
      { command: 'view', path: '../x' },
      { command: 'view', path: '/etc/passwd' },
      { command: 'view', path: 'out/secret.txt' },
      { command: 'create', path: 'out/evil.txt', file_text: 'x' },
      { command: 'create', path: '../evil.txt', file_text: 'x' },
      { command: 'create', path: '.git/config', file_text: '[core]\n' },
      { command: 'str_replace', path: '.git/config', old_str: '[core]', new_str: '[x]' },
      { command: 'insert', path: '.git/config', insert_line: 0, insert_text: 'x' },
    ]
    for (const input of attempts) {
      await expect(editor.run(input, ctx)).rejects.toBeInstanceOf(ToolError)
    }
    expect(fs.existsSync(path.join(outside, 'evil.txt'))).toBe(false)
    expect(fs.existsSync(path.join(path.dirname(repo.root), 'evil.txt'))).toBe(false)
    expect(repo.read('.git/config')).toBe(configBefore)
  })
})
