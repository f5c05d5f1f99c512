/**
 * A spec's outline: what phase finding reads of a document, without parsing what it never reads.
 *
 * Phases are found from the top-level headings and a little of the text between them: the first block under a
 * heading (a `Status:` line), where the last block before the next heading ends, and task items outside heading
 * phases. Most of a heading-style spec is the prose and checklists inside heading phases, which are never read.
 * So a piece of the document (see markdown.ts) whose top-level headings are certain from its lines alone is not
 * parsed: its heading lines are parsed on their own (one small parse), and the text between two headings becomes
 * a {@link Skipped} block, parsed (with the whole piece) only when phase finding needs what is in it.
 *
 * A piece's top-level headings are its lines that start with `#` at column 0, when nothing is open where the
 * piece starts (the piece before it was parsed and found closed, or was skipped itself) and none of its lines
 * could hide such a line or be a heading of another kind:
 * - a fence or an HTML block (a line starting, after up to 3 spaces, with three backticks, three tildes or `<`):
 *   inside one, `# x` is not a heading. Anything else a `# x` line at column 0 closes: a list item, a block quote,
 *   a paragraph, a table;
 * - a setext underline (`---` or `===` under a line that is neither blank nor a heading), or an ATX heading
 *   indented by 1 to 3 spaces;
 * - a definition (`]:`), which text in other pieces may refer to; and a heading with `[` when the document has
 *   a definition anywhere (its text may be a reference).
 */
import type { RootContent } from 'mdast'
import { shifted } from './tree.js'

/** The text between two top-level headings (or a heading and a piece's end), not parsed until asked. */
export interface Skipped {
  type: 'skipped'
  /** Where its text starts: its first line that is not blank. */
  start: number
  /** Where its last block ends, when its text tells: undefined when its last line ends in a space or tab. */
  end?: number
  /** Whether its first block could be a `Status:` line: false only when its first line cannot read "status". */
  mayBeStatus: boolean
  /** Its top-level blocks, parsed on the first call. */
  blocks(): RootContent[]
}

/** A top-level block of an outline: a parsed one, or text not parsed yet. */
export type Block = RootContent | Skipped

/** A document's top-level blocks, some of them perhaps {@link Skipped}. A parsed tree is an outline too. */
export interface Outline {
  children: Block[]
}

/**
 * Thrown by a skipped block's `blocks()` when the definitions its text refers to cannot be put in front of it
 * (see markdown.ts): the caller reads the document again from a parse of the whole of it.
 */
export class OutlineUnresolved extends Error {
  constructor() {
    super('a piece of the outline could not be parsed on its own')
  }
}

/** What {@link outlinePiece} needs from the parse around it. */
export interface PieceContext {
  /** The parser of a piece of text (a memo of pieces, or one parse). */
  parse: (text: string) => { children: RootContent[] }
  /** Whether the document defines a link or footnote label anywhere (a `]:` in it). */
  hasDefinitions: boolean
  /** The top-level blocks of the piece that start in [from, to), from a parse of the whole piece. */
  blocks: (from: number, to: number) => RootContent[]
}

const EOL = /\r\n|\r|\n/g
/** Lines after which a line starting with `#` may not be a top-level heading, or that are one the scan misses. */
const UNCERTAIN = /^ {0,3}(?:`{3,}|~{3,}|<)|^ {1,3}#{1,6}(?:[ \t]|$)|\]:/m
const ATX = /^#{1,6}(?:[ \t]|$)/
const SETEXT_UNDERLINE = /^ {0,3}(?:=+|-+)[ \t]*$/
const BLANK = /^[ \t]*$/
/** What starts a first line before its text: quote marks, a list marker, a task checkbox. */
const LEAD = /^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))?(?:\[[ \txX]\]\*?(?:[ \t]+|$))?/
/**
 * What may take a line ending out of the text, so that the next line's text joins the first: an image's alt or a
 * link's destination over two lines (`[`), inline HTML (`<`), a code span (its line endings become spaces), a
 * character reference.
 */
const JOINS_LINES = /[[<`&]/
/**
 * Fenced code or HTML inside a list item or a block quote: left open, it runs to the end of its container, past
 * blank lines, so where the text's last block ends is left to a parse.
 */
const NESTED_BLOCK = /^(?:[ \t>]|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$))*(?:`{3,}|~{3,}|<)/

/**
 * The outline of the piece `source[from, to)` whose first line is line `line` (line endings before it), with
 * absolute offsets and lines; undefined when its headings are not certain from its lines (then it is parsed).
 */
export function outlinePiece(
  source: string,
  from: number,
  to: number,
  line: number,
  ctx: PieceContext,
): Block[] | undefined {
  if (UNCERTAIN.test(source.slice(from, to))) return undefined
  const headings: Array<{ offset: number; line: number; text: string }> = []
  /** The piece's blocks in order: a heading by its index in `headings`, or text between headings. */
  const order: Array<number | Gap> = []
  let gap: Gap | undefined
  let previous: 'blank' | 'heading' | 'text' = 'blank'
  EOL.lastIndex = from
  for (let start = from; start < to; line++) {
    const eol = EOL.exec(source)
    const stop = eol && eol.index < to ? eol.index : to
    const text = source.slice(start, stop)
    if (ATX.test(text)) {
      if (ctx.hasDefinitions && text.includes('[')) return undefined
      if (gap) close(gap, start)
      gap = undefined
      order.push(headings.push({ offset: start, line, text }) - 1)
      previous = 'heading'
    } else if (BLANK.test(text)) {
      // Indented code takes in a line of spaces after it: where it ends is left to a parse.
      if (gap && text.length > 0) gap.end = undefined
      previous = 'blank'
    } else {
      if (previous === 'text' && SETEXT_UNDERLINE.test(text)) return undefined
      if (!gap) {
        const mayBeStatus = mayStartWithStatus(text)
        gap = { type: 'skipped', start, mayBeStatus, blocks: () => [], to }
        order.push(gap)
      }
      const last = text.charCodeAt(text.length - 1)
      gap.end = last === 0x20 || last === 0x09 ? undefined : stop
      if (NESTED_BLOCK.test(text)) gap.nested = true
      previous = 'text'
    }
    if (!eol || eol.index >= to) break
    start = eol.index + eol[0].length
  }
  // Fenced code or HTML left open in a container at the piece's end: where it ends depends on the next piece.
  if (gap?.nested) return undefined
  if (gap) close(gap, to)
  const parsed = headings.length > 0 ? ctx.parse(headings.map((h) => h.text).join('\n')).children : []
  if (parsed.length !== headings.length || parsed.some((n) => n.type !== 'heading')) return undefined
  let inMini = 0
  return order.map((b) => {
    if (typeof b !== 'number') return skipped(b, ctx)
    const h = headings[b]
    const node = shifted(parsed[b], h.offset - inMini, h.line - b)
    inMini += h.text.length + 1
    return node
  })
}

/** Text between headings while it is read: where it ends, what it holds. */
interface Gap extends Skipped {
  to: number
  /** Whether it holds fenced code or HTML inside a container (see {@link NESTED_BLOCK}). */
  nested?: boolean
}

function close(gap: Gap, to: number): void {
  gap.to = to
  if (gap.nested) gap.end = undefined
}

function skipped(g: Gap, ctx: PieceContext): Skipped {
  const { start, end, mayBeStatus, to } = g
  let blocks: RootContent[] | undefined
  return { type: 'skipped', start, end, mayBeStatus, blocks: () => (blocks ??= ctx.blocks(start, to)) }
}

/**
 * Whether the first line of a block could read `Status: …` once parsed (see phases.ts statusDone): false only
 * when the line cannot hold the word and its text cannot run on into the next line.
 */
function mayStartWithStatus(line: string): boolean {
  const rest = line.replace(LEAD, '')
  if (rest.trim() === '' || JOINS_LINES.test(rest)) return true
  // What else parsing takes out of a line: emphasis and strikethrough marks, escapes' backslashes, spaces.
  return /^status:/i.test(rest.replace(/[*_~\\\s]/g, ''))
}
