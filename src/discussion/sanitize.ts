/**
 * Removes text a person reading the rendered comment on GitHub would not see, so the model never acts on
 * hidden instructions. Applied to every comment text that reaches the prompt. It works on the raw text (it is
 * not Markdown-aware: code blocks are cleaned too, which can only remove, never add, text).
 *
 * Exactly what is removed, in this order:
 * 1. Invisible and bidi control characters: U+00AD (soft hyphen), U+034F, U+061C, U+115F, U+1160, U+17B4,
 *    U+17B5, U+180E, U+200B–U+200F (zero-width and direction marks), U+202A–U+202E (bidi embeddings and
 *    overrides), U+2060–U+2064 (word joiner, invisible operators), U+2066–U+2069 (bidi isolates), U+3164,
 *    U+FE00–U+FE0F and U+E0100–U+E01EF (variation selectors, usable to smuggle bytes), U+FEFF, U+FFA0,
 *    U+FFF9–U+FFFB (interlinear annotations), U+E0000–U+E007F (tag characters).
 *    Done first, so they cannot be used to split `<!--` or `hidden` and dodge the rules below.
 * 2. HTML comments `<!-- … -->` (also `<!-->`, `<!--->`, `--!>` endings); an unterminated comment is removed
 *    to the end of the text.
 * 3. HTML elements that hide their content, with that content: any element with a `hidden` attribute, or a
 *    `style` with `display:none`, `visibility:hidden|collapse`, `opacity:0` or `font-size:0`; and `<script>`,
 *    `<style>`, `<template>`, `<noscript>` elements. Nested elements of the same name are matched; a void or
 *    self-closed element loses only its tag; an unclosed one is removed to the end of the text.
 * 4. Attributes that carry text not shown inline, from every remaining HTML tag: `alt`, `title`, `style`,
 *    `placeholder`, `aria-*` and `data-*`. Tags and their visible content (e.g. `<details>`, `<summary>`)
 *    stay.
 * 5. Markdown: image alt text (`![alt](url)` → `![](url)`, `![alt][ref]` → `![][ref]`, `![alt]` → `![]`),
 *    link and image titles (`[text](url "title")` → `[text](url)`), and titles of link reference definitions
 *    (`[ref]: url "title"` → `[ref]: url`). Link text is visible and is kept.
 */
export function sanitize(text: string): string {
  let out = removeInvisible(text)
  out = out.replace(HTML_COMMENT, '')
  out = removeHiddenElements(out)
  out = out.replace(TAG, (tag: string, name: string, attrs: string, close: string) =>
    attrs ? `<${name}${keepAttributes(attrs)}${close}>` : tag,
  )
  return neutraliseMarkdown(out)
}

/** Inclusive code point ranges removed in step 1 (see sanitize's doc). */
export const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180e, 0x180e],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x2064],
  [0x2066, 0x2069],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
  [0xe0100, 0xe01ef],
]

/** Step 1 of sanitize alone: the text without the characters in INVISIBLE_RANGES. */
export function removeInvisible(text: string): string {
  let out = ''
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0
    if (!INVISIBLE_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi)) out += ch
  }
  return out
}

const HTML_COMMENT = /<!--(?:-?>|[\s\S]*?(?:--!?>|$(?![\s\S])))/g

/** One attribute: name, optional `= value` (double-, single- or unquoted). */
const ATTR_SRC = `\\s+[^\\s"'<>/=]+(?:\\s*=\\s*(?:"[^"]*"|'[^']*'|[^\\s"'=<>\`]+))?`
/** An opening (or self-closing) tag: `<name attrs… />`. Groups: name, attributes, `/` or ''. */
const TAG = new RegExp(`<([A-Za-z][A-Za-z0-9-]*)((?:${ATTR_SRC})*)\\s*(/?)>`, 'g')
const ATTR = new RegExp(ATTR_SRC, 'g')

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
])
const ALWAYS_HIDDEN = new Set(['script', 'style', 'template', 'noscript'])
const DROPPED_ATTRIBUTE = /^(?:alt|title|style|placeholder|aria-.*|data-.*)$/i

interface Attribute {
  raw: string
  name: string
  value: string
}

function parseAttributes(attrs: string): Attribute[] {
  return [...attrs.matchAll(ATTR)].map((m) => {
    const raw = m[0]
    const eq = raw.indexOf('=')
    const name = (eq < 0 ? raw : raw.slice(0, eq)).trim()
    const value = eq < 0 ? '' : raw.slice(eq + 1).trim()
    return { raw, name: name.toLowerCase(), value: value.replace(/^(["'])([\s\S]*)\1$/, '$2') }
  })
}

function keepAttributes(attrs: string): string {
  return parseAttributes(attrs)
    .filter((a) => !DROPPED_ATTRIBUTE.test(a.name))
    .map((a) => a.raw)
    .join('')
}

function hides(name: string, attrs: string): boolean {
  if (ALWAYS_HIDDEN.has(name.toLowerCase())) return true
  for (const a of parseAttributes(attrs)) {
    if (a.name === 'hidden') return true
    if (a.name === 'style' && hidingStyle(a.value)) return true
  }
  return false
}

function hidingStyle(style: string): boolean {
  const decls = new Map<string, string>()
  for (const d of style.split(';')) {
    const i = d.indexOf(':')
    if (i > 0) {
      decls.set(
        d.slice(0, i).trim().toLowerCase(),
        d
          .slice(i + 1)
          .replace(/!\s*important/i, '')
          .trim()
          .toLowerCase(),
      )
    }
  }
  const display = decls.get('display')
  const visibility = decls.get('visibility')
  const opacity = decls.get('opacity')
  const fontSize = decls.get('font-size')
  return (
    display === 'none' ||
    visibility === 'hidden' ||
    visibility === 'collapse' ||
    (opacity !== undefined && parseFloat(opacity) === 0) ||
    (fontSize !== undefined && parseFloat(fontSize) === 0)
  )
}

function removeHiddenElements(text: string): string {
  let out = ''
  let from = 0
  const open = new RegExp(TAG.source, 'g')
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const [tag, name, attrs, selfClose] = m
    if (!hides(name, attrs)) continue
    const start = m.index
    let end = start + tag.length
    if (!selfClose && !VOID.has(name.toLowerCase())) end = closingEnd(text, name, end)
    out += text.slice(from, start)
    from = end
    open.lastIndex = end
  }
  return out + text.slice(from)
}

/** Index just past the `</name>` that closes an element opened before `from`, or the text's end. */
function closingEnd(text: string, name: string, from: number): number {
  const re = new RegExp(`<(/?)${name}(?:${ATTR_SRC})*\\s*(/?)>`, 'gi')
  re.lastIndex = from
  let depth = 1
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1]) depth--
    else if (!m[2]) depth++
    if (depth === 0) return m.index + m[0].length
  }
  return text.length
}

// Markdown link pieces. Text: escapes, non-brackets, or one level of nested [..].
const MD_TEXT = String.raw`(?:\\.|[^\\\[\]]|\[(?:\\.|[^\\\[\]])*\])*`
const MD_DEST = String.raw`(?:<[^<>\n]*>|(?:\\.|[^\s()\\]|\((?:\\.|[^\s()\\])*\))*)`
const MD_TITLE = String.raw`(?:"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|\((?:\\.|[^()\\])*\))`
const INLINE_LINK = new RegExp(String.raw`(!?)\[(${MD_TEXT})\]\(\s*(${MD_DEST})(?:\s+${MD_TITLE})?\s*\)`, 'g')
const REF_IMAGE = new RegExp(String.raw`!\[${MD_TEXT}\](?:\[([^\[\]]*)\]|(?![(\[]))`, 'g')
const REF_DEFINITION = new RegExp(
  String.raw`^( {0,3}\[[^\[\]]+\]:[ \t]*(?:\n[ \t]*)?(?:<[^<>\n]*>|\S+))\s+${MD_TITLE}[ \t]*$`,
  'gm',
)

function neutraliseMarkdown(text: string): string {
  const inline = (s: string): string =>
    s.replace(INLINE_LINK, (_m, bang: string, label: string, dest: string) =>
      bang ? `![](${dest})` : `[${inline(label)}](${dest})`,
    )
  return inline(text)
    .replace(REF_IMAGE, (_m, ref: string | undefined) => (ref ? `![][${ref}]` : '![]'))
    .replace(REF_DEFINITION, '$1')
}
