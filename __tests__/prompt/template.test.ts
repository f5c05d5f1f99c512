import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { DEFAULT_TEMPLATE } from '../../src/prompt/default-template.js'
import { BUNDLED_ORIGIN, loadTemplate, parseTemplate } from '../../src/prompt/template.js'
import { catchUserError } from '../support/errors.js'

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')
const SEED = path.resolve(REPO_ROOT, '..', 'shared', 'seed', 'implement.md')
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'templates')
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8')
const temps: string[] = []

afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true })
})

describe('DEFAULT_TEMPLATE', () => {
  const seedExists = existsSync(SEED)
  it.skipIf(!seedExists)(
    `equals ../shared/seed/implement.md byte for byte${seedExists ? '' : ` (SKIPPED: no seed at ${SEED})`}`,
    () => {
      expect(Buffer.from(DEFAULT_TEMPLATE, 'utf8').equals(readFileSync(SEED))).toBe(true)
    },
  )

  it('parses: model haiku, argument-hint read as a string like Claude Code does', () => {
    const t = parseTemplate(DEFAULT_TEMPLATE, BUNDLED_ORIGIN)
    expect(t.origin).toBe('(bundled default)')
    expect(t.frontmatter).toEqual({
      'argument-hint': '[spec-name] [issue-id] [notes]',
      description: 'Implement a task towards the overall goal',
      model: 'haiku',
    })
    expect(t.body.startsWith('\nYou are a Staff Software Engineer')).toBe(true)
    expect(t.body).not.toContain('argument-hint')
  })
})

describe('parseTemplate', () => {
  it('reads all known keys and keeps unknown ones', () => {
    const t = parseTemplate(fixture('custom-implement.md'), '.claude/commands/implement.md')
    expect(t.frontmatter).toEqual({
      description: 'Implement one phase of a spec, the way our team likes it',
      'argument-hint': '<spec-path> <issue-id> [notes]',
      model: 'opus',
      'allowed-tools': ['Read', 'Edit', 'Bash(npm test:*)'],
      'x-team': 'platform',
    })
    expect(t.body.startsWith('\n# Implement {{ issue-id }}\n')).toBe(true)
  })

  it('invalid YAML → UserError naming the file and the line in the file', () => {
    const e = catchUserError(() => parseTemplate(fixture('bad-yaml.md'), '.claude/commands/implement.md'))
    expect(e.message).toMatch(/^Invalid YAML frontmatter in \.claude\/commands\/implement\.md at line 3: /)
    expect(e.hint).toContain('---')
    const e2 = catchUserError(() => parseTemplate(fixture('bad-indent.md'), 'templates/bad.md'))
    expect(e2.message).toContain('templates/bad.md at line 3')
    const e3 = catchUserError(() => parseTemplate('---\ndescription: ok\nmodel: a\nmodel: b\n---\nx', 't.md'))
    expect(e3.message).toContain('t.md at line 4')
  })

  it('a frontmatter that is not a mapping → UserError', () => {
    const e = catchUserError(() => parseTemplate(fixture('list-frontmatter.md'), 'x.md'))
    expect(e.message).toBe(
      'The frontmatter of x.md must be a YAML mapping of `key: value` lines; it is a list.',
    )
    const e2 = catchUserError(() => parseTemplate('---\njust a string\n---\nBody', 'y.md'))
    expect(e2.message).toContain('it is a string')
  })

  it('a model that is not a single value → UserError with its line', () => {
    const e = catchUserError(() => parseTemplate('---\ndescription: d\nmodel:\n  - haiku\n---\nBody', 'z.md'))
    expect(e.message).toBe('In z.md at line 3, `model` must be a single value.')
  })

  it('an unclosed frontmatter → UserError', () => {
    const e = catchUserError(() => parseTemplate('---\nmodel: haiku\nBody without a closing line\n', 'u.md'))
    expect(e.message).toContain('u.md')
    expect(e.message).toContain('never closes')
  })

  it('CRLF line endings', () => {
    const crlf = DEFAULT_TEMPLATE.replace(/\n/g, '\r\n')
    const t = parseTemplate(crlf, 'crlf.md')
    expect(t.frontmatter.model).toBe('haiku')
    expect(t.frontmatter['argument-hint']).toBe('[spec-name] [issue-id] [notes]')
    expect(t.body.startsWith('\r\nYou are a Staff Software Engineer')).toBe(true)
    const e = catchUserError(() =>
      parseTemplate(fixture('bad-yaml.md').replace(/\n/g, '\r\n'), 'crlf-bad.md'),
    )
    expect(e.message).toContain('crlf-bad.md at line 3')
  })

  it('no frontmatter: the whole text is the body, a later --- is just a rule', () => {
    const text = fixture('no-frontmatter.md')
    const t = parseTemplate(text, 'n.md')
    expect(t.frontmatter).toEqual({})
    expect(t.body).toBe(text)
  })

  it('empty frontmatter and a BOM', () => {
    const t = parseTemplate('\uFEFF---\n---\nBody', 'e.md')
    expect(t.frontmatter).toEqual({})
    expect(t.body).toBe('Body')
  })
})

describe('loadTemplate', () => {
  function ws(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tmpl-'))
    temps.push(dir)
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
      writeFileSync(path.join(dir, rel), text)
    }
    return dir
  }

  it('the `template` input wins, with its repo-relative path as origin', async () => {
    const dir = ws({
      'prompts/impl.md': fixture('custom-implement.md'),
      '.claude/commands/implement.md': '---\nmodel: sonnet\n---\nRepo template',
    })
    const t = await loadTemplate(dir, './prompts/impl.md')
    expect(t.origin).toBe('prompts/impl.md')
    expect(t.frontmatter.model).toBe('opus')
  })

  it('else the repository’s .claude/commands/implement.md', async () => {
    const dir = ws({ '.claude/commands/implement.md': '---\nmodel: sonnet\n---\nRepo template' })
    const t = await loadTemplate(dir, '  ')
    expect(t.origin).toBe('.claude/commands/implement.md')
    expect(t.body).toBe('Repo template')
  })

  it('else the bundled default', async () => {
    const t = await loadTemplate(ws({ 'README.md': '# x' }))
    expect(t.origin).toBe(BUNDLED_ORIGIN)
    expect(t.frontmatter.model).toBe('haiku')
  })

  it('a missing `template` input file → UserError naming it', async () => {
    const dir = ws({ 'README.md': '# x' })
    await expect(loadTemplate(dir, 'prompts/missing.md')).rejects.toThrow(
      /prompts\/missing\.md.*does not exist/,
    )
    await expect(loadTemplate(dir, 'prompts/missing.md')).rejects.toBeInstanceOf(UserError)
  })

  it('refuses template paths outside the workspace, including symlinks', async () => {
    const outside = ws({ 'evil.md': 'Leak {{notes}}' })
    const dir = ws({ 'README.md': '# x' })
    await expect(loadTemplate(dir, '../evil.md')).rejects.toThrow(/outside the repository/)
    await expect(loadTemplate(dir, path.join(outside, 'evil.md'))).rejects.toThrow(
      /relative to the repository root/,
    )
    mkdirSync(path.join(dir, '.claude', 'commands'), { recursive: true })
    symlinkSync(path.join(outside, 'evil.md'), path.join(dir, '.claude', 'commands', 'implement.md'))
    await expect(loadTemplate(dir)).rejects.toThrow(/outside the repository/)
  })
})
