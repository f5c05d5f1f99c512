/**
 * Every textual convention the spec parser recognises, in one place: which headings open the phase list,
 * what a phase id looks like, and what marks a heading-style phase complete.
 */

/**
 * Headings that open the section holding the phases, in priority order (the first kind present in a document
 * wins). Matched case-insensitively against the heading's text after leading numbering/emoji are removed.
 * A document with none of them (spec-kit or Kiro `tasks.md`) is searched whole.
 */
export const SECTION_HEADINGS: readonly RegExp[] = [
  /^implementation\s+strategy\b/i,
  /^implementation\s+plan\b/i,
  /^tasks\b/i,
]

/** `ISSUE-3`, `PROJ-12`, `AUTH_4`, `ISSUE-3.1`: letters, a dash or underscore, a number. */
const KEY_ID = String.raw`[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*[-_]\d+(?:\.\d+)*[a-z]?`
/** spec-kit task ids: `T001`, `T012`. */
const SPECKIT_ID = String.raw`T\d{2,}`
/** Kiro numbered tasks: `1`, `1.2`, `2.10` (written `1.` or `1.2`). Task items only, never headings. */
const NUMBER_ID = String.raw`\d{1,3}(?:\.\d{1,3})*`
/** An id must not run on into more word characters (`ISSUE-3` is not the start of `ISSUE-30`). */
const ID_END = String.raw`(?![A-Za-z0-9_%/])`
/** What may sit between an id and its title: `:`, `.`, `-`, `–`, `—`, `|`. */
const SEP = String.raw`\s*(?:[:.|\u2013\u2014-]\s*)?`
/** Words that may precede an id in a heading: `Phase 2 (ISSUE-3): Title`. */
const GROUP_WORD = String.raw`(?:phase|step|stage|milestone|part|sprint|iteration)\s+[A-Za-z0-9.]+`

/** Heading phases: `ISSUE-3: Title`, `ISSUE-3 - Title`, `ISSUE-3 — Title`, `[ISSUE-3] Title`. */
export const HEADING_PHASE = new RegExp(String.raw`^\[?(${KEY_ID})\]?${ID_END}${SEP}(.*)$`, 's')

/** Heading phases inside a group word: `Phase 2 (ISSUE-3): Title`, `Phase 2 — ISSUE-3: Title`. */
export const GROUPED_HEADING_PHASE = new RegExp(
  String.raw`^${GROUP_WORD}\s*(?:\(\s*(${KEY_ID})\s*\)|\[\s*(${KEY_ID})\s*\]|[:\u2013\u2014-]\s*\[?(${KEY_ID})\]?${ID_END})${SEP}(.*)$`,
  'is',
)

/**
 * Task-list phases (the checkbox is already removed): `ISSUE-3 Title`, `ISSUE-3: Title` (also written
 * `**ISSUE-3**: Title`), spec-kit `T012 [P] [US1] Title`, Kiro `1. Title` / `1.2 Title`.
 */
export const TASK_PHASE = new RegExp(
  String.raw`^\[?(${KEY_ID}|${SPECKIT_ID}|${NUMBER_ID})\]?${ID_END}${SEP}((?:\[[^\]\n]*\]\s*)*)(.*)$`,
  's',
)

/** Check marks accepted as completion markers on a heading. */
const CHECK = String.raw`(?:\u2705|\u2714\uFE0F?|\u2611\uFE0F?|\[[xX]\])`
const DONE_WORD = String.raw`(?:done|complete|completed)`

/**
 * Completion markers on a heading phase (the single documented set):
 * - a check mark before the id or after the title: `✅`, `✔`, `☑`, `[x]`
 *   (`### ✅ ISSUE-3: Title`, `### ISSUE-3: Title ✅`, `### [x] ISSUE-3: Title`);
 * - `(done)`, `(complete)`, `(completed)` after the title (optionally with a check mark inside);
 * - `— Complete` / `- Done` / `– Completed` after the title;
 * - a `Status: complete` / `Status: done` / `Status: ✅ ...` line directly under the heading
 *   (see {@link STATUS_LINE} and {@link STATUS_DONE}).
 */
export const HEADING_DONE_PREFIX = new RegExp(String.raw`^${CHECK}\s*`, 'u')
export const HEADING_DONE_SUFFIX = new RegExp(
  String.raw`(?:\s*(?:${CHECK}|\(\s*${CHECK}?\s*${DONE_WORD}\s*${CHECK}?\s*\)|[\u2013\u2014-]\s*${CHECK}?\s*${DONE_WORD}\b\.?))+\s*$`,
  'iu',
)

/** A `Status:` line (markdown emphasis already removed): captures the value. */
export const STATUS_LINE = /^\s*status\s*:\s*(.*)$/i
/** A status value that means the phase is complete. */
export const STATUS_DONE = new RegExp(String.raw`^(?:${CHECK}|(?:${CHECK}\s*)?${DONE_WORD}\b)`, 'iu')

/** The marker `markPhaseComplete` appends to a heading. */
export const HEADING_DONE_MARK = '\u2705'
