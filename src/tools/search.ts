import fs from 'node:fs'
import { ToolError } from './errors.js'
import { compileMatcher } from './glob-match.js'
import { displayPath, resolveToolPath } from './jail.js'
import type { ProcessResult, RecordSink } from '../sandbox/types.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

const MAX_GLOB_RESULTS = 500
const MAX_GREP_LINES = 300
const MAX_GREP_LINE_CHARS = 400
const MAX_GREP_CHARS = 30_000
const GIT_TIMEOUT_MS = 60_000
/** Characters of one record of git's output (a path, a matching line) that are read; the rest of it is skipped. */
const MAX_RECORD_CHARS = 64 * 1024
/**
 * An index file that cannot exist (nothing can be created in /proc/self): given it, git sees an empty index, so
 * `ls-files --others` lists every file of the working tree that git does not ignore, tracked or not.
 */
const NO_INDEX = '/proc/self/implement-action-no-index'
/**
 * What GNU's extended regexes read otherwise than Perl-compatible ones: the escapes \< \> \` \' (to Perl, the plain
 * character) and `{,n}` (to PCRE2 before 10.43, plain text).
 */
const POSIX_ONLY = /(?:^|[^\\])(?:\\\\)*(?:\\[<>`']|\{,)/

export interface GlobInput {
  pattern: string
  /** Directory to search, as the model gave it (absent: the repository root). */
  path?: string
}

export interface GrepInput {
  pattern: string
  /** File or directory to search, as the model gave it (absent: the repository root). */
  path?: string
  /** As the model gave it (trimmed when the search is built). */
  glob?: string
  ignoreCase: boolean
}

/** `glob`: lists the working tree's files that git does not ignore (tracked or not) whose paths match a pattern. */
export function createGlobTool(): Tool<GlobInput> {
  return {
    name: 'glob',
    definition: {
      name: 'glob',
      description:
        'List files in the repository whose paths match a glob pattern (**, *, ?, [abc], {a,b}). Covers the ' +
        "files in the working tree that git does not ignore, tracked or untracked. A pattern without '/' matches " +
        'file names at any depth. Paths are relative to the repository root, sorted; at most 500 are returned.',
      input_schema: {
        type: 'object',
        properties: {
          pattern: { type: 'string', description: 'Glob, e.g. "src/**/*.ts" or "*.{yml,yaml}".' },
          path: { type: 'string', description: 'Directory to search in (default: the repository root).' },
        },
        required: ['pattern'],
      },
    },
    parse(raw) {
      const input = (raw ?? {}) as { pattern?: unknown; path?: unknown }
      if (typeof input.pattern !== 'string' || input.pattern.trim() === '') {
        throw new ToolError('Parameter `pattern` is required.')
      }
      const parsed: GlobInput = { pattern: input.pattern }
      return withPath(parsed, input.path)
    },
    isReadOnly: () => true,
    summarize: (input) => `${input.pattern}${input.path ? ` in ${input.path}` : ''}`,
    run: runGlob,
  }
}

/** `grep`: searches file contents with a regular expression (git grep, Perl-compatible where it can). */
export function createGrepTool(): Tool<GrepInput> {
  return {
    name: 'grep',
    definition: {
      name: 'grep',
      description:
        "Search file contents with a regular expression (grep -E syntax, and Perl's where git has it: \\d, " +
        '\\s, lookarounds) over tracked and untracked, not git-ignored, text files. Returns "path:line:text" ' +
        'lines (at most 300), paths relative to the repository root.',
      input_schema: {
        type: 'object',
        properties: {
          pattern: {
            type: 'string',
            description:
              'Regular expression: extended (as grep -E), with Perl syntax such as \\d where git has it.',
          },
          path: {
            type: 'string',
            description: 'File or directory to search (default: the repository root).',
          },
          glob: {
            type: 'string',
            description: 'Only files matching this glob, e.g. "*.ts" or "src/**/*.py".',
          },
          ignore_case: { type: 'boolean', description: 'Case-insensitive match.' },
        },
        required: ['pattern'],
      },
    },
    parse(raw) {
      const input = (raw ?? {}) as {
        pattern?: unknown
        path?: unknown
        glob?: unknown
        ignore_case?: unknown
      }
      if (typeof input.pattern !== 'string' || input.pattern === '')
        throw new ToolError('Parameter `pattern` is required.')
      if (input.glob !== undefined && typeof input.glob !== 'string')
        throw new ToolError('`glob` must be a string.')
      const parsed: GrepInput = { pattern: input.pattern, ignoreCase: input.ignore_case === true }
      if (input.glob !== undefined) parsed.glob = input.glob
      return withPath(parsed, input.path)
    },
    isReadOnly: () => true,
    summarize: (input) =>
      `/${input.pattern}/${input.path ? ` in ${input.path}` : ''}${input.glob ? ` (${input.glob})` : ''}`,
    run: runGrep,
  }
}

/** `input` with the `path` the model gave, if any (absent, null and '' mean the repository root). */
function withPath<T extends { path?: string }>(input: T, p: unknown): T {
  if (p === undefined || p === null || p === '') return input
  if (typeof p !== 'string') throw new ToolError('`path` must be a string.')
  return { ...input, path: p }
}

async function runGlob(input: GlobInput, ctx: ToolContext): Promise<ToolOutcome> {
  const dir = searchRoot(ctx, input.path, false)
  const matches = compileMatcher(input.pattern)
  const prefix = displayPath(ctx.workspace, dir)
  const found: string[] = []
  // Against an empty index, `--others` is one walk of the working tree listing every file on disk that git does
  // not ignore, tracked or not, sorted: a file deleted from the working tree is not on it, and nothing is looked
  // up file by file. Past the results shown, git is stopped.
  const { code, stderr, truncated } = await git(
    [
      '-c',
      'core.quotepath=off',
      'ls-files',
      '--others',
      '--exclude-standard',
      '-z',
      '--',
      ...globPathspecs(input.pattern),
    ],
    dir,
    ctx,
    {
      separator: '\0',
      take(entry) {
        // A nested repository (a submodule) is listed as its directory: named without the slash, as the index does.
        const rel = entry.endsWith('/') ? entry.slice(0, -1) : entry
        if (!rel || !matches(rel)) return true
        if (found.length === MAX_GLOB_RESULTS) return false
        found.push(prefix === '.' ? rel : `${prefix}/${rel}`)
        return true
      },
    },
    { GIT_INDEX_FILE: NO_INDEX },
  )
  if (code !== 0 && !truncated)
    throw new ToolError(`git ls-files failed: ${stderr.trim() || `exit code ${code}`}`)
  if (found.length === 0)
    return { content: `No files match \`${input.pattern}\`${prefix === '.' ? '' : ` in ${prefix}`}.` }
  const more = truncated ? '\n[more files not shown; narrow the pattern or the path]' : ''
  return { content: found.sort().join('\n') + more }
}

/**
 * Pathspecs that narrow git's walk to what may match `pattern` (a superset: the matcher decides), for the simple
 * patterns whose git glob means the same; none (everything listed) for the rest.
 */
function globPathspecs(pattern: string): string[] {
  let p = pattern.trim()
  const anchored = p.startsWith('./') || p.startsWith('/')
  p = p.replace(/^\.?\/+/, '')
  const segments = p.split('/')
  const simple =
    /^[\w.*?/-]+$/.test(p) &&
    segments.every((s) => s !== '' && s !== '.' && s !== '..' && (s === '**' || !s.includes('**')))
  if (!simple) return []
  return [`:(glob)${anchored || p.includes('/') ? '' : '**/'}${p}`]
}

async function runGrep(input: GrepInput, ctx: ToolContext): Promise<ToolOutcome> {
  const target = searchRoot(ctx, input.path, true)
  const pathspecs = grepPathspecs(displayPath(ctx.workspace, target), input.glob)
  // Perl-compatible regexes are many times faster than git's POSIX ones and read a POSIX pattern the same way but
  // for a few pieces (POSIX_ONLY); a pattern they refuse, or a git built without them, is searched as POSIX.
  const perl = !POSIX_ONLY.test(input.pattern)
  let found = await gitGrep(perl ? '-P' : '-E', input, pathspecs, ctx)
  if (found.failed !== undefined && perl) found = await gitGrep('-E', input, pathspecs, ctx)
  if (found.failed !== undefined) throw new ToolError(`grep failed: ${found.failed}`)
  if (found.lines.length === 0) return { content: 'No matches.' }
  const note = found.more ? '\n[more matching lines not shown; narrow the pattern, path or glob]' : ''
  return { content: found.lines.join('\n') + note }
}

/** The pathspecs of a search of `base` (the target as displayed), limited to `glob` if given. */
function grepPathspecs(base: string, glob: string | undefined): string[] {
  const g = glob?.trim().replace(/^\.?\//, '') ?? ''
  const prefix = base === '.' ? '' : `${base}/`
  if (g) return [`:(glob)${prefix}${g.includes('/') ? '' : '**/'}${g}`]
  return base === '.' ? [] : [`:(literal)${base}`]
}

interface GrepFound {
  /** "path:line:text" lines, in git's order (by path, then line), each shortened to be shown. */
  lines: string[]
  /** More lines matched than are shown: git was stopped there. */
  more: boolean
  /** Why git could not search (a bad pattern, for one). */
  failed?: string
}

/** One git grep, read until what is shown is full (then git is stopped). */
async function gitGrep(
  syntax: '-P' | '-E',
  input: GrepInput,
  pathspecs: string[],
  ctx: ToolContext,
): Promise<GrepFound> {
  const args = [
    '-c',
    'core.quotepath=off',
    'grep',
    '-n',
    '-I',
    syntax,
    '--untracked',
    '--full-name',
    '--no-color',
  ]
  if (input.ignoreCase) args.push('-i')
  args.push('-e', input.pattern, '--', ...pathspecs)
  const lines: string[] = []
  let chars = 0
  const { code, stderr, truncated } = await git(args, ctx.workspace, ctx, {
    separator: '\n',
    take(line) {
      const l = line.length > MAX_GREP_LINE_CHARS ? `${line.slice(0, MAX_GREP_LINE_CHARS)}…` : line
      if (lines.length >= MAX_GREP_LINES || chars + l.length > MAX_GREP_CHARS) return false
      lines.push(l)
      chars += l.length + 1
      return true
    },
  })
  if (truncated || code === 0 || code === 1) return { lines, more: truncated }
  return { lines: [], more: false, failed: stderr.trim() || `git grep exited with ${code}` }
}

/** The directory (or, when files are allowed, file) to search, jailed to the workspace. */
function searchRoot(ctx: ToolContext, p: string | undefined, allowFile: boolean): string {
  if (p === undefined) return ctx.workspace
  const abs = resolveToolPath(ctx.workspace, p, { forWrite: false })
  let st: fs.Stats
  try {
    st = fs.statSync(abs)
  } catch {
    throw new ToolError(`The path ${p} does not exist.`)
  }
  if (!st.isDirectory() && !(allowFile && st.isFile()))
    throw new ToolError(`The path ${p} is not a directory.`)
  return abs
}

interface GitRun {
  /** Exit code; null when git was stopped because the sink had enough. */
  code: number | null
  stderr: string
  /** The sink took no more: git was stopped there. */
  truncated: boolean
}

/**
 * Runs git in the sandbox, its output handed record by record to `sink` until it takes no more (then git is
 * stopped). Its exit code is returned; a timeout, an abort or a failed start throws.
 */
async function git(
  args: string[],
  cwd: string,
  ctx: ToolContext,
  sink: RecordSink,
  env: Record<string, string> = {},
): Promise<GitRun> {
  const r = await ctx.sandbox.spawn({
    argv: ['git', ...args],
    cwd,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', ...env },
    timeoutMs: GIT_TIMEOUT_MS,
    maxOutput: MAX_RECORD_CHARS,
    capture: 'stdout',
    records: sink,
    signal: ctx.signal,
  })
  if (r.truncated) return { code: null, stderr: r.stderr, truncated: true }
  if (!r.spawnError && !r.timedOut && !r.aborted && r.code !== null)
    return { code: r.code, stderr: r.stderr, truncated: false }
  const sub = args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''
  throw new ToolError(`git ${sub} failed: ${r.stderr.trim() || gitFailure(r, args)}`)
}

/** Why git failed when it said nothing on stderr (the texts Node's execFile gave when git ran through it). */
function gitFailure(r: ProcessResult, args: string[]): string {
  if (r.spawnError) return r.output.trim()
  if (r.aborted) return 'The operation was aborted'
  return `Command failed: git ${args.join(' ')}`
}
