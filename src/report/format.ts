/** Figures as people read them. */

/** Human durations: 42s, 3m 05s, 1h 02m. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

/** `$0.0123` under a dollar, `$12.50` above; `n/a` when unknown (never `$0` for an unknown cost). */
export function formatUsd(usd: number | null | undefined): string {
  return usd === null || usd === undefined || !Number.isFinite(usd)
    ? 'n/a'
    : `$${usd.toFixed(usd < 1 ? 4 : 2)}`
}

/**
 * Text as Markdown inline code, exactly as it is: the fence is one backtick longer than any run of backticks in
 * it (padded with a space where the text starts or ends with one), and line breaks become spaces.
 */
export function inlineCode(text: string): string {
  const one = text.replace(/\s*\n\s*/g, ' ')
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((m) => m.length))
  const fence = '`'.repeat(longest + 1)
  const pad = one.startsWith('`') || one.endsWith('`') ? ' ' : ''
  return `${fence}${pad}${one}${pad}${fence}`
}

/** `text` in a code fence longer than any run of backticks inside it. */
export function fenced(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${lang}\n${text}\n${fence}`
}
