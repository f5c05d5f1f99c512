/** One phase of a spec's Implementation Strategy. Offsets are byte-exact positions in the source text. */
export interface Phase {
  /** As written in the spec, e.g. "ISSUE-3", "T012", "1.2". */
  id: string
  title: string
  /** The phase's markdown (heading/item through the end of its section), as written. */
  body: string
  complete: boolean
  style: 'heading' | 'task'
  /** 1-based line of the heading or list item. */
  line: number
  /** [start, end) character offsets of the phase's whole section in the source. */
  start: number
  end: number
}

export interface SpecDocument {
  /** Repo-relative path, forward slashes. */
  path: string
  source: string
  /** Phases found in the Implementation Strategy (or the whole doc for task files such as tasks.md). */
  phases: Phase[]
}
