import { fromMarkdown } from 'mdast-util-from-markdown'
import type { Command } from './types.js'
import { idShape, sameId, sameShape, type IdShape } from './ids.js'

/**
 * Finds and parses the command in a comment body.
 *
 * Where the command may be: the trigger phrase (e.g. `/implement`, matched case-insensitively) must begin a
 * line, after optional spaces or tabs, and be followed by whitespace or the end of the line (`/implementation`
 * is not `/implement`). Lines inside fenced or indented code blocks, raw `<pre>`/`<script>`/`<style>`/
 * `<textarea>` blocks and HTML comments (`<!-- … -->`) do not count, and neither do quoted lines (a `>` line
 * never begins with the trigger). Markdown structure is read with mdast-util-from-markdown (CommonMark), so
 * "inside a code block" means exactly what GitHub renders as code. The first command line wins.
 *
 * Grammar of the command line, after the trigger:
 *
 *     [SPEC] ID [ID…] [notes…]
 *
 * - SPEC (optional, only BEFORE the ids, the seed's order `/implement docs/specs/x.md ISSUE-3`): a token
 *   containing `/` or ending in `.md`. Surrounding backticks or quotes are removed. A path after the ids is
 *   NOT a spec argument: it is part of the notes (`/implement ISSUE-3 src/a.ts needs care` must not turn
 *   `src/a.ts` into a spec).
 * - IDs (see ids.ts; every id form the spec parser finds: `ISSUE-3`, `ISSUE-3.1`, `AUTH_4`, `T012`, `1.2`):
 *   one or more consecutive id tokens, also `ISSUE-3,ISSUE-4` or `ISSUE-3, ISSUE-4`. Ids after the first must
 *   have the first one's shape (same key prefix including its `-`/`_`, or both `T…`, or both numbers), so
 *   `/implement ISSUE-3 ISSUE-4` and `/implement ISSUE-3.1 ISSUE-3.2` fan out while
 *   `/implement ISSUE-3 2 things to check` is one id plus notes. Ids are kept as typed; duplicates
 *   (whole id, case-insensitive: `ISSUE-3` ≠ `ISSUE-3.1` ≠ `ISSUE-30`) are dropped; order is kept.
 * - notes: the rest of the command line from the first token that is not an id, plus every following line,
 *   trimmed. Lines before the command line are not notes.
 *
 * Returns undefined when there is no command line. A command line without an id returns a Command whose
 * `issueIds` is empty (and whatever spec/notes it had), so the caller can reply with usage help.
 * Windows (`\r\n`) and old Mac (`\r`) line endings are accepted.
 *
 * `idsLike` (a pull request's head branch): only ids of that id's shape count as ids, so on the PR of `ISSUE-2`
 * `/implement 3 tests fail on Windows` is all notes; when `idsLike` is not an id, no token is an id.
 */
export function parseCommand(body: string, trigger: string, idsLike?: string): Command | undefined {
  const found = findCommand(body, trigger, idsLike)
  if (!found) return undefined
  const { specArg, issueIds, rest } = found.args
  const notes = [rest, ...found.lines.slice(found.index + 1)].join('\n').trim()
  return specArg === undefined ? { issueIds, notes } : { issueIds, specArg, notes }
}

/**
 * The comment as feedback: its command line reduced to the notes on it (the trigger, spec and ids removed), every
 * other line as written. The body unchanged when it has no command line.
 */
export function withoutCommand(body: string, trigger: string, idsLike?: string): string {
  const found = findCommand(body, trigger, idsLike)
  if (!found) return body
  const lines = found.lines.slice()
  lines[found.index] = found.args.rest
  return lines.join('\n').trim()
}

function findCommand(body: string, trigger: string, idsLike?: string) {
  const text = body.replace(/\r\n?/g, '\n')
  const lines = text.split('\n')
  const excluded = excludedLines(text)
  const head = new RegExp(`^[ \\t]*${escapeRegExp(trigger)}(?=[ \\t]|$)`, 'i')
  const like = idsLike === undefined ? undefined : (idShape(idsLike) ?? null)
  for (let i = 0; i < lines.length; i++) {
    if (excluded.has(i + 1)) continue
    const m = head.exec(lines[i])
    if (m) return { lines, index: i, args: parseArguments(lines[i].slice(m[0].length), like) }
  }
  return undefined
}

/** 1-based numbers of lines that cannot hold a command: code blocks, raw-text HTML blocks, HTML comments. */
function excludedLines(text: string): Set<number> {
  const out = new Set<number>()
  const add = (from: number, to: number): void => {
    for (let l = from; l <= to; l++) out.add(l)
  }
  const walk = (node: MdNode): void => {
    const pos = node.position
    if (pos && node.type === 'code') add(pos.start.line, pos.end.line)
    if (pos && node.type === 'html' && typeof node.value === 'string') {
      // The start line itself begins with `<` (or with text before an inline comment), so only the lines
      // after it can hide a command; excluding them keeps `/implement X <!-- … -->` working.
      if (/^<!--/.test(node.value)) add(pos.start.line + 1, pos.end.line)
      else if (/^<(?:pre|script|style|textarea)[\s>]/i.test(node.value)) add(pos.start.line, pos.end.line)
    }
    for (const child of node.children ?? []) walk(child)
  }
  walk(fromMarkdown(text) as MdNode)
  return out
}

interface MdNode {
  type: string
  value?: unknown
  position?: { start: { line: number }; end: { line: number } }
  children?: MdNode[]
}

/** `like`: the shape every id must have (null: nothing is an id); undefined: the first id sets it. */
function parseArguments(
  rest: string,
  like?: IdShape | null,
): { specArg?: string; issueIds: string[]; rest: string } {
  const tokens = [...rest.matchAll(/\S+/g)].map((m) => ({ text: m[0], index: m.index ?? 0 }))
  let t = 0
  let specArg: string | undefined
  if (t < tokens.length && idsIn(tokens[t].text) === undefined && looksLikeSpec(tokens[t].text)) {
    specArg = unquote(tokens[t].text)
    t++
  }
  const issueIds: string[] = []
  let shape: IdShape | undefined = like ?? undefined
  for (; like !== null && t < tokens.length; t++) {
    const found = idsIn(tokens[t].text, shape)
    if (!found) break
    shape ??= found.shape
    for (const id of found.ids) if (!issueIds.some((x) => sameId(x, id))) issueIds.push(id)
  }
  const restText = t < tokens.length ? rest.slice(tokens[t].index) : ''
  return specArg === undefined ? { issueIds, rest: restText } : { specArg, issueIds, rest: restText }
}

/**
 * The ids in one token (`ISSUE-3`, `ISSUE-3,`, `ISSUE-3,ISSUE-4`), all of one shape (`want`, when given);
 * undefined when the token is not made only of such ids.
 */
function idsIn(token: string, want?: IdShape): { ids: string[]; shape: IdShape } | undefined {
  const parts = token.split(',').filter((p) => p !== '')
  if (parts.length === 0) return undefined
  let shape = want
  for (const p of parts) {
    const s = idShape(p)
    if (!s || (shape && !sameShape(shape, s))) return undefined
    shape ??= s
  }
  return shape ? { ids: parts, shape } : undefined
}

function looksLikeSpec(token: string): boolean {
  const t = unquote(token)
  return t !== '' && (t.includes('/') || /\.md$/i.test(t))
}

function unquote(token: string): string {
  const m = /^([`'"])(.*)\1$/.exec(token)
  return m ? m[2] : token
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
