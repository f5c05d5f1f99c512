import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
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

describe('hard links and special files', () => {
  /** A FIFO made with mkfifo(1); undefined where there is none (Windows). */
  function mkfifo(file: string): boolean {
    try {
      execFileSync('mkfifo', [file])
      return true
    } catch {
      return false
    }
  }

  it('resolveToolPath refuses a regular file with a second name, for reading and for writing', () => {
    setup()
    fs.linkSync(path.join(outside, 'secret.txt'), path.join(repo.root, 'notes.txt'))
    for (const forWrite of [false, true]) {
      expect(() => resolveToolPath(repo.root, 'notes.txt', { forWrite })).toThrow(ToolError)
      expect(() => resolveToolPath(repo.root, 'notes.txt', { forWrite })).toThrow(/2 hard links/)
    }
    // A file with one name, and a directory, are fine.
    expect(resolveToolPath(repo.root, 'README.md', { forWrite: true })).toBe(
      path.join(repo.root, 'README.md'),
    )
    expect(resolveToolPath(repo.root, 'src', { forWrite: false })).toBe(path.join(repo.root, 'src'))
  })

  it('the editor neither reads nor writes a file hard-linked to one outside the checkout', async () => {
    const ctx = setup()
    const secret = path.join(outside, 'secret.txt')
    fs.linkSync(secret, path.join(repo.root, 'notes.txt'))
    const editor = direct(createEditorTool())
    const attempts: Array<Record<string, unknown>> = [
      { command: 'view', path: 'notes.txt' },
      { command: 'create', path: 'notes.txt', file_text: 'overwritten\n' },
      { command: 'str_replace', path: 'notes.txt', old_str: 'outside', new_str: 'inside' },
      { command: 'insert', path: 'notes.txt', insert_line: 0, insert_text: 'x\n' },
    ]
    for (const input of attempts) {
      const err = await editor.run(input, ctx).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ToolError)
      expect(String((err as Error).message)).toMatch(/hard links/)
      expect(String((err as Error).message)).not.toContain('outside secret')
    }
    expect(fs.readFileSync(secret, 'utf8')).toBe('outside secret\n')
  })

  it.skipIf(process.platform === 'win32')('refuses FIFOs and sockets and never blocks on them', async () => {
    const ctx = setup()
    if (!mkfifo(path.join(repo.root, 'pipe'))) return
    const server = net.createServer()
    await new Promise<void>((resolve) => server.listen(path.join(repo.root, 'sock'), resolve))
    try {
      for (const p of ['pipe', 'sock']) {
        expect(() => resolveToolPath(repo.root, p, { forWrite: false })).toThrow(
          /not a regular file or directory/,
        )
      }
      const editor = direct(createEditorTool())
      const attempts: Array<Record<string, unknown>> = [
        { command: 'view', path: 'pipe' },
        { command: 'create', path: 'pipe', file_text: 'x' },
        { command: 'insert', path: 'pipe', insert_line: 0, insert_text: 'x' },
        { command: 'view', path: 'sock' },
        { command: 'create', path: 'sock', file_text: 'x' },
      ]
      for (const input of attempts) {
        const err = await editor.run(input, ctx).catch((e: unknown) => e)
        expect(err).toBeInstanceOf(ToolError)
        expect(String((err as Error).message)).toMatch(/named pipe|socket|not a regular file/)
      }
      expect(() => resolveToolPath(repo.root, '/dev/null', { forWrite: false })).toThrow(/outside/)
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('checks the opened descriptor too: a hard link made after the path check is refused', async () => {
    const ctx = setup()
    const editor = direct(createEditorTool())
    // Swapped in between resolveToolPath and the open, as a racing shell could: the descriptor check catches it.
    const target = path.join(repo.root, 'late.txt')
    fs.writeFileSync(target, 'mine\n')
    const original = fs.lstatSync
    let swapped = false
    let looks = 0
    const spy = vi.spyOn(fs, 'lstatSync').mockImplementation(((p: fs.PathLike, o?: fs.StatSyncOptions) => {
      const st = original(p, o as never)
      // resolveToolPath looks twice (finding the nearest existing entry, then its kind): swap after the last.
      if (!swapped && String(p) === target && ++looks === 2) {
        swapped = true
        fs.rmSync(target)
        fs.linkSync(path.join(outside, 'secret.txt'), target)
      }
      return st
    }) as typeof fs.lstatSync)
    try {
      const err = await editor.run({ command: 'view', path: 'late.txt' }, ctx).catch((e: unknown) => e)
      expect(swapped).toBe(true)
      expect(err).toBeInstanceOf(ToolError)
      expect(String((err as Error).message)).toMatch(/hard links/)
    } finally {
      spy.mockRestore()
    }
  })
})
