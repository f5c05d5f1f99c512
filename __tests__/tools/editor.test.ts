import { afterEach, describe, expect, it } from 'vitest'
import { createEditorTool } from '../../src/tools/editor.js'
import { createPlainSandbox } from '../../src/sandbox/plain.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct } from './direct.js'
import { makeRepo, type TempRepo } from './repo.js'

let repo: TempRepo
afterEach(() => repo?.cleanup())

const editor = direct(createEditorTool())

function setup(files: Record<string, string | Buffer> = {}): ToolContext {
  repo = makeRepo({ 'src/app.ts': 'line one\nline two\nline three\n', ...files })
  return { workspace: repo.root, sandbox: createPlainSandbox({ env: {} }) }
}

describe('text editor: view', () => {
  it('shows a file with cat -n style line numbers, and a view_range (-1 = to the end)', async () => {
    const ctx = setup()
    const all = await editor.run({ command: 'view', path: 'src/app.ts' }, ctx)
    expect(all.content).toContain("Here's the result of running `cat -n` on src/app.ts:")
    expect(all.content).toContain('     1\tline one\n     2\tline two\n     3\tline three')
    const part = await editor.run({ command: 'view', path: 'src/app.ts', view_range: [2, -1] }, ctx)
    expect(part.content).toContain('     2\tline two\n     3\tline three')
    expect(part.content).not.toContain('line one')
    await expect(
      editor.run({ command: 'view', path: 'src/app.ts', view_range: [0, 2] }, ctx),
    ).rejects.toThrow(/first element `0` should be within the range of lines of the file: \[1, 3\]/)
    await expect(
      editor.run({ command: 'view', path: 'src/app.ts', view_range: [2, 9] }, ctx),
    ).rejects.toThrow(/second element `9`/)
    await expect(editor.run({ command: 'view', path: 'missing.ts' }, ctx)).rejects.toThrow(
      'The path missing.ts does not exist. Please provide a valid path.',
    )
  })

  it('lists a directory two levels deep without hidden files or node_modules', async () => {
    const ctx = setup({
      'src/deep/er/x.ts': 'x',
      'node_modules/pkg/index.js': 'x',
      '.hidden/file': 'x',
      '.env': 'x',
    })
    const out = (await editor.run({ command: 'view', path: '.' }, ctx)).content
      .split('\n')
      .slice(1)
      .join('\n')
    expect(out).toContain('src/\nsrc/app.ts\nsrc/deep/')
    expect(out).not.toContain('src/deep/er')
    expect(out).not.toContain('node_modules')
    expect(out).not.toContain('.hidden')
    expect(out).not.toContain('.env')
    const sub = (await editor.run({ command: 'view', path: 'src' }, ctx)).content
    expect(sub).toContain('src/deep/er/')
  })

  it('refuses binary files and truncates very long output', async () => {
    const long = Array.from({ length: 20_000 }, (_, i) => `row ${i} ${'x'.repeat(20)}`).join('\n')
    const ctx = setup({ 'bin.dat': Buffer.from([0x89, 0x50, 0x00, 0x01]), 'long.txt': long })
    await expect(editor.run({ command: 'view', path: 'bin.dat' }, ctx)).rejects.toThrow(/binary/)
    const out = (await editor.run({ command: 'view', path: 'long.txt' }, ctx)).content
    expect(out.length).toBeLessThan(61_000)
    expect(out).toContain('response clipped')
    expect(out).toContain('view_range')
  })

  it('is read-only only for view', () => {
    expect(editor.isReadOnly({ command: 'view', path: 'x' })).toBe(true)
    // Complete inputs: isReadOnly answers for input that parsed (the toolset says false for input that did not).
    const full = { file_text: 'x', old_str: 'a', new_str: 'b', insert_line: 0, insert_text: 'x' }
    for (const command of ['create', 'str_replace', 'insert'])
      expect(editor.isReadOnly({ command, path: 'x', ...full })).toBe(false)
  })

  it('summarizes calls for the transcript', () => {
    expect(editor.summarize({ command: 'view', path: 'src/app.ts' })).toBe('view src/app.ts')
    expect(editor.summarize({ command: 'view', path: 'src/app.ts', view_range: [1, 20] })).toBe(
      'view src/app.ts [1, 20]',
    )
    expect(editor.summarize({ command: 'insert', path: 'a.ts', insert_line: 3, insert_text: 'x' })).toBe(
      'insert a.ts after line 3',
    )
    expect(editor.summarize({ command: 'str_replace', path: 'a.ts', old_str: 'a' })).toBe('str_replace a.ts')
    expect(editor.summarize({ command: 'create', path: 'b.ts', file_text: '' })).toBe('create b.ts')
  })
})

describe('text editor: create', () => {
  it('creates files with parent directories and overwrites like the real tool', async () => {
    const ctx = setup()
    const created = await editor.run(
      { command: 'create', path: 'lib/new/mod.ts', file_text: 'export {}\n' },
      ctx,
    )
    expect(created.content).toBe('File created successfully at: lib/new/mod.ts')
    expect(repo.read('lib/new/mod.ts')).toBe('export {}\n')
    await editor.run({ command: 'create', path: 'lib/new/mod.ts', file_text: 'replaced\n' }, ctx)
    expect(repo.read('lib/new/mod.ts')).toBe('replaced\n')
    await expect(editor.run({ command: 'create', path: 'x.ts' }, ctx)).rejects.toThrow(/file_text/)
    await expect(editor.run({ command: 'create', path: 'src', file_text: 'x' }, ctx)).rejects.toThrow(
      /directory/,
    )
  })
})

describe('text editor: str_replace', () => {
  it('replaces a unique occurrence and shows a snippet', async () => {
    const ctx = setup()
    const out = await editor.run(
      { command: 'str_replace', path: 'src/app.ts', old_str: 'line two', new_str: 'LINE 2' },
      ctx,
    )
    expect(repo.read('src/app.ts')).toBe('line one\nLINE 2\nline three\n')
    expect(out.content).toContain('The file src/app.ts has been edited.')
    expect(out.content).toContain('     2\tLINE 2')
  })

  it('deletes when new_str is omitted', async () => {
    const ctx = setup()
    await editor.run({ command: 'str_replace', path: 'src/app.ts', old_str: 'line two\n' }, ctx)
    expect(repo.read('src/app.ts')).toBe('line one\nline three\n')
  })

  it('refuses missing and ambiguous matches with the real tool messages, leaving the file alone', async () => {
    const ctx = setup()
    await expect(
      editor.run({ command: 'str_replace', path: 'src/app.ts', old_str: 'nope', new_str: 'x' }, ctx),
    ).rejects.toThrow('No replacement was performed, old_str `nope` did not appear verbatim in src/app.ts.')
    await expect(
      editor.run({ command: 'str_replace', path: 'src/app.ts', old_str: 'line', new_str: 'x' }, ctx),
    ).rejects.toThrow(
      'No replacement was performed. Multiple occurrences of old_str `line` in lines 1, 2, 3.',
    )
    expect(repo.read('src/app.ts')).toBe('line one\nline two\nline three\n')
  })

  it('matches LF strings in a CRLF file and keeps CRLF', async () => {
    const ctx = setup({ 'win.txt': 'a\r\nb\r\nc\r\n' })
    await editor.run({ command: 'str_replace', path: 'win.txt', old_str: 'a\nb', new_str: 'A\nB' }, ctx)
    expect(repo.read('win.txt')).toBe('A\r\nB\r\nc\r\n')
  })
})

describe('text editor: insert', () => {
  it('inserts after a line with insert_text', async () => {
    const ctx = setup()
    await editor.run(
      { command: 'insert', path: 'src/app.ts', insert_line: 1, insert_text: 'inserted A' },
      ctx,
    )
    expect(repo.read('src/app.ts')).toBe('line one\ninserted A\nline two\nline three\n')
  })

  it('also accepts new_str (as older editor versions name it), at the top and at the end', async () => {
    const ctx = setup()
    await editor.run({ command: 'insert', path: 'src/app.ts', insert_line: 0, new_str: 'top\n' }, ctx)
    await editor.run({ command: 'insert', path: 'src/app.ts', insert_line: 4, new_str: 'end 1\nend 2' }, ctx)
    expect(repo.read('src/app.ts')).toBe('top\nline one\nline two\nline three\nend 1\nend 2\n')
  })

  it('appends correctly to a file without a final newline', async () => {
    const ctx = setup({ 'nofinal.txt': 'a\nb' })
    await editor.run({ command: 'insert', path: 'nofinal.txt', insert_line: 2, insert_text: 'c' }, ctx)
    expect(repo.read('nofinal.txt')).toBe('a\nb\nc')
    await editor.run({ command: 'insert', path: 'nofinal.txt', insert_line: 1, insert_text: 'x' }, ctx)
    expect(repo.read('nofinal.txt')).toBe('a\nx\nb\nc')
  })

  it('refuses an out-of-range line', async () => {
    const ctx = setup()
    await expect(
      editor.run({ command: 'insert', path: 'src/app.ts', insert_line: 9, insert_text: 'x' }, ctx),
    ).rejects.toThrow(
      'Invalid `insert_line` parameter: 9. It should be within the range of lines of the file: [0, 3]',
    )
    await expect(editor.run({ command: 'insert', path: 'src/app.ts', insert_line: 1 }, ctx)).rejects.toThrow(
      /insert_text/,
    )
  })

  it('rejects unknown commands', async () => {
    const ctx = setup()
    await expect(editor.run({ command: 'delete', path: 'src/app.ts' }, ctx)).rejects.toThrow(
      'Unrecognized command "delete". The allowed commands are: view, create, str_replace, insert.',
    )
  })

  it('names the commands when none is given, never "undefined"', async () => {
    const ctx = setup()
    for (const command of [undefined, null, '']) {
      const err = await editor.run({ command, path: 'src/app.ts' }, ctx).catch((e: unknown) => e)
      expect((err as Error).message).toBe(
        'Parameter `command` is required: one of view, create, str_replace, insert.',
      )
    }
    await expect(editor.run({ path: 'src/app.ts' }, ctx)).rejects.toThrow(/required: one of view, create/)
    await expect(editor.run({ command: 7, path: 'src/app.ts' }, ctx)).rejects.toThrow(
      'Unrecognized command 7. The allowed commands are: view, create, str_replace, insert.',
    )
  })
})
