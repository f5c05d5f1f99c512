/**
 * The linear parse (the document cut into pieces parsed one by one) against one parse of the whole document: the
 * same phases, titles, completion states, lines, source ranges and completion anchors, and the same tree (lists
 * cut between items aside), on every fixture and on generated documents full of what could reach over a cut.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { Nodes, Root } from 'mdast'
import { describe, expect, it } from 'vitest'
import { parseMarkdown, parseOutline, parseWhole, PIECE_CHARS, PieceMemo } from '../../src/spec/markdown.js'
import { scanSpec, type ScannedSpec } from '../../src/spec/phases.js'

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures')
const fixtures = [
  ...readdirSync(path.join(FIXTURES, 'specs')).map((f) => path.join(FIXTURES, 'specs', f)),
  path.join(FIXTURES, 'sandbox', 'docs', 'specs', 'slugkit.md'),
].map((file) => ({ name: path.basename(file), source: readFileSync(file, 'utf8') }))

/** Cut wherever a cut may go (pieces of one character), and at a few larger sizes. */
const cutEverywhere = (s: string) => parseMarkdown(s, { pieceChars: 1 })
const SIZES = [1, 300]

/** What a caller of scanSpec gets: the phases, and each one's completion anchor. */
function scanned(s: ScannedSpec) {
  return s.doc.phases.map((p) => ({ ...p, anchor: s.anchors.get(p) }))
}

/** Every node but lists (a list cut between items comes back as two), with its position and what it holds. */
function flat(tree: Root): unknown[] {
  const out: unknown[] = []
  const walk = (n: Nodes): void => {
    if (n.type !== 'list' && n.type !== 'root') {
      const p = n.position
      out.push({
        type: n.type,
        at: p && [p.start.line, p.start.column, p.start.offset, p.end.line, p.end.column, p.end.offset],
        value: 'value' in n ? n.value : undefined,
        checked: n.type === 'listItem' ? n.checked : undefined,
        depth: n.type === 'heading' ? n.depth : undefined,
        id: 'identifier' in n ? n.identifier : undefined,
      })
    }
    if ('children' in n) for (const c of n.children) walk(c as Nodes)
  }
  walk(tree)
  return out
}

function expectSame(source: string): void {
  const whole = parseWhole(source)
  const expected = scanned(scanSpec('docs/spec.md', source, () => whole))
  for (const size of SIZES) {
    const tree = parseMarkdown(source, { pieceChars: size })
    expect(flat(tree)).toEqual(flat(whole))
    expect(tree.position).toEqual(whole.position)
    expect(scanned(scanSpec('docs/spec.md', source, () => tree))).toEqual(expected)
    expect(
      scanned(scanSpec('docs/spec.md', source, () => parseOutline(source, { pieceChars: size }))),
    ).toEqual(expected)
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Lines that open, close or reach over a block, or look as if they did; `%` is a number. */
const LINES = [
  '',
  '',
  '',
  '',
  '## Implementation Strategy',
  '## Tasks',
  '### ISSUE-%: Title %',
  '### ISSUE-%: Title % ✅',
  '## Phase % (ISSUE-%): Grouped',
  '### [ISSUE-%] See [ref] and [Docs][other]',
  '### ISSUE-%: note[^1] and [^n%]',
  '#### ISSUE-%: Deeper',
  '# Top',
  '#not a heading',
  'Status: done',
  '**Status:** complete',
  '- [ ] ISSUE-% task %',
  '- [x] T0% [P] [US1] speckit task',
  '  - [ ] 1.% nested [ref]',
  '- [ ]* 2.% optional',
  '1. [ ] 3.% ordered',
  '* [X] ISSUE-% star',
  '- plain item',
  '  continued item text',
  'Some prose with [ref] and [^1] and [Docs][other].',
  'Lazy line ISSUE-% in prose',
  '[ref]: https://example.com/%',
  '[Other]: /other "title"',
  '[^1]: A footnote',
  '[^n%]: Numbered footnote',
  '  [nested]: /nested',
  '```',
  '```js',
  '````',
  '~~~',
  '   ```',
  '  ```',
  '``` has `backtick',
  '    indented code',
  '\tcode with a tab',
  '<div>',
  '</div>',
  '<!--',
  '-->',
  '<!-- one-line comment -->',
  '<!-->',
  '<script>',
  '</script>',
  '<?php',
  '?>',
  '<![CDATA[',
  ']]>',
  '<!DOCTYPE html>',
  '<span>inline</span>',
  '> quoted',
  '> - [ ] ISSUE-% quoted task',
  '>',
  '| a | b |',
  '|---|---|',
  '| ISSUE-% | x |',
  '---',
  '===',
  '***',
  '\uFEFFbom line',
  // What the outline reads from lines alone: where text ends, status lines, headings it must not miss.
  'Trailing spaces %  ',
  'Trailing tab %\t',
  'Status: done  ',
  '- Status: done',
  '-',
  '  Status: complete',
  '&#83;tatus: done',
  '`Sta`tus: done',
  '**Sta**tus: done',
  'Setext ISSUE-%: heading',
  '--',
  '=',
  ' ## ISSUE-%: Indented heading',
  '   #### ISSUE-%: More indented',
  '## Other section',
  '#',
  '### ISSUE-%: Title with `code` and *emphasis* %',
  'www.example.com/a_b_c and mail@example.com',
  '- ~~~',
  '2. ~~~ in an item',
  '> <!--',
  '* [X]',
  '- [x]',
  '    ',
  '      ',
  '10. ten',
]

/** The lines after which the outline still knows every heading (see outline.ts): it skips most of such text. */
const PLAIN_LINES = LINES.filter((l) => !/^ {0,3}(?:```|~~~|<)|\]:/.test(l))

function generated(seed: number, lines = LINES): string {
  const next = random(seed)
  const eol = ['\n', '\r\n', '\r'][Math.floor(next() * 3)]
  const out: string[] = []
  const count = 20 + Math.floor(next() * 80)
  for (let i = 0; i < count; i++) {
    out.push(lines[Math.floor(next() * lines.length)].replaceAll('%', String(1 + Math.floor(next() * 9))))
  }
  return out.join(eol)
}

describe('parseMarkdown: the linear parse is the whole parse', () => {
  it.each(fixtures)('$name: same phases, anchors and tree, cut everywhere', ({ source }) => {
    expectSame(source)
  })

  it('every fixture, one after the other in one document', () => {
    expectSame(fixtures.map((f) => f.source).join('\n'))
  })

  it('generated documents full of fences, HTML, definitions, lists and headings', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const source = generated(seed)
      try {
        expectSame(source)
      } catch (err) {
        throw new Error(`seed ${seed}:\n${JSON.stringify(source)}\n${String(err)}`, { cause: err })
      }
    }
  })

  it('the outline of a heading-style spec parses its headings, not the text under them', () => {
    const phase = (i: number) =>
      `### ISSUE-${i}: Phase ${i}\n\nThis phase adds the basic structure and the tests (${i}). ${'Words. '.repeat(40)}\n\n- [ ] a\n- [x] b\n\n`
    const source =
      '## Implementation Strategy\n\n' + Array.from({ length: 400 }, (_, i) => phase(i + 1)).join('')
    const memo = new PieceMemo(1024 * 1024)
    const outlined = scanSpec('s.md', source, (s) => parseOutline(s, { memo }))
    expect(scanned(outlined)).toEqual(scanned(scanSpec('s.md', source, parseWhole)))
    expect(outlined.doc.phases).toHaveLength(400)
    expect(memo.parsedChars).toBeLessThan(source.length / 10)
  })

  it('a heading ending in a bare URL is marked before its closing #s (the link has no position)', () => {
    const source = '### ISSUE-9: G**---www.x.com ##\n\nText.\n'
    const s = scanSpec('s.md', source, parseWhole)
    expect(source.slice(0, s.anchors.get(s.doc.phases[0])!.headingTextEnd)).toBe(
      '### ISSUE-9: G**---www.x.com',
    )
  })

  it('a title keeps the marks in a bare URL (GFM autolink literals)', () => {
    const source = '## Tasks\n\n### ISSUE-1: Serve www.example.com/a*b*c\n\n' + 'Filler.\n\n'.repeat(40)
    expect(scanSpec('s.md', source, (s) => parseOutline(s, { pieceChars: 1 })).doc.phases[0].title).toBe(
      'Serve www.example.com/a*b*c',
    )
    expectSame(source)
  })

  it('the outline parses skipped text where a phase needs it: tasks, a status line, an end it cannot see', () => {
    const filler = 'Filler paragraph. '.repeat(30) + '\n\n'
    const source =
      '# Tasks\n\n' +
      filler.repeat(20) +
      '- [ ] T001 A task outside any heading phase\n\n' +
      filler.repeat(20) +
      '### ISSUE-1: First\n\n**Sta**tus: done\n\n' +
      filler.repeat(20) +
      '### ISSUE-2: Second\n\nEnds in spaces.   \n\n' +
      filler.repeat(20) +
      '### ISSUE-3: Third\n'
    const expected = scanned(scanSpec('s.md', source, parseWhole))
    expect(expected.map((p) => [p.id, p.complete])).toEqual([
      ['T001', false],
      ['ISSUE-1', true],
      ['ISSUE-2', false],
      ['ISSUE-3', false],
    ])
    for (const pieceChars of [1, 64, 300, PIECE_CHARS]) {
      expect(scanned(scanSpec('s.md', source, (s) => parseOutline(s, { pieceChars })))).toEqual(expected)
    }
  })

  it('generated documents without fences, HTML or definitions: the outline skips text, and finds the same', () => {
    let skipped = 0
    let total = 0
    for (let seed = 1; seed <= 300; seed++) {
      const source = generated(seed, PLAIN_LINES)
      try {
        expectSame(source)
      } catch (err) {
        throw new Error(`seed ${seed}:\n${JSON.stringify(source)}\n${String(err)}`, { cause: err })
      }
      const memo = new PieceMemo(1024 * 1024)
      scanSpec('s.md', source, (s) => parseOutline(s, { pieceChars: 1, memo }))
      skipped += source.length - memo.parsedChars
      total += source.length
    }
    expect(skipped).toBeGreaterThan(total / 10)
  })

  it.each([
    [
      'a fence left open in a list item, where the text ends',
      '### ISSUE-1: T0\nStatus: x\n- ~~~\n\n### ISSUE-2: T1\n',
    ],
    ['a fence left open in an ordered item', '### A-1: T\r\n\r\n2. ~~~&#83;![S\r\n\r\n### A-2: U\r\n'],
    [
      'a checkbox alone, its status on the next line',
      '### ISSUE-1: T0\n\n* [X]\nStatus: done\n\n### ISSUE-2: T1\n',
    ],
    ['a line of spaces after indented code', '### ISSUE-3: T2\r\n\r\n    [](\r\n\r\n    \r\n### Notes\r\n'],
    [
      'an item numbered 10 after indented code',
      '### ISSUE-1: T0\n\n    code\n\n10. ten\n- \n-\t\n===\n# Top\n',
    ],
    [
      'an image over two lines before a status',
      '### ISSUE-1: T\r\n- ![[^1\r\n   ]](u)Status: done\r\n\r\n### ISSUE-2: U\r\n',
    ],
    [
      'a heading ending in a bare URL (a link without a position)',
      '### ISSUE-9: G**---www.x.com ##\n\nText.\n',
    ],
    ['a link destination over two lines', '### ISSUE-1: T\n\n- [ ]([a]\n) status:done\n\n### ISSUE-2: U\n'],
    [
      'a piece whose definitions cannot go in front of it',
      '    x [^1]\n- [ ] T001 a\n\n- [ ] T002 b\n\n' + 'Filler words.\n\n'.repeat(40) + '[^1]: note\n',
    ],
  ])('the outline and the pieces on what they cannot see from lines: %s', (_, source) => {
    expectSame(source)
  })

  it('pieces that each end with fenced code open in a list item are read one by one, not merged', () => {
    let source = '## Implementation Strategy\n\n### ISSUE-1: A\n\n'
    for (let i = 0; i < 300; i++) source += '* ```\n\n' + `Para ${i}\n\n`
    expectSame(source)
    const memo = new PieceMemo(1024 * 1024)
    parseMarkdown(source, { pieceChars: 64, memo })
    // Each piece once, and again with the one line after it: never a piece grown over its neighbours.
    expect(memo.parsedChars).toBeLessThan(3 * source.length)
  })

  it('a reference resolves against a definition in another piece', () => {
    const source = '### ISSUE-1: See [the docs]\n\n' + 'Filler.\n\n'.repeat(50) + '[The  Docs]: https://x\n'
    const cut = parseMarkdown(source, { pieceChars: 10 })
    const heading = cut.children[0]
    expect(heading.type === 'heading' && heading.children.map((c) => c.type)).toEqual([
      'text',
      'linkReference',
    ])
    expect(scanned(scanSpec('s.md', source, (s) => parseMarkdown(s, { pieceChars: 10 })))[0].title).toBe(
      'See the docs',
    )
  })

  it('a fence the line scan cannot see open is still not cut', () => {
    // The comment opens inside the list item, so the fence after it is real: "### Not a phase" is code.
    const source =
      '## Tasks\n\n- item\n  <!-- comment\ntext\n```\n-->\n### ISSUE-9: Not a phase\n```\n\n### ISSUE-1: Real\n'
    expect(scanned(scanSpec('s.md', source, cutEverywhere)).map((p) => p.id)).toEqual(['ISSUE-1'])
    expectSame(source)
  })

  it('generated documents parsed one after the other through one memo of pieces', () => {
    // Neighbouring seeds share no text, so also parse each after an edit of its own: most pieces are reused.
    const memo = new PieceMemo(64 * 1024)
    for (let seed = 1; seed <= 100; seed++) {
      const source = generated(seed)
      const edited = source.replace(/ISSUE-(\d)/, 'ISSUE-$1$1 ✅ longer now')
      for (const text of [source, edited, source]) {
        expect(flat(parseMarkdown(text, { pieceChars: 40, memo }))).toEqual(flat(parseWhole(text)))
      }
    }
  })

  it('a large spec parsed again after an edit: the same as a fresh parse, and the memo spares all but the edit', () => {
    const phase = (i: number) => `### ISSUE-${i}: Phase ${i}\n\nText ${i}.\n\n- [ ] a\n- [x] b\n\n`
    const source =
      '## Implementation Strategy\n\n' + Array.from({ length: 600 }, (_, i) => phase(i + 1)).join('')
    const edited = source
      .replace('### ISSUE-300: Phase 300\n', '### ISSUE-300: Phase 300 ✅\n')
      .replace('Text 301.', 'Text 301, now with a [link](https://example.com) and more words.')
    const memo = new PieceMemo(1024 * 1024)
    parseMarkdown(source, { memo })
    expect(memo.parsedChars).toBe(source.length)
    const again = scanSpec('s.md', edited, (s) => parseMarkdown(s, { memo }))
    const reparsed = memo.parsedChars - source.length
    expect(reparsed).toBeGreaterThan(0)
    expect(reparsed).toBeLessThan(3 * 4 * PIECE_CHARS)
    expect(scanned(again)).toEqual(scanned(scanSpec('s.md', edited, parseWhole)))
  })

  it('a large document is cut into pieces, each parsed on its own', () => {
    const phase = (i: number) => `### ISSUE-${i}: Phase ${i}\n\nText.\n\n- [ ] a\n- [x] b\n\n`
    const source =
      '## Implementation Strategy\n\n' + Array.from({ length: 400 }, (_, i) => phase(i + 1)).join('')
    expect(source.length).toBeGreaterThan(PIECE_CHARS)
    const tree = parseMarkdown(source)
    expect(flat(tree)).toEqual(flat(parseWhole(source)))
    const doc = scanSpec('s.md', source).doc
    expect(doc.phases).toHaveLength(400)
    expect(doc.phases[399]).toMatchObject({ id: 'ISSUE-400', line: 3 + 399 * 7 })
  })
})
