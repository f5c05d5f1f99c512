import fs from 'node:fs'
import path from 'node:path'
import { ToolError } from './errors.js'
import { compileMatcher } from './glob-match.js'
import { displayPath, resolveToolPath } from './jail.js'
import type { ProcessResult } from '../sandbox/types.js'
import type { Tool, ToolContext, ToolOutcome } from './types.js'

const MAX_GLOB_RESULTS = 500
const MAX_GREP_LINES = 300
const MAX_GREP_LINE_CHARS = 400
const MAX_GREP_CHARS = 30_000
const GIT_TIMEOUT_MS = 60_000
/** Characters of git output read; past them git is stopped and its output cut after the last whole entry. */
const MAX_GIT_OUTPUT = 8 * 1024 * 1024

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

/** `glob`: lists repository files (tracked and untracked, not ignored) whose paths match a pattern. */
export function createGlobTool(): Tool<GlobInput> {
  return {
    name: 'glob',
    definition: {
      name: 'glob',
      description:
        'List files in the repository whose paths match a glob pattern (**, *, ?, [abc], {a,b}). Covers tracked ' +
        "and untracked files, not git-ignored ones. A pattern without '/' matches file names at any depth. Paths " +
        'are relative to the repository root; at most 500 are returned.',
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

/** `grep`: searches file contents with an extended regular expression (git grep -E). */
export function createGrepTool(): Tool<GrepInput> {
  return {
    name: 'grep',
    definition: {
      name: 'grep',
      description:
        'Search file contents with an extended regular expression (git grep -E) over tracked and untracked, ' +
        'not git-ignored, text files. Returns "path:line:text" lines (at most 300), paths relative to the ' +
        'repository root.',
      input_schema: {
        type: 'object',
        properties: {
          pattern: { type: 'string', description: 'Extended regular expression (POSIX ERE, as grep -E).' },
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
  const { stdout } = await git(
    ['-c', 'core.quotepath=off', 'ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    dir,
    ctx,
  )
  const matches = compileMatcher(input.pattern)
  const prefix = displayPath(ctx.workspace, dir)
  const found = new Set<string>()
  for (const rel of stdout.split('\0')) {
    if (!rel || !matches(rel)) continue
    if (!fs.existsSync(path.join(dir, rel))) continue // deleted in the working tree
    found.add(prefix === '.' ? rel : `${prefix}/${rel}`)
  }
  const sorted = [...found].sort()
  if (sorted.length === 0)
    return { content: `No files match \`${input.pattern}\`${prefix === '.' ? '' : ` in ${prefix}`}.` }
  const shown = sorted.slice(0, MAX_GLOB_RESULTS)
  const more =
    sorted.length > shown.length
      ? `\n[${sorted.length - shown.length} more files not shown; narrow the pattern or the path]`
      : ''
  return { content: shown.join('\n') + more }
}

async function runGrep(input: GrepInput, ctx: ToolContext): Promise<ToolOutcome> {
  const target = searchRoot(ctx, input.path, true)
  const base = displayPath(ctx.workspace, target)
  const pathspecs: string[] = []
  const glob = input.glob?.trim().replace(/^\.?\//, '') ?? ''
  const prefix = base === '.' ? '' : `${base}/`
  if (glob) pathspecs.push(`:(glob)${prefix}${glob.includes('/') ? '' : '**/'}${glob}`)
  else if (base !== '.') pathspecs.push(`:(literal)${base}`)
  const args = [
    '-c',
    'core.quotepath=off',
    'grep',
    '-n',
    '-I',
    '-E',
    '--untracked',
    '--full-name',
    '--no-color',
  ]
  if (input.ignoreCase) args.push('-i')
  args.push('-e', input.pattern, '--', ...pathspecs)
  const { stdout, stderr, code, truncated } = await git(args, ctx.workspace, ctx, true)
  if (code === 1 && !stdout) return { content: 'No matches.' }
  if (code !== 0 && code !== 1 && !truncated) {
    throw new ToolError(`grep failed: ${stderr.trim() || `git grep exited with ${code}`}`)
  }
  const lines = stdout.split('\n').filter((l) => l !== '')
  const out: string[] = []
  let chars = 0
  for (const line of lines) {
    const l = line.length > MAX_GREP_LINE_CHARS ? `${line.slice(0, MAX_GREP_LINE_CHARS)}…` : line
    if (out.length >= MAX_GREP_LINES || chars + l.length > MAX_GREP_CHARS) break
    out.push(l)
    chars += l.length + 1
  }
  const omitted = lines.length - out.length
  const note =
    omitted > 0 || truncated
      ? `\n[${truncated ? 'more' : omitted} matching lines not shown; narrow the pattern, path or glob]`
      : ''
  return { content: out.join('\n') + note }
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

interface GitOutput {
  stdout: string
  stderr: string
  code: number
  truncated: boolean
}

/**
 * Runs git in the sandbox; exit codes are returned when `tolerate` is set, else a non-zero exit throws. A
 * timeout, an abort or a failed start always throws. Past MAX_GIT_OUTPUT, git is stopped and what it listed up
 * to its last whole entry counts as a success, marked `truncated`.
 */
async function git(args: string[], cwd: string, ctx: ToolContext, tolerate = false): Promise<GitOutput> {
  const r = await ctx.sandbox.spawn({
    argv: ['git', ...args],
    cwd,
    env: { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' },
    timeoutMs: GIT_TIMEOUT_MS,
    maxOutput: MAX_GIT_OUTPUT,
    capture: 'stdout',
    signal: ctx.signal,
  })
  if (r.truncated) {
    const end = Math.max(r.output.lastIndexOf('\n'), r.output.lastIndexOf('\0')) + 1
    return { stdout: r.output.slice(0, end), stderr: r.stderr, code: 0, truncated: true }
  }
  const ran = !r.spawnError && !r.timedOut && !r.aborted && r.code !== null
  if (ran && (r.code === 0 || tolerate))
    return { stdout: r.output, stderr: r.stderr, code: r.code!, truncated: false }
  const sub = args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''
  throw new ToolError(`git ${sub} failed: ${r.stderr.trim() || gitFailure(r, args)}`)
}

/** Why git failed when it said nothing on stderr (the texts Node's execFile gave when git ran through it). */
function gitFailure(r: ProcessResult, args: string[]): string {
  if (r.spawnError) return r.output.trim()
  if (r.aborted) return 'The operation was aborted'
  return `Command failed: git ${args.join(' ')}`
}
