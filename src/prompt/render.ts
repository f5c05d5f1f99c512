import { UserError } from '../errors.js'
import type { PromptArgs, Template } from './types.js'

/** The placeholders a template may use, in the seed's argument order. */
export const PLACEHOLDERS = ['spec-name', 'issue-id', 'notes'] as const

/**
 * One pass over the body. Alternatives, in order:
 * 1. a GitHub expression `${{ ... }}`: left untouched;
 * 2. `{{ name }}` with an identifier-like name (whitespace inside the braces allowed);
 * 3. Claude Code's `$ARGUMENTS`;
 * 4. Claude Code's positional `$1`..`$9`.
 * `{{ ... }}` whose content is not a bare name (`{{ .Values.x }}`, `{{#each}}`) is left alone.
 */
const TOKEN = /\$\{\{[\s\S]*?\}\}|\{\{\s*([A-Za-z][\w-]*)\s*\}\}|\$ARGUMENTS\b|\$([1-9])(?!\d)/g

/**
 * Renders a template's body for one run.
 *
 * `{{spec-name}}` is the repo-relative spec path, `{{issue-id}}` the phase id, `{{notes}}` the notes (empty when
 * none). `$ARGUMENTS` is the three joined by spaces (notes last), `$1`/`$2`/`$3` are spec-name, issue-id and notes
 * (`$4`..`$9` are empty), as Claude Code does. Substitution is single-pass: values are inserted literally, so notes
 * containing `{{issue-id}}` or `$1` come out as written.
 *
 * @throws UserError naming every unknown `{{placeholder}}` and the template's origin
 */
export function renderPrompt(t: Template, args: PromptArgs): string {
  const values: Record<(typeof PLACEHOLDERS)[number], string> = {
    'spec-name': args.specName,
    'issue-id': args.issueId,
    notes: args.notes ?? '',
  }
  const positional = [values['spec-name'], values['issue-id'], values.notes]
  const unknown = new Set<string>()
  const out = t.body.replace(TOKEN, (match: string, name?: string, pos?: string) => {
    if (match.startsWith('${{')) return match
    if (name !== undefined) {
      const key = name.toLowerCase() as (typeof PLACEHOLDERS)[number]
      if (Object.hasOwn(values, key)) return values[key]
      unknown.add(name)
      return match
    }
    if (pos !== undefined) return positional[Number(pos) - 1] ?? ''
    return positional.filter((v, i) => i < 2 || v !== '').join(' ')
  })
  if (unknown.size > 0) {
    const names = [...unknown].map((n) => `{{${n}}}`).join(', ')
    throw new UserError(
      `The template ${t.origin} uses unknown placeholder${unknown.size > 1 ? 's' : ''} ${names}.`,
      `Templates can use ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}, $ARGUMENTS and $1 $2 $3.`,
    )
  }
  return out.replace(/^(?:[ \t]*\r?\n)+/, '')
}
