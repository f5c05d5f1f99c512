import type { Dirent } from 'node:fs'
import { lstat, readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'
import { isMissing, resolveInWorkspace, type WorkspaceFile } from '../paths.js'
import { specDocument } from './cache.js'
import { definedIdsHint, findPhase, phaseIds } from './phases.js'
import type { Phase, SpecDocument } from './types.js'

export type SpecSource = 'command' | 'label' | 'input'

export interface ResolveSpecOptions {
  /** The spec the user named, and where they named it. */
  requested?: { value: string; source: SpecSource }
  issueId: string
}

/** Where a bare NAME is looked for, in order (`{}` is the name). */
export const NAME_CANDIDATES = [
  'specs/{}.md',
  'docs/{}.md',
  'docs/specs/{}.md',
  '{}.md',
  'specs/{}/tasks.md', // spec-kit feature folder
  '.kiro/specs/{}/tasks.md', // Kiro feature folder
] as const

/** Folders searched recursively when no spec is named; the repository root is searched top level only. */
export const SEARCH_ROOTS = ['specs', 'docs', '.kiro/specs'] as const
const SKIP_DIRS = new Set(['node_modules', '.git', '.claude'])
const MAX_FILES = 2000
const MAX_DEPTH = 10
const MAX_BYTES = 5 * 1024 * 1024
const SHOW = 15

/**
 * Finds the spec document and the phase to implement.
 *
 * A requested value is a repo-relative path when it contains `/` or ends in `.md`; otherwise it is a NAME looked
 * up as {@link NAME_CANDIDATES} (first existing wins). Paths are jailed to the workspace. With nothing requested,
 * markdown under {@link SEARCH_ROOTS} (recursive) and the repository root (top level) is searched for documents
 * whose phases define the id; exactly one must.
 *
 * @param workspace absolute path of the checkout
 * @returns the parsed document (path repo-relative, forward slashes) and the phase
 * @throws UserError with a message and hint the user can act on
 */
export async function resolveSpec(
  workspace: string,
  opts: ResolveSpecOptions,
): Promise<{ doc: SpecDocument; phase: Phase }> {
  const issueId = opts.issueId.trim()
  if (!issueId)
    throw new UserError('No issue id was given.', 'Use `/implement ISSUE-3` (or the `issue-id` input).')
  const value = opts.requested?.value.trim()
  if (opts.requested && value) {
    const file = await locate(workspace, value, opts.requested.source, issueId)
    const doc = await readSpec(file)
    return { doc, phase: requirePhase(doc, issueId) }
  }
  return search(workspace, issueId)
}

function describeSource(source: SpecSource, value: string): string {
  switch (source) {
    case 'command':
      return `The spec named in the command ("${value}")`
    case 'label':
      return `The spec named by the issue's \`spec:\` label ("${value}")`
    case 'input':
      return `The \`spec-name\` input ("${value}")`
  }
}

function isPathLike(value: string): boolean {
  return /[/\\]/.test(value) || /\.md$/i.test(value)
}

async function locate(
  workspace: string,
  value: string,
  source: SpecSource,
  issueId: string,
): Promise<WorkspaceFile> {
  const what = describeSource(source, value)
  const hint = `Name the spec by its repo-relative path (\`/implement docs/specs/feature.md ${issueId}\`) or by a NAME found as ${NAME_CANDIDATES.map((c) => c.replace('{}', 'NAME')).join(', ')}.`
  if (isPathLike(value)) {
    const found = await resolveInWorkspace(workspace, value, what)
    if (!found) throw new UserError(`${what} does not exist: no file at ${value} in the repository.`, hint)
    return fileOrTasks(found, what, hint)
  }
  if (!/^[A-Za-z0-9][\w.-]*$/.test(value) || value.includes('..')) {
    throw new UserError(`${what} is not a valid spec name.`, hint)
  }
  const tried: string[] = []
  for (const pattern of NAME_CANDIDATES) {
    const rel = pattern.replace('{}', value)
    tried.push(rel)
    const found = await resolveInWorkspace(workspace, rel, what)
    if (found && (await isFile(found.abs))) return found
  }
  throw new UserError(`${what} was not found. Looked for: ${tried.join(', ')}.`, hint)
}

async function fileOrTasks(found: WorkspaceFile, what: string, hint: string): Promise<WorkspaceFile> {
  const st = await stat(found.abs)
  if (st.isFile()) return found
  if (st.isDirectory()) {
    const inner = path.join(found.abs, 'tasks.md')
    if (await isFile(inner)) return { abs: inner, rel: found.rel ? `${found.rel}/tasks.md` : 'tasks.md' }
    throw new UserError(`${what} is a folder without a tasks.md, not a spec file.`, hint)
  }
  throw new UserError(`${what} is not a regular file.`, hint)
}

async function isFile(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isFile()
  } catch (err) {
    if (isMissing(err)) return false
    throw err
  }
}

async function readSpec(file: WorkspaceFile): Promise<SpecDocument> {
  const st = await stat(file.abs)
  if (st.size > MAX_BYTES) {
    throw new UserError(`The spec ${file.rel} is too large (${st.size} bytes; the limit is ${MAX_BYTES}).`)
  }
  return specDocument(file.rel, await readFile(file.abs, 'utf8'))
}

function requirePhase(doc: SpecDocument, issueId: string): Phase {
  const phase = findPhase(doc, issueId)
  if (phase) return phase
  if (doc.phases.length === 0) {
    throw new UserError(
      `${doc.path} does not define ${issueId}: it has no phases.`,
      'Phases are headings such as `### ISSUE-3: Title` or task items such as `- [ ] ISSUE-3 Title` under an ' +
        '"Implementation Strategy" heading (spec-kit and Kiro tasks.md files work as they are).',
    )
  }
  throw new UserError(`${doc.path} does not define ${issueId}.`, definedIdsHint(doc))
}

async function search(workspace: string, issueId: string): Promise<{ doc: SpecDocument; phase: Phase }> {
  const files = await candidateFiles(workspace)
  const specs: SpecDocument[] = []
  for (const rel of files) {
    let file: WorkspaceFile | undefined
    try {
      file = await resolveInWorkspace(workspace, rel, `The file ${rel}`)
    } catch (err) {
      if (err instanceof UserError) continue // a link out of the repository: never read it
      throw err
    }
    if (!file || !(await isFile(file.abs))) continue
    if ((await stat(file.abs)).size > MAX_BYTES) continue
    const doc = await readSpec(file)
    if (doc.phases.length > 0) specs.push(doc)
  }
  const matches = specs.filter((d) => findPhase(d, issueId))
  const example = matches[0]?.path ?? specs[0]?.path ?? 'path/to/spec.md'
  const hint = `Name the spec in the command (\`/implement ${example} ${issueId}\`) or add a \`spec:${example}\` label to the issue.`
  if (matches.length === 1) return { doc: matches[0], phase: findPhase(matches[0], issueId)! }
  if (matches.length > 1) {
    throw new UserError(
      `${issueId} is defined in more than one spec: ${matches.map((d) => d.path).join(', ')}.`,
      `Say which one to use. ${hint}`,
    )
  }
  if (specs.length === 0) {
    throw new UserError(
      `No spec defines ${issueId}: no spec documents with phases were found under ${SEARCH_ROOTS.join('/, ')}/ or the repository root.`,
      `Add a spec with an "Implementation Strategy" section whose phases are headings such as \`### ${issueId}: Title\`, then ${hint.charAt(0).toLowerCase()}${hint.slice(1)}`,
    )
  }
  const shown = specs.slice(0, SHOW).map((d) => `${d.path} (${summarizeIds(d)})`)
  const more = specs.length > SHOW ? `; and ${specs.length - SHOW} more` : ''
  throw new UserError(`No spec defines ${issueId}. Spec documents found: ${shown.join('; ')}${more}.`, hint)
}

function summarizeIds(doc: SpecDocument): string {
  const ids = phaseIds(doc)
  return ids.length <= 6 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} … ${ids[ids.length - 1]}`
}

/** Repo-relative markdown paths to consider, in a stable order. */
async function candidateFiles(workspace: string): Promise<string[]> {
  const out: string[] = []
  for (const root of SEARCH_ROOTS) {
    if (await isRealDir(path.join(workspace, root))) await walk(workspace, root, 0, out)
  }
  for (const d of await list(workspace)) {
    if (d.isFile() && isMarkdown(d.name)) out.push(d.name)
  }
  return out
}

async function walk(workspace: string, rel: string, depth: number, out: string[]): Promise<void> {
  if (depth > MAX_DEPTH || out.length >= MAX_FILES) return
  const entries = await list(path.join(workspace, rel))
  for (const d of entries) {
    if (out.length >= MAX_FILES) return
    const child = `${rel}/${d.name}`
    // Dirent.isFile()/isDirectory() are false for symlinks: links are never followed out of the tree.
    if (d.isDirectory() && !SKIP_DIRS.has(d.name)) await walk(workspace, child, depth + 1, out)
    else if (d.isFile() && isMarkdown(d.name)) out.push(child)
  }
}

async function isRealDir(abs: string): Promise<boolean> {
  try {
    return (await lstat(abs)).isDirectory()
  } catch (err) {
    if (isMissing(err)) return false
    throw err
  }
}

async function list(dir: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true })
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  } catch (err) {
    if (isMissing(err)) return []
    throw err
  }
}

function isMarkdown(name: string): boolean {
  return /\.(md|markdown)$/i.test(name)
}
