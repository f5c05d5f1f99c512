import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { UserError } from '../../src/errors.js'
import { DEFAULT_TEMPLATE } from '../../src/prompt/default-template.js'
import { renderPrompt } from '../../src/prompt/render.js'
import { parseTemplate } from '../../src/prompt/template.js'
import type { Template } from '../../src/prompt/types.js'

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'templates')
const fixture = (name: string) =>
  parseTemplate(readFileSync(path.join(FIXTURES, name), 'utf8'), `templates/${name}`)
const body = (b: string): Template => ({ origin: 'inline.md', frontmatter: {}, body: b })
const args = { specName: 'docs/specs/invitations.md', issueId: 'ISSUE-3', notes: 'Use the existing mailer.' }

describe('renderPrompt', () => {
  it('renders the seed with no {{ left and the values in place', () => {
    const out = renderPrompt(parseTemplate(DEFAULT_TEMPLATE, '(bundled default)'), args)
    expect(out).not.toContain('{{')
    expect(out).not.toContain('}}')
    expect(out.startsWith('You are a Staff Software Engineer')).toBe(true)
    expect(out).toContain(
      'Your mission is to implement ISSUE-3 of the Implementation Strategy defined in docs/specs/invitations.md.',
    )
    expect(out).toContain('create and checkout a branch called ISSUE-3 before')
    expect(out.endsWith('Consider these additional notes:\n\nUse the existing mailer.\n')).toBe(true)
  })

  it('notes default to the empty string', () => {
    const out = renderPrompt(parseTemplate(DEFAULT_TEMPLATE, '(bundled default)'), { ...args, notes: '' })
    expect(out.endsWith('Consider these additional notes:\n\n\n')).toBe(true)
  })

  it('tolerates whitespace inside braces; leaves ${{ }} and non-name {{ }} alone; $ARGUMENTS and $1 $2', () => {
    const out = renderPrompt(fixture('custom-implement.md'), args)
    expect(out).toContain('# Implement ISSUE-3\n')
    expect(out).toContain('Work from `docs/specs/invitations.md` and touch nothing outside ISSUE-3.')
    expect(out).toContain(
      'Arguments as Claude Code passes them: docs/specs/invitations.md ISSUE-3 Use the existing mailer.\n',
    )
    expect(out).toContain('First argument: docs/specs/invitations.md. Second: ISSUE-3.')
    expect(out).toContain('`${{ github.token }}` and `${{secrets.NPM_TOKEN}}`')
    expect(out).toContain('{{ .Values.image.tag }}')
    expect(out.endsWith('Notes from the maintainer:\n\nUse the existing mailer.\n')).toBe(true)
  })

  it('$ARGUMENTS without notes has no trailing space; $3 is the notes; $4 is empty', () => {
    const out = renderPrompt(body('[$ARGUMENTS] [$3] [$4] [$10]'), { ...args, notes: '' })
    expect(out).toBe('[docs/specs/invitations.md ISSUE-3] [] [] [$10]')
  })

  it('substitution is single-pass: notes containing placeholders stay literal', () => {
    const notes = 'Keep {{issue-id}}, {{ spec-name }}, $1, $ARGUMENTS and ${{ github.token }} as written.'
    const out = renderPrompt(body('Task {{issue-id}}.\n{{notes}}\n$3'), { ...args, notes })
    expect(out).toBe(`Task ISSUE-3.\n${notes}\n${notes}`)
    const dollars = renderPrompt(body('{{notes}}'), { ...args, notes: "costs $& and $' and $$" })
    expect(dollars).toBe("costs $& and $' and $$")
  })

  it('an unknown placeholder → UserError naming it and the template origin', () => {
    let err: unknown
    try {
      renderPrompt(fixture('unknown-placeholder.md'), args)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(UserError)
    const e = err as UserError
    expect(e.message).toBe(
      'The template templates/unknown-placeholder.md uses unknown placeholders {{repo-name}}, {{branch}}.',
    )
    expect(e.hint).toContain('{{spec-name}}, {{issue-id}}, {{notes}}')
    expect(() => renderPrompt(body('{{constructor}}'), args)).toThrow(
      /unknown placeholder \{\{constructor\}\}/,
    )
  })

  it('placeholders are case-insensitive', () => {
    expect(renderPrompt(body('{{Issue-ID}} {{SPEC-NAME}}'), args)).toBe('ISSUE-3 docs/specs/invitations.md')
  })
})
