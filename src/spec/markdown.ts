/**
 * A spec's markdown tree (mdast, GFM), in time linear in the document's size.
 *
 * micromark copies its whole event list each time a container (a list, a block quote) closes, so one parse of
 * a document with thousands of lists is quadratic (a 2,000-phase spec took seconds). The document is cut where
 * every block is closed, into pieces of about {@link PIECE_CHARS}; each piece is parsed on its own and put back at
 * its exact offsets and lines. A cut goes before a line that starts at column 0, outside fenced code and HTML
 * blocks, and either follows a blank line (not after a line indented as code) or is an ATX heading: no container,
 * paragraph or table reaches over it.
 * Which of those places are taken depends on the text around them, not on the distance from the start, so after a
 * small edit the pieces are the same but around the edit, and a {@link PieceMemo} parses only those again.
 * What does reach over a cut is carried across it:
 * - a block a piece leaves open (a fence, or an HTML block, that its last line did not close): the piece is
 *   parsed again joined with the next one, so a cut the line scan got wrong is never kept;
 * - definitions: a link reference or footnote call resolves against the whole document, so a piece that uses a
 *   label defined in another piece is parsed again with that definition in front of it (then dropped).
 *
 * A list cut between two items comes back as two lists holding the same items; nothing else differs.
 */
import type { Nodes, Root, RootContent } from 'mdast'
import { fromMarkdown } from 'mdast-util-from-markdown'
import { gfmFromMarkdown } from 'mdast-util-gfm'
import { gfm } from 'micromark-extension-gfm'
import { type Outline, outlinePiece, OutlineUnresolved, type PieceContext } from './outline.js'
import { shifted, visit } from './tree.js'

/**
 * GFM as GitHub reads it. Its autolink literals cost a third of a parse, but without them a `*` or `_` in a bare
 * URL becomes emphasis and leaves a phase's title; the outline parses little enough that they stay.
 */
const OPTIONS = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] }

/** The usual length of a piece (the quadratic part of a parse stays within a piece). */
export const PIECE_CHARS = 4 * 1024

const EOL = /\r\n|\r|\n/g
const BLANK = /^[ \t]*$/
const ATX = /^#{1,6}(?:[ \t]|$)/
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/
/** HTML blocks that a blank line does not end (kinds 1 to 5), with what does end them. */
const HTML_ENDS: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/^ {0,3}<(?:script|pre|style|textarea)(?=[\s>]|$)/i, /<\/(?:script|pre|style|textarea)>/i],
  [/^ {0,3}<!--/, /-->/],
  [/^ {0,3}<\?/, /\?>/],
  [/^ {0,3}<![A-Za-z]/, />/],
  [/^ {0,3}<!\[CDATA\[/, /\]\]>/],
]
/** What may start an HTML block of kinds 1 to 5, which a blank line does not end. */
const HTML_LONG = /^ {0,3}<(?:[!?]|(?:script|pre|style|textarea)(?=[\s>]|$))/i
const HTML_START = /^ {0,3}</
/**
 * A line indented as code. After indented code and a blank line, micromark reads the next line as if it
 * interrupted a paragraph (an empty list item, or one numbered other than 1, is paragraph text), as it does not
 * at the start of a piece: no piece starts after a blank line that follows such a line.
 */
const INDENTED = /^(?: {0,3}\t| {4})/

/** The whole document in one parse: exact, and quadratic in the number of containers. */
export function parseWhole(source: string): Root {
  return fromMarkdown(source, OPTIONS)
}

export interface ParseOptions {
  /** The usual length of a piece (tests cut at every place they can with 1). */
  pieceChars?: number
  /** Pieces parsed before, reused when their text is the same (see {@link PieceMemo}). */
  memo?: PieceMemo
}

/** The document's tree, as {@link parseWhole} gives it (lists cut between items aside), in linear time. */
export function parseMarkdown(source: string, o: ParseOptions = {}): Root {
  return linear(source, o, false) as Root
}

/**
 * The document's outline (see outline.ts): {@link parseMarkdown}'s tree, but where a piece's headings are certain
 * from its lines, the text between them is left to be parsed when it is asked for.
 */
export function parseOutline(source: string, o: ParseOptions = {}): Outline {
  return linear(source, o, true)
}

function linear(
  source: string,
  o: ParseOptions,
  outline: boolean,
): Outline & Pick<Root, 'type' | 'position'> {
  const pieceChars = o.pieceChars ?? PIECE_CHARS
  if (source.length <= pieceChars * 4) return parseWhole(source)
  // micromark drops a byte order mark and counts from after it; so do the pieces.
  if (source.charCodeAt(0) === 0xfeff) return linear(source.slice(1), o, outline)
  const parse = o.memo ? (text: string) => o.memo!.tree(text) : parseWhole
  const late: Late | undefined = outline
    ? { source, parse, defined: new Map(), hasDefinitions: source.includes(']:') }
    : undefined
  const pieces = parsePieces(source, chooseCuts(cutPoints(source), pieceChars), parse, late)
  const defined = definitionsOf(pieces)
  if (late) late.defined = defined
  if (!resolveAcross(source, pieces, defined, parse)) return parseWhole(source)
  const children: Outline['children'] = []
  for (const p of pieces) {
    if (p.outline) children.push(...p.outline)
    else children.push(...placed(p))
  }
  const last = pieces[pieces.length - 1]
  const end = {
    ...last.last,
    line: last.last.line + last.at.line,
    offset: last.last.offset! + last.at.offset,
  }
  return { type: 'root', children, position: { start: { line: 1, column: 1, offset: 0 }, end } }
}

/**
 * Trees of pieces by their text, up to `maxChars` of text, oldest forgotten first: a document parsed again after
 * an edit parses again only the pieces around the edit. A tree in it is never changed (each parse copies it).
 */
export class PieceMemo {
  private readonly trees = new Map<string, Root>()
  private chars = 0
  /** How much text it parsed (not found in it), in characters. */
  parsedChars = 0

  constructor(private readonly maxChars: number) {}

  /** The tree of `text`: the one parsed before, or a fresh parse. */
  tree(text: string): Root {
    const known = this.trees.get(text)
    if (known) {
      this.trees.delete(text)
      this.trees.set(text, known)
      return known
    }
    const tree = parseWhole(text)
    this.parsedChars += text.length
    this.trees.set(text, tree)
    this.chars += text.length
    for (const old of this.trees.keys()) {
      if (this.chars <= this.maxChars) break
      this.trees.delete(old)
      this.chars -= old.length
    }
    return tree
  }
}

/** Where a piece may start: the line's offset, the line endings before it, and whether a blank line precedes it. */
interface Cut {
  offset: number
  line: number
  afterBlank: boolean
  /** A hash of the line's start, which picks the cuts taken (so an edit moves none but its neighbours). */
  hash: number
}

interface Piece {
  at: Cut
  end: number
  /** A piece not parsed: its outline, positioned in the document (see outline.ts). */
  outline?: Outline['children']
  /** The piece's top-level blocks, positioned relative to the text parsed (`prefix` and the piece). */
  children: RootContent[]
  /** Definitions parsed in front of the piece (see {@link resolveAcross}). */
  prefix: { chars: number; lines: number }
  /** Where the piece's text ends, relative to it. */
  last: NonNullable<Root['position']>['end']
}

/**
 * Every place a piece may start, by a scan of the lines that follows fences and HTML blocks as if every line were
 * at the top level (a cut it gets wrong is caught by {@link closedAt}).
 */
function cutPoints(source: string): Cut[] {
  const cuts: Cut[] = []
  let fence: { char: string; length: number } | undefined
  let htmlEnd: RegExp | undefined
  let htmlToBlank = false
  let prevBlank = false
  let afterIndented = false
  let line = 0
  let start = 0
  EOL.lastIndex = 0
  for (;;) {
    const eol = EOL.exec(source)
    const text = source.slice(start, eol ? eol.index : source.length)
    const first = text.charCodeAt(0)
    const column0 = text.length > 0 && first !== 0x20 && first !== 0x09 && first !== 0xfeff
    const cut = prevBlank ? !afterIndented : !htmlToBlank && ATX.test(text)
    if (start > 0 && column0 && !fence && !htmlEnd && cut) {
      cuts.push({ offset: start, line, afterBlank: prevBlank, hash: hash(text) })
    }
    const blank = BLANK.test(text)
    if (fence) {
      const close = FENCE_CLOSE.exec(text)
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined
    } else if (htmlEnd) {
      if (htmlEnd.test(text)) htmlEnd = undefined
    } else {
      const open = FENCE_OPEN.exec(text)
      if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
        fence = { char: open[1][0], length: open[1].length }
      } else if (HTML_START.test(text)) {
        const kind = HTML_ENDS.find(([startsWith]) => startsWith.test(text))
        if (kind && !kind[1].test(text)) htmlEnd = kind[1]
        htmlToBlank = true
      }
    }
    if (blank) htmlToBlank = false
    else afterIndented = INDENTED.test(text)
    prevBlank = blank
    if (!eol) return cuts
    start = eol.index + eol[0].length
    line++
  }
}

/** FNV-1a over the first 64 characters of a line. */
function hash(line: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < line.length && i < 64; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/**
 * The cuts taken: past half a piece from the last one, where the line's hash says so (one in 8), or anywhere past
 * four pieces. Chosen by content, not by counting from the start, the cuts after an edit are the cuts before it,
 * so a document parsed again after a small edit parses again only the pieces around it (see {@link PieceMemo}).
 */
function chooseCuts(cuts: Cut[], pieceChars: number): Cut[] {
  const chosen: Cut[] = []
  let from = 0
  for (const c of cuts) {
    const length = c.offset - from
    if (length >= pieceChars / 2 && (c.hash % 8 === 0 || length >= pieceChars * 4)) {
      chosen.push(c)
      from = c.offset
    }
  }
  return chosen
}

/** What a skipped piece needs to be parsed later: the document, its parser, and the definitions in it. */
interface Late {
  source: string
  parse: (text: string) => Root
  defined: Definitions
  /** Whether the document may define a label (a `]:` in it). */
  hasDefinitions: boolean
}

/**
 * The pieces between the cuts, every one ending where nothing it holds is left open. With `late`, a piece whose
 * headings are certain from its lines is outlined instead of parsed (nothing is left open at its end either).
 */
function parsePieces(source: string, cuts: Cut[], parse: (text: string) => Root, late?: Late): Piece[] {
  const pieces: Piece[] = []
  let at: Cut = { offset: 0, line: 0, afterBlank: false, hash: 0 }
  for (let next = 0; ; next++) {
    const to = cuts[next]
    const end = to ? to.offset : source.length
    const outline = late && outlined(late, at, end)
    if (outline) {
      pieces.push({
        at,
        end,
        outline,
        children: [],
        prefix: { chars: 0, lines: 0 },
        last: endOf(source, at, end),
      })
      if (!to) return pieces
      at = to
      continue
    }
    const text = source.slice(at.offset, end)
    const tree = parse(text)
    // When something is still open where the piece ends, the piece takes in the next one too.
    if (!to || closedAt(tree, text, to.afterBlank)) {
      pieces.push({
        at,
        end,
        children: to && runsToEnd(tree, text) ? closedByNextLine(source, text, end, parse) : tree.children,
        prefix: { chars: 0, lines: 0 },
        last: tree.position!.end,
      })
      if (!to) return pieces
      at = to
    }
  }
}

/**
 * Whether nothing in a piece runs on into the line after it: only its last top-level block can (a nested one is
 * closed with its container by a line at column 0), and only when it is fenced code without its closing fence, or
 * an HTML block its end did not close. A blank line ends HTML blocks of kinds 6 and 7; a heading does not.
 */
function closedAt(tree: Root, text: string, afterBlank: boolean): boolean {
  const last = tree.children[tree.children.length - 1]
  if (!last || (last.type !== 'code' && last.type !== 'html')) return true
  const block = text.slice(last.position!.start.offset!, last.position!.end.offset!)
  if (last.type === 'code') {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(block)
    if (!open) return true // indented code: a line at column 0 ends it
    const lines = block.split(/\r\n|\r|\n/)
    const close = lines.length > 1 ? FENCE_CLOSE.exec(lines[lines.length - 1]) : null
    return !!close && close[1][0] === open[1][0] && close[1].length >= open[1].length
  }
  if (!HTML_LONG.test(block)) return afterBlank
  const kind = HTML_ENDS.find(([startsWith]) => startsWith.test(block))
  if (!kind) return false
  const opener = kind[0].exec(block)![0]
  return kind[1].test(block.slice(opener.length))
}

/** The outline of the piece [at, end), or undefined when it has to be parsed (see outline.ts). */
function outlined(late: Late, at: Cut, end: number): Outline['children'] | undefined {
  const { source, parse } = late
  let blocks: RootContent[] | undefined
  const ctx: PieceContext = {
    parse,
    hasDefinitions: late.hasDefinitions,
    blocks: (from, to) =>
      (blocks ??= lateBlocks(late, at, end)).filter((n) => startOf(n) >= from && startOf(n) < to),
  }
  return outlinePiece(source, at.offset, end, at.line, ctx)
}

/** A parsed piece's blocks, positioned in the document. */
function placed(p: Piece): RootContent[] {
  return p.children.map((c) => shifted(c, p.at.offset - p.prefix.chars, p.at.line - p.prefix.lines))
}

/** Where the text [at, end) ends, relative to it, as a parse of it would say. */
function endOf(source: string, at: Cut, end: number): Piece['last'] {
  const text = source.slice(at.offset, end)
  const lines = text.split(/\r\n|\r|\n/)
  return { line: lines.length, column: lines[lines.length - 1].length + 1, offset: text.length }
}

/** The top-level blocks of an outlined piece, parsed now, positioned in the document. */
function lateBlocks(late: Late, at: Cut, end: number): RootContent[] {
  const tree = late.parse(late.source.slice(at.offset, end))
  const p: Piece = {
    at,
    end,
    children: tree.children,
    prefix: { chars: 0, lines: 0 },
    last: tree.position!.end,
  }
  if (!withDefinitions(late.source, p, -1, late.defined, late.parse)) {
    throw new OutlineUnresolved()
  }
  return placed(p)
}

/** Labels defined in the pieces parsed, by identifier (`^` in front for footnotes), with the first piece of each. */
type Definitions = Map<string, { label: string; footnote: boolean; piece: number }>

function definitionsOf(pieces: Piece[]): Definitions {
  const defined: Definitions = new Map()
  pieces.forEach((p, piece) => {
    for (const c of p.children) {
      visit(c, (n) => {
        if (n.type !== 'definition' && n.type !== 'footnoteDefinition') return
        const footnote = n.type === 'footnoteDefinition'
        const key = `${footnote ? '^' : ''}${n.identifier}`
        if (!defined.has(key)) defined.set(key, { label: n.label ?? n.identifier, footnote, piece })
      })
    }
  })
  return defined
}

/**
 * Whether the piece's last block runs to its very end, past its last line ending: something inside it (fenced
 * code in a list item) is still open, and where the line after the piece closes it differs with that line.
 */
function runsToEnd(tree: Root, text: string): boolean {
  const last = tree.children[tree.children.length - 1]
  return last?.position?.end.offset === text.length
}

/**
 * The blocks of a piece that {@link runsToEnd}, ending where the document's next line closes them: the piece is
 * parsed again with that one line after it (never with the whole next piece, which made a document of such
 * pieces one growing parse), and what that line starts is dropped.
 */
function closedByNextLine(
  source: string,
  text: string,
  end: number,
  parse: (t: string) => Root,
): RootContent[] {
  const eol = /\r\n|\r|\n/g
  eol.lastIndex = end
  const next = eol.exec(source)
  const probe = parse(text + source.slice(end, next ? next.index : source.length))
  return probe.children.filter((c) => startOf(c) < text.length).map((c) => clipped(c, text.length))
}

/**
 * A node without what starts at or after `limit` (a list item the next line adds); a node that lost children
 * ends with what is left, any other keeps the end micromark gave it.
 */
function clipped<T extends Nodes>(node: T, limit: number): T {
  if (!('children' in node) || end(node) <= limit) return node
  const kept = (node.children as Nodes[]).filter((c) => startOf(c) < limit)
  const kids = kept.map((c) => clipped(c, limit))
  if (kept.length === node.children.length) return { ...node, children: kids }
  const position = { start: node.position!.start, end: (kids[kids.length - 1] ?? node).position!.end }
  return { ...node, children: kids, position }
}

function startOf(node: Nodes): number {
  return node.position!.start.offset!
}

/**
 * Link and footnote definitions reach over cuts: a piece whose text names a label defined in another piece is
 * parsed again with those definitions in front of it (each followed by a blank line, so none runs into the
 * next), and they are dropped from its tree. False when a prefix did not parse as definitions alone. Outlined
 * pieces define nothing, and are resolved when they are parsed (see {@link lateBlocks}).
 */
function resolveAcross(
  source: string,
  pieces: Piece[],
  defined: Definitions,
  parse: (text: string) => Root,
): boolean {
  if (defined.size === 0) return true
  return pieces.every((p, i) => p.outline !== undefined || withDefinitions(source, p, i, defined, parse))
}

/** Puts in front of piece `i` the definitions it names from other pieces (see {@link resolveAcross}). */
function withDefinitions(
  source: string,
  p: Piece,
  i: number,
  defined: Definitions,
  parse: (text: string) => Root,
): boolean {
  if (defined.size === 0) return true
  const text = source.slice(p.at.offset, p.end)
  const wanted = new Set<string>()
  for (const m of text.matchAll(/\[((?:[^[\]\\]|\\[\s\S]){1,999})\]/g)) {
    const raw = m[1]
    for (const key of [identifier(raw), raw.startsWith('^') ? `^${identifier(raw.slice(1))}` : '']) {
      const d = defined.get(key)
      if (d && d.piece !== i)
        wanted.add(`[${d.footnote ? '^' : ''}${d.label.replace(/[\t\n\r ]+/g, ' ')}]: x\n\n`)
    }
  }
  if (wanted.size === 0) return true
  const prefix = [...wanted].join('')
  const tree = parse(prefix + text)
  const theirs = tree.children.findIndex((c) => c.position!.start.offset! >= prefix.length)
  const count = theirs < 0 ? tree.children.length : theirs
  // A footnote definition takes in indented text after it: the piece must not start inside one.
  const ours = tree.children.slice(0, count)
  if (count !== wanted.size || ours.some((c) => !c.type.endsWith('efinition') || end(c) > prefix.length)) {
    return false
  }
  p.children = tree.children.slice(count)
  p.prefix = { chars: prefix.length, lines: prefix.split(/\r\n|\r|\n/).length - 1 }
  return true
}

function end(node: Nodes): number {
  return node.position!.end.offset!
}

/** A label's identifier as mdast gives it (micromark's normalizeIdentifier, lower-cased). */
function identifier(label: string): string {
  return label
    .replace(/[\t\n\r ]+/g, ' ')
    .replace(/^ | $/g, '')
    .toLowerCase()
    .toUpperCase()
    .toLowerCase()
}
