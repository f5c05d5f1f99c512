import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { compileMatcher, globToRegExp } from '../../src/tools/glob-match.js'
import { allowlistedEnv } from '../../src/sandbox/env.js'
import { createRuntimeSandbox } from '../../src/sandbox/runtime.js'
import type { ProcessResult, Sandbox } from '../../src/sandbox/types.js'
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

  it('reads Perl syntax where git has it, and GNU extended syntax as before', async () => {
    const ctx = setup()
    expect((await grep.run({ pattern: 'return \\d+' }, ctx)).content).toBe(
      'src/util/helper.ts:2:  return 42 // TODO tidy',
    )
    expect((await grep.run({ pattern: 'TODO (?!tidy)' }, ctx)).content).toBe(
      'src/untracked.ts:1:export const fresh = "TODO later"',
    )
    // GNU's word boundaries and {,n} mean to Perl something else: these are searched as POSIX extended.
    expect((await grep.run({ pattern: '\\<main\\>' }, ctx)).content.split('\n')).toEqual([
      'docs/guide.md:2:Call main() to start.',
      'src/index.ts:1:export function main() {',
    ])
    expect((await grep.run({ pattern: 'retu{,2}rn 42' }, ctx)).content).toBe(
      'src/util/helper.ts:2:  return 42 // TODO tidy',
    )
    // A pattern Perl refuses and POSIX takes.
    expect((await grep.run({ pattern: 'TODO**' }, ctx)).content.split('\n')).toHaveLength(2)
  })

  it('searches as POSIX extended where git has no Perl-compatible regexes', async () => {
    const ctx = setup()
    const { sandbox, runs } = counting({
      ...ctx.sandbox,
      spawn: (req) =>
        req.argv.includes('-P')
          ? Promise.resolve({
              output: '',
              stderr: 'fatal: cannot use Perl-compatible regexes when not compiled with USE_LIBPCRE\n',
              code: 128,
              signal: null,
              timedOut: false,
              aborted: false,
              truncated: false,
              spawnError: false,
            })
          : ctx.sandbox.spawn(req),
    })
    expect((await grep.run({ pattern: 'tid[y]' }, { ...ctx, sandbox })).content).toBe(
      'src/util/helper.ts:2:  return 42 // TODO tidy',
    )
    expect(runs.map((r) => r.argv.find((a) => a === '-P' || a === '-E'))).toEqual(['-P', '-E'])
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
    // git is stopped once 300 lines are in, so how many more there were is not known.
    expect(out.endsWith('\n[more matching lines not shown; narrow the pattern, path or glob]')).toBe(true)
  })
})

interface CountedRun {
  argv: string[]
  /** Records git's output was handed over as, and their characters (separators included). */
  records: number
  chars: number
  result: ProcessResult
}

/** The tools' sandbox, counting what each process's output handed over and how the process ended. */
function counting(inner: Sandbox): { sandbox: Sandbox; runs: CountedRun[] } {
  const runs: CountedRun[] = []
  const sandbox: Sandbox = {
    status: () => inner.status(),
    reap: () => inner.reap(),
    start: (req) => inner.start(req),
    async spawn(req) {
      const counts = { records: 0, chars: 0 }
      const sink = req.records
      const records = sink && {
        separator: sink.separator,
        take(record: string): boolean {
          counts.records++
          counts.chars += record.length + 1
          return sink.take(record)
        },
      }
      const result = await inner.spawn(records ? { ...req, records } : req)
      runs.push({ argv: req.argv, ...counts, result })
      return result
    },
  }
  return { sandbox, runs }
}

/** The files the glob tool listed before it walked the working tree itself: git's index and untracked files, each checked on disk. */
function globBefore(pattern: string, dir = '.'): string {
  const listed = repo.git(
    '-C',
    dir,
    '-c',
    'core.quotepath=off',
    'ls-files',
    '--cached',
    '--others',
    '--exclude-standard',
    '-z',
  )
  const matches = compileMatcher(pattern)
  const found = new Set<string>()
  for (const rel of listed.split('\0')) {
    if (!rel || !matches(rel) || !fs.existsSync(path.join(repo.root, dir, rel))) continue
    found.add(dir === '.' ? rel : `${dir}/${rel}`)
  }
  return found.size
    ? [...found].sort().join('\n')
    : `No files match \`${pattern}\`${dir === '.' ? '' : ` in ${dir}`}.`
}

describe('search tools at scale', () => {
  const grep = direct(createGrepTool())
  const glob = direct(createGlobTool())

  it('grep: stops git once the lines shown are in, however many more match', async () => {
    const ctx = setup()
    // 40 files of 5,000 matching lines each: about 2.4 MB that git would write if read to the end.
    for (let f = 0; f < 40; f++) {
      repo.write(`big/f${f}.txt`, Array.from({ length: 5000 }, (_, i) => `hit ${f}-${i}`).join('\n') + '\n')
    }
    const { sandbox, runs } = counting(ctx.sandbox)
    const out = (await grep.run({ pattern: '^hit' }, { ...ctx, sandbox })).content.split('\n')
    expect(out).toHaveLength(301)
    expect(out.slice(0, 300)).toEqual(Array.from({ length: 300 }, (_, i) => `big/f0.txt:${i + 1}:hit 0-${i}`))
    expect(out[300]).toBe('[more matching lines not shown; narrow the pattern, path or glob]')
    expect(runs).toHaveLength(1)
    // The 301st line was refused and nothing after it was read: git was killed, not run to its end.
    expect(runs[0].records).toBe(301)
    expect(runs[0].chars).toBeLessThan(10_000)
    expect(runs[0].result).toMatchObject({ truncated: true, code: null, signal: 'SIGKILL' })
  })

  it('glob: lists the same files as before, untracked and symlinked ones included, deleted and ignored ones not', async () => {
    const ctx = setup()
    repo.write('.github/workflows/ci.yml', 'on: push\n')
    repo.write('docs/with space.md', 'x\n')
    repo.git('add', '.github')
    fs.symlinkSync('index.ts', path.join(repo.root, 'src/alias.ts'))
    const cases: [string, string?][] = [
      ['**/*.ts'],
      ['*.{yml,yaml}'],
      ['*'],
      ['**'],
      ['src/**'],
      ['./*.yml'],
      ['/src/*.ts'],
      ['src/util/*.ts'],
      ['**/helper*'],
      ['[a-d]*/**'],
      ['src/{index,untracked}.ts'],
      ['?ocs/*.md'],
      ['*.md'],
      ['**/*.yml'],
      ['deleted.ts'],
      ['*.log'],
      ['dist/**'],
      ['*.ts', 'src'],
      ['**', 'src/util'],
      ['./*.ts', 'src'],
    ]
    for (const [pattern, dir] of cases) {
      const out = (await glob.run({ pattern, ...(dir ? { path: dir } : {}) }, ctx)).content
      expect(out, `${pattern} in ${dir ?? '.'}`).toBe(globBefore(pattern, dir))
    }
    expect((await glob.run({ pattern: '**/*.ts' }, ctx)).content.split('\n')).toEqual([
      'src/alias.ts',
      'src/index.ts',
      'src/untracked.ts',
      'src/util/helper.test.ts',
      'src/util/helper.ts',
    ])
  })

  it('glob and grep agree on a tracked file that git ignores: neither lists it', async () => {
    const ctx = setup()
    repo.write('kept.log', 'TODO forced in\n')
    repo.git('add', '-f', 'kept.log')
    expect((await glob.run({ pattern: '*.log' }, ctx)).content).toBe('No files match `*.log`.')
    expect((await grep.run({ pattern: 'forced in' }, ctx)).content).toBe('No matches.')
  })

  it('glob: never lists a file under .git or outside the workspace', async () => {
    const ctx = setup()
    fs.symlinkSync('/etc', path.join(repo.root, 'outside'))
    for (const pattern of [
      '**',
      '.git/**',
      '**/HEAD',
      '**/config',
      '**/passwd',
      'outside/**',
      '../*',
      '/etc/*',
    ]) {
      const out = (await glob.run({ pattern }, ctx)).content
      for (const line of out.split('\n')) {
        expect(line, pattern).not.toMatch(/(^|\/)\.git(\/|$)/)
        expect(line, pattern).not.toMatch(/^outside\/|^\.\.|^\//)
      }
    }
    expect((await glob.run({ pattern: '**' }, ctx)).content.split('\n')).toContain('outside')
    await expect(glob.run({ pattern: '*', path: '.git' }, ctx)).rejects.toThrow()
    await expect(glob.run({ pattern: '*', path: 'outside' }, ctx)).rejects.toThrow(/outside the repository/)
  })

  it('glob: shows the first 500 in order, says there are more, and stops reading there', async () => {
    const ctx = setup()
    for (let i = 0; i < 800; i++) repo.write(`gen/f${String(i).padStart(3, '0')}.txt`, '')
    const { sandbox, runs } = counting(ctx.sandbox)
    const out = (await glob.run({ pattern: 'gen/*.txt' }, { ...ctx, sandbox })).content.split('\n')
    expect(out).toHaveLength(501)
    expect(out.slice(0, 500)).toEqual(
      Array.from({ length: 500 }, (_, i) => `gen/f${String(i).padStart(3, '0')}.txt`),
    )
    expect(out[500]).toBe('[more files not shown; narrow the pattern or the path]')
    expect(runs[0].records).toBe(501)
    expect(runs[0].result.truncated).toBe(true)
  })
})
