import type { Heading, ListItem, Nodes } from 'mdast'
import { parseOutline, parseWhole } from './markdown.js'
import { type Block, type Outline, OutlineUnresolved } from './outline.js'
import {
  GROUPED_HEADING_PHASE,
  HEADING_DONE_PREFIX,
  HEADING_DONE_SUFFIX,
  HEADING_PHASE,
  SECTION_HEADINGS,
  STATUS_DONE,
  STATUS_LINE,
  TASK_PHASE,
} from './patterns.js'
import type { Phase, SpecDocument } from './types.js'

const BOM = '\uFEFF'
/** A list marker and its task checkbox, at the start of a list item's source. Group 2: text after `]`. */
const CHECKBOX = /^(?:[-*+]|\d{1,9}[.)])\s*\[([ \txX])\]()/
const OPTIONAL_CHECKBOX = /^(?:[-*+]|\d{1,9}[.)])\s*\[([ \txX])\](\*)/

/** Where a parsed phase's completion marker lives, for {@link markPhaseComplete}. Internal. */
export interface PhaseAnchor {
  /** Task phases: offset of the character inside `[ ]`. */
  checkboxOffset?: number
  /** Heading phases: offset just after the heading's text (before any closing `#`s). */
  headingTextEnd?: number
}

/**
 * Parses a spec document and finds its phases.
 *
 * Phases live in the "Implementation Strategy" section (also "Implementation Plan" or "Tasks"; any heading
 * level); a document without such a heading (spec-kit or Kiro `tasks.md`) is searched whole. A phase is either
 * a heading (`### ISSUE-3: Title`, `### Phase 2 (ISSUE-3): Title`) or a task-list item (`- [ ] ISSUE-3 Title`,
 * `- [ ] T012 [P] [US1] Title`, `- [ ] 1.2 Title`). Task items inside a heading phase are that phase's checklist,
 * not phases of their own. Mentions of an id in prose are never phases.
 *
 * @param path repo-relative path, kept as given (forward slashes expected)
 * @param source the file's text; offsets in the result index into it exactly
 */
export function parseSpec(path: string, source: string): SpecDocument {
  return scanSpec(path, source).doc
}

/** A parsed spec: the document, and where each phase's completion marker can be written. */
export interface ScannedSpec {
  doc: SpecDocument
  anchors: Map<Phase, PhaseAnchor>
}

/**
 * {@link parseSpec}, plus where each phase's completion marker can be written. Internal to src/spec.
 *
 * @param parse the markdown parser: an outline (see outline.ts), whose skipped text is parsed only where a phase
 *   needs it; tests compare it with a parse of the whole document
 */
export function scanSpec(
  path: string,
  source: string,
  parse: (markdown: string) => Outline = parseOutline,
): ScannedSpec {
  const shift = source.startsWith(BOM) ? 1 : 0
  const tree = parse(shift ? source.slice(1) : source)
  const ctx: Ctx = { source, shift, phases: [], anchors: new Map() }
  try {
    for (const range of phaseRanges(tree)) collectPhases(ctx, tree.children, range)
  } catch (err) {
    if (!(err instanceof OutlineUnresolved)) throw err
    return scanSpec(path, source, parseWhole)
  }
  ctx.phases.sort((a, b) => a.start - b.start)
  return { doc: { path, source, phases: ctx.phases }, anchors: ctx.anchors }
}

/**
 * Finds a phase by id. Ids match whole and case-insensitively: `issue-3` finds `ISSUE-3` but never `ISSUE-30`;
 * `1.2` never finds `1.20` or `11.2`. When an id appears more than once, the first occurrence is returned.
 */
export function findPhase(doc: SpecDocument, id: string): Phase | undefined {
  return findPhases(doc, id)[0]
}

/** Every phase with this id (whole, case-insensitive match), in document order. */
export function findPhases(doc: SpecDocument, id: string): Phase[] {
  const want = normalizeId(id)
  if (!want) return []
  return doc.phases.filter((p) => normalizeId(p.id) === want)
}

/** The distinct phase ids of a document, in document order, as written. */
export function phaseIds(doc: SpecDocument): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const p of doc.phases) {
    const k = normalizeId(p.id)
    if (!seen.has(k)) {
      seen.add(k)
      out.push(p.id)
    }
  }
  return out
}

/** The hint for an id a spec does not define: the ids it does define (at most 40 shown), or that it has none. */
export function definedIdsHint(doc: SpecDocument): string {
  const ids = phaseIds(doc)
  if (ids.length === 0) return `${doc.path} has no phases.`
  const shown = ids.slice(0, 40).join(', ')
  return `It defines: ${shown}${ids.length > 40 ? `, … (${ids.length} in all)` : ''}.`
}

/** The comparison form of an id: trimmed, lower-cased, surrounding brackets/emphasis removed. */
export function normalizeId(id: string): string {
  return id
    .trim()
    .replace(/^[[(*_`#]+|[\])*_`]+$/g, '')
    .toLowerCase()
}

interface Ctx {
  source: string
  shift: number
  phases: Phase[]
  anchors: Map<Phase, PhaseAnchor>
}

/** [from, to) indices into root.children, with the depth of the heading that opened the range (0 = whole doc). */
interface Range {
  from: number
  to: number
  depth: number
}

function phaseRanges(tree: Outline): Range[] {
  const kids = tree.children
  for (const kind of SECTION_HEADINGS) {
    const ranges: Range[] = []
    for (let i = 0; i < kids.length; i++) {
      const node = kids[i]
      if (node.type !== 'heading' || !kind.test(sectionTitle(node))) continue
      if (ranges.some((r) => i >= r.from && i < r.to)) continue
      let end = i + 1
      for (; end < kids.length; end++) {
        const n = kids[end]
        if (n.type !== 'heading') continue
        // Phases written at the same level as the strategy heading still belong to it.
        if (n.depth < node.depth || (n.depth === node.depth && !headingPhaseMatch(n))) break
      }
      ranges.push({ from: i + 1, to: end, depth: node.depth })
    }
    if (ranges.length > 0) return ranges
  }
  return [{ from: 0, to: kids.length, depth: 0 }]
}

function collectPhases(ctx: Ctx, kids: Block[], range: Range): void {
  // Children inside a heading phase's section: its checklist, never phases of their own.
  const inHeadingPhase = new Uint8Array(range.to)
  for (let i = range.from; i < range.to; i++) {
    const node = kids[i]
    if (node.type !== 'heading') continue
    const m = headingPhaseMatch(node)
    if (!m) continue
    let j = i + 1
    while (j < range.to && !(kids[j].type === 'heading' && (kids[j] as Heading).depth <= node.depth)) j++
    const last = kids[j - 1]
    const start = off(ctx, node, 'start')
    const end = off(ctx, last, 'end')
    const next = i + 1 < j ? kids[i + 1] : undefined
    const complete = m.done || statusDone(next)
    const phase: Phase = {
      id: m.id,
      title: m.title,
      body: ctx.source.slice(start, end),
      complete,
      style: 'heading',
      line: node.position!.start.line,
      start,
      end,
    }
    ctx.anchors.set(phase, { headingTextEnd: headingTextEnd(ctx, node) })
    ctx.phases.push(phase)
    inHeadingPhase.fill(1, i, j)
  }
  for (let i = range.from; i < range.to; i++) if (!inHeadingPhase[i]) walkTasks(ctx, kids[i])
}

function walkTasks(ctx: Ctx, node: Nodes | Block): void {
  if (node.type === 'skipped') {
    for (const b of node.blocks()) walkTasks(ctx, b)
    return
  }
  if (node.type === 'listItem') taskPhase(ctx, node)
  if (node.type === 'code' || node.type === 'html' || node.type === 'heading') return
  if ('children' in node) for (const c of node.children) walkTasks(ctx, c as Nodes)
}

function taskPhase(ctx: Ctx, item: ListItem): void {
  const para = item.children[0]
  if (!para || para.type !== 'paragraph') return
  const start = off(ctx, item, 'start')
  const end = off(ctx, item, 'end')
  const head = ctx.source.slice(start, Math.min(end, start + 40))
  let text = textOf(para).split(/\r?\n/)[0].trim()
  let checked = item.checked
  let box = CHECKBOX.exec(head)
  if (typeof checked !== 'boolean') {
    // Kiro marks optional tasks `- [ ]* 2.3 Title`; GFM does not read that as a task item.
    box = OPTIONAL_CHECKBOX.exec(head)
    if (!box) return
    checked = box[1] !== ' ' && box[1] !== '\t'
    text = text.replace(/^\[[ \txX]\]\*\s*/, '')
  }
  const m = TASK_PHASE.exec(text)
  if (!m) return
  const phase: Phase = {
    id: m[1],
    title: m[3].trim(),
    body: ctx.source.slice(start, end),
    complete: checked,
    style: 'task',
    line: item.position!.start.line,
    start,
    end,
  }
  if (box) ctx.anchors.set(phase, { checkboxOffset: start + box[0].length - box[2].length - 2 })
  ctx.phases.push(phase)
}

interface HeadingMatch {
  id: string
  title: string
  done: boolean
}

function headingPhaseMatch(h: Heading): HeadingMatch | undefined {
  let text = textOf(h).replace(/\s+/g, ' ').trim()
  let done = false
  if (HEADING_DONE_PREFIX.test(text)) {
    done = true
    text = text.replace(HEADING_DONE_PREFIX, '')
  }
  text = stripLeadingSymbols(text)
  let id: string | undefined
  let title: string
  const m = HEADING_PHASE.exec(text)
  if (m) {
    id = m[1]
    title = m[2]
  } else {
    const g = GROUPED_HEADING_PHASE.exec(text)
    if (!g) return undefined
    id = g[1] ?? g[2] ?? g[3]
    title = g[4]
  }
  if (HEADING_DONE_SUFFIX.test(title)) {
    done = true
    title = title.replace(HEADING_DONE_SUFFIX, '')
  }
  return { id, title: title.trim(), done }
}

/**
 * Where a heading's text ends (before a closing `#` sequence). GFM's autolink literals come without positions,
 * so when the last inline has none, the end is read from the heading's own line.
 */
function headingTextEnd(ctx: Ctx, h: Heading): number {
  const last = h.children[h.children.length - 1]
  if (last?.position) return off(ctx, last, 'end')
  const start = off(ctx, h, 'start')
  const text = ctx.source.slice(start, off(ctx, h, 'end')).split(/\r\n|\r|\n/)[0]
  const isBlank = (i: number) => text[i - 1] === ' ' || text[i - 1] === '\t'
  let end = text.length
  while (end > 0 && isBlank(end)) end--
  if (h.position!.start.line === h.position!.end.line) {
    let hashes = end
    while (hashes > 0 && text[hashes - 1] === '#') hashes--
    if (hashes < end && isBlank(hashes)) end = hashes
    while (end > 0 && isBlank(end)) end--
  }
  return start + end
}

function statusDone(next: Block | undefined): boolean {
  if (next?.type === 'skipped') return next.mayBeStatus && statusDone(next.blocks()[0])
  let para: Nodes | undefined = next
  if (next?.type === 'list') para = next.children[0]?.children[0]
  if (!para || para.type !== 'paragraph') return false
  const first = textOf(para).split(/\r?\n/)[0]
  const m = STATUS_LINE.exec(first)
  return !!m && STATUS_DONE.test(m[1].trim())
}

function sectionTitle(h: Heading): string {
  // Drop leading emoji/symbols and numbering such as "5.", "5)", "5.2 ", "IV.".
  return stripLeadingSymbols(textOf(h).trim()).replace(/^(?:\d+(?:\.\d+)*[.)]?|[IVXLC]+\.)\s+/, '')
}

function stripLeadingSymbols(s: string): string {
  return s.replace(/^[^\p{L}\p{N}[(]+/u, '')
}

/** Plain text of a node: text and inline code values, ignoring markup and raw HTML. */
function textOf(node: Nodes): string {
  if (node.type === 'text' || node.type === 'inlineCode') return node.value
  if (node.type === 'break') return '\n'
  if ('children' in node) return node.children.map((c) => textOf(c as Nodes)).join('')
  return ''
}

function off(ctx: Ctx, node: Nodes | Block, which: 'start' | 'end'): number {
  if (node.type === 'skipped') {
    const at = node[which]
    if (at !== undefined) return at + ctx.shift
    const blocks = node.blocks()
    return off(ctx, blocks[blocks.length - 1], 'end')
  }
  const o = node.position?.[which].offset
  if (o === undefined) throw new Error(`markdown node without position (${node.type})`)
  return o + ctx.shift
}
