import { isModelAlias, MODEL_ID_PATTERN } from '../providers/models.js'

/**
 * Reads the steering labels:
 * - `spec:PATH-OR-NAME` (e.g. `spec:docs/specs/auth.md`, `spec:auth`) → `spec`;
 * - `model:haiku|sonnet|opus|<model id>` → `model` (aliases lower-cased; an id must match
 *   {@link MODEL_ID_PATTERN} (providers/models.ts), as the `model` input does, else the label is ignored).
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
      if (isModelAlias(value)) out.model = value.toLowerCase()
      else if (MODEL_ID_PATTERN.test(value)) out.model = value
    }
  }
  return out
}
