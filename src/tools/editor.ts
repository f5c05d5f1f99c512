import { constants as fsConstants } from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { ToolError } from './errors.js'
import { displayPath, refuseUnsafeKind, resolveToolPath } from './jail.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

/** Name the model calls the Anthropic-defined text editor by. */
export const EDITOR_TOOL_NAME = 'str_replace_based_edit_tool'

/** Longest view output sent back; beyond it the model is told to use view_range. */
const MAX_VIEW_CHARS = 60_000
/** Files above this size are not read whole. */
const MAX_FILE_BYTES = 5 * 1024 * 1024
const SNIPPET_LINES = 4
const MAX_DIR_ENTRIES = 1_000

/** An editor call, validated as far as it can be without looking at the file. */
export type EditorInput =
  /** `range` is checked against the file (and refused for a directory) when the call runs. */
  | { command: 'view'; path: string; range?: unknown }
  | { command: 'create'; path: string; fileText: string }
  | { command: 'str_replace'; path: string; oldStr: string; newStr: string }
  | { command: 'insert'; path: string; insertLine: number; text: string }

interface RawEditorInput {
  command?: unknown
  path?: unknown
  view_range?: unknown
  file_text?: unknown
  old_str?: unknown
  new_str?: unknown
  insert_line?: unknown
  insert_text?: unknown
}

/**
 * The Anthropic text editor (`text_editor_20250728`): view, create, str_replace and insert, jailed to the
 * workspace. Messages follow the reference implementation so the model sees what it was trained on.
 */
export function createEditorTool(): Tool<EditorInput> {
  return {
    name: EDITOR_TOOL_NAME,
    definition: { type: 'text_editor_20250728', name: EDITOR_TOOL_NAME },
    parse: (raw) => parseEditor((raw ?? {}) as RawEditorInput),
    isReadOnly: (input) => input.command === 'view',
    summarize: summarizeEditor,
    run: runEditor,
  }
}

const COMMANDS = 'view, create, str_replace, insert'

function parseEditor(input: RawEditorInput): EditorInput {
  const command = input.command
  // Checked first: without it no other parameter can be judged (and `undefined` would read as a command name).
  if (input.command === undefined || input.command === null || input.command === '') {
    throw new ToolError(`Parameter \`command\` is required: one of ${COMMANDS}.`)
  }
  const given = typeof input.path === 'string' ? input.path : ''
  if (!given) throw new ToolError('Parameter `path` is required.')
  switch (command) {
    case 'view':
      return input.view_range === undefined || input.view_range === null
        ? { command, path: given }
        : { command, path: given, range: input.view_range }
    case 'create':
      if (typeof input.file_text !== 'string')
        throw new ToolError('Parameter `file_text` is required for command: create')
      return { command, path: given, fileText: input.file_text }
    case 'str_replace':
      return { command, path: given, ...parseReplacement(input.old_str, input.new_str) }
    case 'insert':
      return {
        command,
        path: given,
        ...parseInsertion(input.insert_line, input.insert_text ?? input.new_str),
      }
    case 'undo_edit':
      throw new ToolError(
        'undo_edit is not supported by this editor version; use str_replace to revert a change.',
      )
    default:
      throw new ToolError(
        `Unrecognized command ${JSON.stringify(command)}. The allowed commands are: ${COMMANDS}.`,
      )
  }
}

function parseReplacement(oldStr: unknown, newStr: unknown): { oldStr: string; newStr: string } {
  if (typeof oldStr !== 'string')
    throw new ToolError('Parameter `old_str` is required for command: str_replace')
  if (oldStr === '')
    throw new ToolError('Parameter `old_str` must not be empty; use `insert` or `create` to add text.')
  if (newStr !== undefined && newStr !== null && typeof newStr !== 'string') {
    throw new ToolError('Parameter `new_str` must be a string.')
  }
  return { oldStr, newStr: typeof newStr === 'string' ? newStr : '' }
}

function parseInsertion(insertLine: unknown, text: unknown): { insertLine: number; text: string } {
  if (typeof insertLine !== 'number' || !Number.isInteger(insertLine)) {
    throw new ToolError('Parameter `insert_line` is required for command: insert')
  }
  if (typeof text !== 'string') throw new ToolError('Parameter `insert_text` is required for command: insert')
  return { insertLine, text }
}

/** `view src/app.ts [1, 20]`, `insert src/app.ts after line 3`, `create src/new.ts`. */
function summarizeEditor(input: EditorInput): string {
  const extra =
    input.command === 'view' && Array.isArray(input.range)
      ? ` [${(input.range as unknown[]).join(', ')}]`
      : input.command === 'insert'
        ? ` after line ${input.insertLine}`
        : ''
  return `${input.command} ${input.path}${extra}`
}

function runEditor(input: EditorInput, ctx: ToolContext): Promise<ToolOutcome> {
  switch (input.command) {
    case 'view':
      return view(ctx, input.path, input.range)
    case 'create':
      return create(ctx, input.path, input.fileText)
    case 'str_replace':
      return strReplace(ctx, input.path, input.oldStr, input.newStr)
    case 'insert':
      return insert(ctx, input.path, input.insertLine, input.text)
  }
}

async function view(ctx: ToolContext, given: string, range: unknown): Promise<ToolOutcome> {
  const abs = resolveToolPath(ctx.workspace, given, { forWrite: false })
  const st = await statOrMissing(abs, given)
  if (st.isDirectory()) {
    if (range !== undefined && range !== null) {
      throw new ToolError('The `view_range` parameter is not allowed when `path` points to a directory.')
    }
    const entries = await listDirectory(abs, 2)
    const shown = entries.slice(0, MAX_DIR_ENTRIES)
    const rel = displayPath(ctx.workspace, abs)
    const lines = shown.map((e) => (rel === '.' ? e : `${rel}/${e}`))
    const more =
      entries.length > shown.length ? `\n… ${entries.length - shown.length} more entries not shown` : ''
    return {
      content:
        `Here's the files and directories up to 2 levels deep in ${given}, excluding hidden items and ` +
        `node_modules:\n${lines.join('\n')}${more}\n`,
    }
  }
  const text = await readText(abs, given, st)
  const lines = splitLines(text)
  let start = 1
  let end = lines.length
  if (range !== undefined && range !== null) {
    if (!Array.isArray(range) || range.length !== 2 || !range.every((n) => Number.isInteger(n))) {
      throw new ToolError('Invalid `view_range`. It should be a list of two integers.')
    }
    const [a, b] = range as [number, number]
    const n = lines.length
    if (a < 1 || a > Math.max(n, 1)) {
      throw new ToolError(
        `Invalid \`view_range\`: [${a}, ${b}]. Its first element \`${a}\` should be within the range of lines of the file: [1, ${n}]`,
      )
    }
    if (b !== -1 && b > n) {
      throw new ToolError(
        `Invalid \`view_range\`: [${a}, ${b}]. Its second element \`${b}\` should be smaller than the number of lines in the file: \`${n}\``,
      )
    }
    if (b !== -1 && b < a) {
      throw new ToolError(
        `Invalid \`view_range\`: [${a}, ${b}]. Its second element \`${b}\` should be larger or equal than its first \`${a}\``,
      )
    }
    start = a
    end = b === -1 ? n : b
  }
  let body = numbered(lines.slice(start - 1, end), start)
  if (body.length > MAX_VIEW_CHARS) {
    const cut = body.lastIndexOf('\n', MAX_VIEW_CHARS)
    body =
      body.slice(0, cut > 0 ? cut : MAX_VIEW_CHARS) +
      `\n<response clipped: the file is too long to show whole (${lines.length} lines). ` +
      'Use `view_range` to view the rest, or grep to find what you need.>'
  }
  return { content: `Here's the result of running \`cat -n\` on ${given}:\n${body}\n` }
}

async function create(ctx: ToolContext, given: string, fileText: string): Promise<ToolOutcome> {
  const abs = resolveToolPath(ctx.workspace, given, { forWrite: true })
  const st = await fs.stat(abs).catch(() => undefined)
  if (st?.isDirectory())
    throw new ToolError(`The path ${given} is a directory; \`create\` needs a file path.`)
  await fs.mkdir(path.dirname(abs), { recursive: true })
  await writeChecked(abs, given, fileText)
  return { content: `File ${st ? 'overwritten' : 'created'} successfully at: ${given}` }
}

async function strReplace(
  ctx: ToolContext,
  given: string,
  oldStr: string,
  newStr: string,
): Promise<ToolOutcome> {
  const abs = resolveToolPath(ctx.workspace, given, { forWrite: true })
  const st = await statOrMissing(abs, given)
  if (st.isDirectory()) throw new ToolError(`The path ${given} is a directory; \`str_replace\` needs a file.`)
  const text = await readText(abs, given, st)
  let from = oldStr
  let to = newStr
  // A CRLF file edited with LF strings: match it the way the model meant.
  if (!text.includes(from) && text.includes('\r\n') && !from.includes('\r\n')) {
    const crlf = from.replace(/\n/g, '\r\n')
    if (text.includes(crlf)) {
      from = crlf
      to = to.replace(/\r?\n/g, '\r\n')
    }
  }
  const occurrences = indicesOf(text, from)
  if (occurrences.length === 0) {
    throw new ToolError(
      `No replacement was performed, old_str \`${oldStr}\` did not appear verbatim in ${given}.`,
    )
  }
  if (occurrences.length > 1) {
    const lines = occurrences.map((i) => lineOf(text, i))
    throw new ToolError(
      `No replacement was performed. Multiple occurrences of old_str \`${oldStr}\` in lines ${lines.join(', ')}. ` +
        'Please ensure it is unique',
    )
  }
  const at = occurrences[0]
  const updated = text.slice(0, at) + to + text.slice(at + from.length)
  await writeChecked(abs, given, updated)
  const line = lineOf(text, at)
  const newLines = splitLines(updated)
  const first = Math.max(1, line - SNIPPET_LINES)
  const last = Math.min(newLines.length, line + SNIPPET_LINES + to.split('\n').length - 1)
  return {
    content:
      `The file ${given} has been edited. Here's the result of running \`cat -n\` on a snippet of ${given}:\n` +
      `${numbered(newLines.slice(first - 1, last), first)}\n` +
      'Review the changes and make sure they are as expected. Edit the file again if necessary.',
  }
}

async function insert(
  ctx: ToolContext,
  given: string,
  insertLine: number,
  text: string,
): Promise<ToolOutcome> {
  const abs = resolveToolPath(ctx.workspace, given, { forWrite: true })
  const st = await statOrMissing(abs, given)
  if (st.isDirectory()) throw new ToolError(`The path ${given} is a directory; \`insert\` needs a file.`)
  const content = await readText(abs, given, st)
  const eol = content.includes('\r\n') ? '\r\n' : '\n'
  const lines = splitLines(content)
  const n = lines.length
  if (insertLine < 0 || insertLine > n) {
    throw new ToolError(
      `Invalid \`insert_line\` parameter: ${insertLine}. It should be within the range of lines of the file: [0, ${n}]`,
    )
  }
  // Work on the raw text so the file's other lines (and their endings) stay byte-for-byte as they were.
  let block = text.replace(/\r?\n/g, eol)
  if (block !== '' && !block.endsWith(eol)) block += eol
  let offset = lineStart(content, insertLine)
  if (block !== '' && insertLine === n && content !== '' && !content.endsWith('\n')) {
    block = eol + block.slice(0, block.length - eol.length)
    offset = content.length
  }
  const updated = content.slice(0, offset) + block + content.slice(offset)
  const updatedLines = splitLines(updated)
  const inserted = splitLines(block)
  await writeChecked(abs, given, updated)
  const first = Math.max(1, insertLine - SNIPPET_LINES + 1)
  const last = Math.min(updatedLines.length, insertLine + inserted.length + SNIPPET_LINES)
  return {
    content:
      `The file ${given} has been edited. Here's the result of running \`cat -n\` on a snippet of the edited file:\n` +
      `${numbered(updatedLines.slice(first - 1, last), first)}\n` +
      'Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). ' +
      'Edit the file again if necessary.',
  }
}

async function statOrMissing(abs: string, given: string): Promise<import('node:fs').Stats> {
  try {
    return await fs.stat(abs)
  } catch {
    throw new ToolError(`The path ${given} does not exist. Please provide a valid path.`)
  }
}

async function readText(abs: string, given: string, st: import('node:fs').Stats): Promise<string> {
  if (!st.isFile()) throw new ToolError(`The path ${given} is not a regular file.`)
  if (st.size > MAX_FILE_BYTES) {
    throw new ToolError(
      `The file ${given} is ${Math.round(st.size / 1024)} KiB, too large for the editor. ` +
        'Use bash (head, sed -n, grep) to read parts of it.',
    )
  }
  const buf = await readChecked(abs, given)
  if (buf.subarray(0, 8192).includes(0)) {
    throw new ToolError(`The file ${given} is binary; the editor only handles text files.`)
  }
  return buf.toString('utf8')
}

/**
 * Flags for opening what resolveToolPath allowed: never through a symlink (one swapped in after the check),
 * never blocking (a FIFO swapped in opens at once, or fails, instead of hanging the run). O_NOFOLLOW does not
 * exist on Windows, where creating symlinks needs a privilege.
 */
const NOFOLLOW = (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0)

/**
 * Opens `abs` and checks the descriptor itself (regular file, one link; see jail.ts refuseUnsafeKind), so what
 * is read or written is what was checked even if the path changed since resolveToolPath looked at it.
 */
async function openChecked(abs: string, given: string, flags: number): Promise<fs.FileHandle> {
  let fh: fs.FileHandle
  try {
    fh = await fs.open(abs, flags | NOFOLLOW, 0o666)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw new ToolError(`The path ${given} became a symlink; refusing to follow it.`)
    if (code === 'ENXIO' || code === 'EAGAIN') {
      throw new ToolError(`The path ${given} is not a regular file or directory; only those can be used.`)
    }
    throw err
  }
  try {
    refuseUnsafeKind(await fh.stat(), given)
  } catch (err) {
    await fh.close()
    throw err
  }
  return fh
}

async function readChecked(abs: string, given: string): Promise<Buffer> {
  const fh = await openChecked(abs, given, fsConstants.O_RDONLY)
  try {
    return await fh.readFile()
  } finally {
    await fh.close()
  }
}

/** Writes `text` into `abs` (created if missing), through a checked descriptor. */
async function writeChecked(abs: string, given: string, text: string): Promise<void> {
  const fh = await openChecked(abs, given, fsConstants.O_WRONLY | fsConstants.O_CREAT)
  try {
    await fh.truncate(0)
    await fh.writeFile(text, 'utf8') // from offset 0: the descriptor is fresh
  } finally {
    await fh.close()
  }
}

/** Lines of a text, without the empty string after a final newline. */
function splitLines(text: string): string[] {
  if (text === '') return []
  const lines = text.split(/\r?\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

function numbered(lines: string[], firstLine: number): string {
  return lines.map((l, i) => `${String(i + firstLine).padStart(6)}\t${l}`).join('\n')
}

function indicesOf(text: string, needle: string): number[] {
  const out: number[] = []
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + 1)) out.push(i)
  return out
}

/** Offset where line `index + 1` starts (the text's length past the last line). */
function lineStart(text: string, index: number): number {
  let offset = 0
  for (let i = 0; i < index; i++) {
    const nl = text.indexOf('\n', offset)
    if (nl === -1) return text.length
    offset = nl + 1
  }
  return offset
}

function lineOf(text: string, index: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++
  return line
}

/** Entries up to `depth` levels below `dir` (relative, sorted, directories with a trailing slash). */
async function listDirectory(dir: string, depth: number, prefix = ''): Promise<string[]> {
  let entries: import('node:fs').Dirent[]
  try {
    entries = await fs.readdir(dir, { withFileTypes: true })
  } catch {
    return []
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const out: string[] = []
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue
    const rel = prefix + e.name
    if (e.isDirectory()) {
      out.push(`${rel}/`)
      if (depth > 1) out.push(...(await listDirectory(path.join(dir, e.name), depth - 1, `${rel}/`)))
    } else {
      out.push(rel)
    }
    if (out.length > MAX_DIR_ENTRIES * 2) break
  }
  return out
}
