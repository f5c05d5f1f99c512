/** Model aliases a `model:` label may name (case-insensitive; returned lower-case). */
export const MODEL_ALIASES = ['haiku', 'sonnet', 'opus'] as const

/**
 * Reads the steering labels:
 * - `spec:PATH-OR-NAME` (e.g. `spec:docs/specs/auth.md`, `spec:auth`) → `spec`;
 * - `model:haiku|sonnet|opus|<model id>` → `model` (aliases lower-cased; an id must match
 *   `[A-Za-z0-9._:@-]+`, as the `model` input does, else the label is ignored).
 *
 * Prefixes are case-insensitive; label and value are trimmed; labels with an empty value are ignored; the
 * first usable label of each kind wins. Other labels are ignored.
 */
export function readLabels(labels: string[]): { spec?: string; model?: string } {
  const out: { spec?: string; model?: string } = {}
  for (const raw of labels) {
    const label = raw.trim()
    const m = /^(spec|model)\s*:\s*(.*)$/is.exec(label)
    if (!m) continue
    const kind = m[1].toLowerCase()
    const value = m[2].trim()
    if (value === '') continue
    if (kind === 'spec') {
      out.spec ??= value
    } else if (out.model === undefined) {
      const alias = MODEL_ALIASES.find((a) => a === value.toLowerCase())
      if (alias) out.model = alias
      else if (/^[A-Za-z0-9._:@-]+$/.test(value)) out.model = value
    }
  }
  return out
}
