import { UserError } from '../errors.js'
import { HEADING_DONE_MARK } from './patterns.js'
import { scannedSpec } from './cache.js'
import { definedIdsHint, findPhases, normalizeId } from './phases.js'
import type { Phase, SpecDocument } from './types.js'

/**
 * Marks a phase complete with the smallest possible edit, leaving every other byte of the file untouched:
 * a task item's `[ ]` becomes `[x]` at its exact offset; a heading gets ` ✅` appended to its text (before any
 * closing `#`s). When the id occurs more than once (a progress checklist plus a heading, say), every incomplete
 * occurrence is marked.
 *
 * @returns the new source, and whether anything changed (false when the phase was already complete)
 * @throws UserError when the document does not define the id
 */
export function markPhaseComplete(doc: SpecDocument, id: string): { source: string; changed: boolean } {
  const { doc: fresh, anchors } = scannedSpec(doc.path, doc.source)
  const targets = findPhases(fresh, id)
  if (targets.length === 0) {
    throw new UserError(
      `${doc.path} does not define ${id}, so it cannot be marked complete.`,
      definedIdsHint(fresh),
    )
  }
  const edits: Array<{ at: number; remove: number; insert: string }> = []
  for (const p of targets) {
    if (p.complete) continue
    const a = anchors.get(p)
    if (p.style === 'task' && a?.checkboxOffset !== undefined) {
      edits.push({ at: a.checkboxOffset, remove: 1, insert: 'x' })
    } else if (p.style === 'heading' && a?.headingTextEnd !== undefined) {
      edits.push({ at: a.headingTextEnd, remove: 0, insert: ` ${HEADING_DONE_MARK}` })
    } else {
      throw new Error(`no completion anchor for ${p.id} at line ${p.line} of ${doc.path}`)
    }
  }
  let source = doc.source
  for (const e of edits.sort((x, y) => y.at - x.at)) {
    source = source.slice(0, e.at) + e.insert + source.slice(e.at + e.remove)
  }
  return { source, changed: edits.length > 0 }
}

/**
 * Compares a spec before and after a run.
 *
 * @returns `complete`: every occurrence of `id` is complete in `after`; `otherChanges`: ids of the other phases
 *   whose completion state changed, or that are gone from `after` (the model should have touched only its phase)
 */
export function checkCompletion(
  before: SpecDocument,
  after: SpecDocument,
  id: string,
): { complete: boolean; otherChanges: string[] } {
  const mine = findPhases(after, id)
  const complete = mine.length > 0 && mine.every((p) => p.complete)
  const want = normalizeId(id)
  const afterById = groupById(after.phases)
  const changed = new Set<string>()
  const otherChanges: string[] = []
  for (const [key, olds] of groupById(before.phases)) {
    if (key === want) continue
    const news = afterById.get(key) ?? []
    const differs = olds.length > news.length || olds.some((p, i) => p.complete !== news[i].complete)
    if (differs && !changed.has(key)) {
      changed.add(key)
      otherChanges.push(olds[0].id)
    }
  }
  return { complete, otherChanges }
}

function groupById(phases: Phase[]): Map<string, Phase[]> {
  const m = new Map<string, Phase[]>()
  for (const p of phases) {
    const k = normalizeId(p.id)
    const list = m.get(k)
    if (list) list.push(p)
    else m.set(k, [p])
  }
  return m
}
