/**
 * The run's parsed specs, in one place: resolution, the phase job's copy from the branch, publishing and
 * completion marking all read a spec through here, so a spec is parsed once per content. A spec the model edited
 * on the branch is parsed again because its text differs (the content is compared, never a modification time).
 */
import { parseOutline, PieceMemo } from './markdown.js'
import { scanSpec, type ScannedSpec } from './phases.js'
import type { SpecDocument } from './types.js'

/**
 * How many specs are remembered (the latest content of each path). A search parses every markdown file it finds;
 * one without phases is never read again, so it is not kept.
 */
const KEEP = 16
const recent = new Map<string, ScannedSpec>()
/**
 * The pieces of the specs parsed (see markdown.ts), so a spec parsed again after the model's edit parses again
 * only what the edit touched: more text than the largest spec read (5 MB).
 */
const pieces = new PieceMemo(6 * 1024 * 1024)
const parses = new Map<string, number>()

/** The parsed document of `source` at `path`: the one parsed before when the text is the same. */
export function specDocument(path: string, source: string): SpecDocument {
  return scannedSpec(path, source).doc
}

/** {@link specDocument}, with where each phase's completion marker can be written. Internal to src/spec. */
export function scannedSpec(path: string, source: string): ScannedSpec {
  const hit = recent.get(path)
  recent.delete(path)
  if (hit?.doc.source === source) {
    recent.set(path, hit)
    return hit
  }
  const scanned = scanSpec(path, source, (markdown) => parseOutline(markdown, { memo: pieces }))
  parses.set(path, (parses.get(path) ?? 0) + 1)
  if (scanned.doc.phases.length === 0) return scanned
  recent.set(path, scanned)
  if (recent.size > KEEP) recent.delete(recent.keys().next().value!)
  return scanned
}

/** How many times the spec at `path` was parsed in this process (tests: a run parses an unchanged spec once). */
export function specParses(path: string): number {
  return parses.get(path) ?? 0
}
