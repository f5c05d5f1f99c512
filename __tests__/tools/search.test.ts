import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { compileMatcher, globToRegExp } from '../../src/tools/glob-match.js'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import { createGlobTool, createGrepTool } from '../../src/tools/search.js'
import type { ToolContext } from '../../src/tools/types.js'
import { direct } from './direct.js'
import { makeRepo, type TempRepo } from './repo.js'

let repo: TempRepo
afterEach(() => repo?.cleanup())

function setup(): ToolContext {
  repo = makeRepo({
    '.gitignore': 'dist/\n*.log\n',
    'src/index.ts': 'export function main() {\n  return helper()\n}\n',
    'src/util/helper.ts': 'export function helper() {\n  return 42 // TODO tidy\n}\n',
    'src/util/helper.test.ts': "import { helper } from './helper'\n",
    'docs/guide.md': '# Guide\nCall main() to start.\n',
    'config.yaml': 'a: 1\n',
    'config.yml': 'b: 2\n',
    'deleted.ts': 'gone\n',
  })
  repo.write('src/untracked.ts', 'export const fresh = "TODO later"\n')
  repo.write('dist/out.js', 'export function main() {}\n')
  repo.write('debug.log', 'TODO ignored\n')
  fs.rmSync(path.join(repo.root, 'deleted.ts')) // still in the index, gone from the working tree
  return {
    workspace: repo.root,
    sandbox: createRuntimeSandbox({ env: allowlistedEnv(), workspace: repo.root, allowedDomains: [] }),
  }
}

describe('glob matcher', () => {
  it.each([
    ['src/**/*.ts', 'src/a.ts', true],
    ['src/**/*.ts', 'src/x/y/a.ts', true],
    ['src/**/*.ts', 'lib/a.ts', false],
    ['src/*.ts', 'src/x/a.ts', false],
    ['**/*.md', 'README.md', true],
    ['src/**', 'src/x/y', true],
    ['a?c.txt', 'abc.txt', true],
    ['a?c.txt', 'a/c.txt', false],
    ['*.{yml,yaml}', 'config.yaml', true],
    ['*.{yml,yaml}', 'config.json', false],
    ['src/{a,b/{c,d}}.ts', 'src/b/d.ts', true],
    ['src/{a,b/{c,d}}.ts', 'src/b/e.ts', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['file.(1).txt', 'file.(1).txt', true],
    ['\\*.txt', '*.txt', true],
    ['\\*.txt', 'a.txt', false],
  ])('%s ~ %s → %s', (pattern, file, expected) => {
    expect(compileMatcher(pattern)(file)).toBe(expected)
  })

  it('matches names at any depth when the pattern has no slash, anchors with ./', () => {
    expect(compileMatcher('*.ts')('a/b/c.ts')).toBe(true)
    expect(compileMatcher('./*.ts')('a/b/c.ts')).toBe(false)
    expect(compileMatcher('./*.ts')('c.ts')).toBe(true)
    expect(globToRegExp('a.b').test('axb')).toBe(false)
  })
})

describe('glob tool', () => {
  it('lists tracked and untracked files, not ignored or deleted ones', async () => {
    const ctx = setup()
    const out = (await direct(createGlobTool()).run({ pattern: '**/*.ts' }, ctx)).content.split('\n')
    expect(out).toEqual(['src/index.ts', 'src/untracked.ts', 'src/util/helper.test.ts', 'src/util/helper.ts'])
    const yml = (await direct(createGlobTool()).run({ pattern: '*.{yml,yaml}' }, ctx)).content
    expect(yml).toBe('config.yaml\nconfig.yml')
  })

  it('searches under a path, and reports no match and jail errors', async () => {
    const ctx = setup()
    expect((await direct(createGlobTool()).run({ pattern: '*.ts', path: 'src/util' }, ctx)).content).toBe(
      'src/util/helper.test.ts\nsrc/util/helper.ts',
    )
    expect((await direct(createGlobTool()).run({ pattern: '*.rs' }, ctx)).content).toMatch(/No files match/)
    await expect(direct(createGlobTool()).run({ pattern: '*', path: '../' }, ctx)).rejects.toThrow(
      /outside the repository/,
    )
    await expect(direct(createGlobTool()).run({}, ctx)).rejects.toThrow(/pattern/)
  })
})

describe('grep tool', () => {
  const grep = direct(createGrepTool())

  it('finds matches with repo-relative paths and line numbers, including untracked but not ignored files', async () => {
    const ctx = setup()
    const out = (await grep.run({ pattern: 'TODO' }, ctx)).content
    expect(out).toBe(
      'src/untracked.ts:1:export const fresh = "TODO later"\nsrc/util/helper.ts:2:  return 42 // TODO tidy',
    )
  })

  it('supports extended regex, ignore_case, glob and path filters', async () => {
    const ctx = setup()
    expect((await grep.run({ pattern: 'function (main|helper)\\(' }, ctx)).content.split('\n')).toEqual([
      'src/index.ts:1:export function main() {',
      'src/util/helper.ts:1:export function helper() {',
    ])
    expect((await grep.run({ pattern: 'guide', ignore_case: true }, ctx)).content).toBe(
      'docs/guide.md:1:# Guide',
    )
    expect((await grep.run({ pattern: 'main', glob: '*.md' }, ctx)).content).toBe(
      'docs/guide.md:2:Call main() to start.',
    )
    expect((await grep.run({ pattern: 'helper', path: 'src/util', glob: '*.test.ts' }, ctx)).content).toBe(
      "src/util/helper.test.ts:1:import { helper } from './helper'",
    )
    expect((await grep.run({ pattern: 'return', path: 'src/index.ts' }, ctx)).content).toBe(
      'src/index.ts:2:  return helper()',
    )
  })

  it('reports no matches, bad regexes and jail errors clearly', async () => {
    const ctx = setup()
    expect((await grep.run({ pattern: 'zzz_not_there' }, ctx)).content).toBe('No matches.')
    await expect(grep.run({ pattern: '(' }, ctx)).rejects.toThrow(/grep failed/)
    await expect(grep.run({ pattern: 'x', path: '/etc' }, ctx)).rejects.toThrow(/outside the repository/)
    expect(grep.isReadOnly({ pattern: 'x' })).toBe(true)
  })

  it('validates its input before running, and summarizes calls for the transcript', async () => {
    const ctx = setup()
    await expect(grep.run({}, ctx)).rejects.toThrow('Parameter `pattern` is required.')
    await expect(grep.run({ pattern: 'x', glob: 3 }, ctx)).rejects.toThrow('`glob` must be a string.')
    await expect(grep.run({ pattern: 'x', path: 3 }, ctx)).rejects.toThrow('`path` must be a string.')
    expect(grep.summarize({ pattern: 'TODO' })).toBe('/TODO/')
    expect(grep.summarize({ pattern: 'TODO', path: 'src', glob: '*.ts' })).toBe('/TODO/ in src (*.ts)')
    const glob = direct(createGlobTool())
    expect(glob.summarize({ pattern: '*.ts' })).toBe('*.ts')
    expect(glob.summarize({ pattern: '*.ts', path: 'src' })).toBe('*.ts in src')
    expect(glob.isReadOnly({ pattern: '*.ts' })).toBe(true)
  })

  it('caps long output', async () => {
    const ctx = setup()
    repo.write('many.txt', Array.from({ length: 1000 }, (_, i) => `match ${i}`).join('\n'))
    const out = (await grep.run({ pattern: '^match' }, ctx)).content
    expect(out.split('\n').filter((l) => l.startsWith('many.txt:'))).toHaveLength(300)
    expect(out).toContain('[700 matching lines not shown')
  })
})
