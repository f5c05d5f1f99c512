/**
 * The repository's own instructions for agents: `AGENTS.md` and `CLAUDE.md` at its root, read from the base
 * checkout before the phase's branch is checked out, so nothing a model wrote on that branch can instruct the
 * next run. They go into the system prompt, capped in size.
 */
import { open, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'
import { resolveInWorkspace } from '../paths.js'

/** The files read, in this order (the cross-agent convention first, then Claude Code's own). */
export const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'] as const
/** Characters of each file kept; the rest is cut with a note (a whole handbook would crowd out the task). */
export const MAX_INSTRUCTION_CHARS = 20_000

export interface RepoInstructions {
  /** The file's name at the root. */
  name: string
  text: string
  /** The file was longer than {@link MAX_INSTRUCTION_CHARS}. */
  truncated: boolean
  /** Another file of the list that is the same file (a symlink such as CLAUDE.md → AGENTS.md). */
  sameAs?: string
}

export interface ReadInstructions {
  files: RepoInstructions[]
  /** Files that exist but were not used, and why (for the log and the tracking comment). */
  skipped: string[]
}

/**
 * Reads the instruction files at the workspace's root. A file that is missing or empty is left out; one that is
 * not a regular file inside the repository (a symlink out of it, into `.git`, a directory) is skipped and named.
 */
export async function readInstructions(workspace: string): Promise<ReadInstructions> {
  const out: ReadInstructions = { files: [], skipped: [] }
  const seen = new Map<string, string>()
  for (const name of INSTRUCTION_FILES) {
    try {
      await readOne(workspace, name, seen, out)
    } catch (err) {
      // A link loop, a file the runner may not read: the run goes on without it, and says so.
      const why =
        err instanceof UserError ? 'points outside the repository' : `could not be read (${errorCode(err)})`
      out.skipped.push(`\`${name}\` ${why}, so it was not used.`)
    }
  }
  return out
}

/** Reads one file into `out` (or records why not); throws when it cannot be resolved or read. */
async function readOne(
  workspace: string,
  name: string,
  seen: Map<string, string>,
  out: ReadInstructions,
): Promise<void> {
  const file = await resolveInWorkspace(workspace, name, `\`${name}\``)
  if (!file) return
  // Where a link leads, not the name it was reached by: a link into `.git` is git's state, not instructions.
  const real = path.relative(await realpath(workspace), file.abs).split(path.sep)
  if (real.includes('.git') || !(await stat(file.abs)).isFile()) {
    out.skipped.push(`\`${name}\` is not a regular file of the repository, so it was not used.`)
    return
  }
  const same = seen.get(file.abs)
  if (same) {
    out.files.push({ name, text: '', truncated: false, sameAs: same })
    return
  }
  seen.set(file.abs, name)
  const { text, truncated } = await readCapped(file.abs, MAX_INSTRUCTION_CHARS)
  if (text.trim() !== '') out.files.push({ name, text: text.trim(), truncated })
}

function errorCode(err: unknown): string {
  return (
    (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err))
  )
}

/** The first `max` characters of a file without reading a huge one whole. */
async function readCapped(abs: string, max: number): Promise<{ text: string; truncated: boolean }> {
  const handle = await open(abs, 'r')
  try {
    // UTF-8 takes at most 4 bytes a character; one more byte tells whether anything was left out.
    const buf = Buffer.alloc(max * 4 + 1)
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    const text = buf.subarray(0, bytesRead).toString('utf8').replace(/\r\n?/g, '\n')
    if (text.length <= max && bytesRead < buf.length) return { text, truncated: false }
    return { text: text.slice(0, max), truncated: true }
  } finally {
    await handle.close()
  }
}

/** The system prompt's section for the files read; empty when there are none. */
export function instructionsSection(files: RepoInstructions[]): string {
  const used = files.filter((f) => !f.sameAs)
  if (used.length === 0) return ''
  const names = files.map((f) => `\`${f.name}\``).join(' and ')
  const blocks = used.map((f) => {
    const alias = files.filter((g) => g.sameAs === f.name).map((g) => ` (also \`${g.name}\`)`)
    const cut = f.truncated
      ? `\n[… cut at ${MAX_INSTRUCTION_CHARS.toLocaleString('en-US')} characters; read the file for the rest …]`
      : ''
    return `<repository-instructions file="${f.name}"${alias.join('')}>\n${f.text}${cut}\n</repository-instructions>`
  })
  return [
    '# Repository instructions',
    `The repository's own instructions for coding agents, from ${names} at its root as checked out before this branch (never what a model wrote on it). Follow them (conventions, commands, structure) where they do not conflict with the rules above: this run's rules on git, the branch, the scope of the phase and safety always win.`,
    '',
    ...blocks,
  ].join('\n')
}

/** The names for a milestone line: `AGENTS.md`, `CLAUDE.md` (CLAUDE.md → AGENTS.md). */
export function instructionNames(files: RepoInstructions[]): string {
  return files.map((f) => `\`${f.name}\`${f.sameAs ? ` (same file as \`${f.sameAs}\`)` : ''}`).join(', ')
}
