import { readFile, stat } from 'node:fs/promises'
import YAML from 'yaml'
import { UserError } from '../errors.js'
import { resolveInWorkspace } from '../paths.js'
import { DEFAULT_TEMPLATE } from './default-template.js'
import type { Template, TemplateFrontmatter } from './types.js'

/** Origin of the template compiled into the action. */
export const BUNDLED_ORIGIN = '(bundled default)'
/** The repository's own template, used when no `template` input is given. */
export const REPO_TEMPLATE = '.claude/commands/implement.md'
const MAX_BYTES = 1024 * 1024

const FRONTMATTER = /^---[ \t]*\r?\n([\s\S]*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m
const HINT =
  'Fix the YAML between the `---` lines at the top of the file (quote values that contain `: `, `#` or start with `[`), or remove the frontmatter.'

/**
 * Parses a Claude Code slash-command file: optional YAML frontmatter between leading `---` lines (keys
 * `argument-hint`, `description`, `model`, `allowed-tools`; others are kept) and the prompt body.
 *
 * Like Claude Code, an unquoted `argument-hint: [a] [b]` is read as the string it looks like.
 *
 * @param origin repo-relative path or "(bundled default)", used in error messages
 * @throws UserError naming the file and line for invalid YAML, or when the frontmatter is not a mapping
 */
export function parseTemplate(text: string, origin: string): Template {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text
  if (!/^---[ \t]*\r?\n/.test(src)) return { origin, frontmatter: {}, body: src }
  const m = FRONTMATTER.exec(src)
  if (!m || m.index !== 0) {
    throw new UserError(
      `The template ${origin} opens a frontmatter block with \`---\` on line 1 but never closes it.`,
      HINT,
    )
  }
  const lines = m[1].split(/\r?\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  const yamlText = lines.map(lenientLine).join('\n')
  const doc = YAML.parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true })
  const err = doc.errors[0]
  if (err) {
    // YAML line 1 is line 2 of the file (line 1 is the opening ---).
    const line = (err.linePos?.[0]?.line ?? 1) + 1
    const reason = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
    throw new UserError(`Invalid YAML frontmatter in ${origin} at line ${line}: ${reason}.`, HINT)
  }
  const data: unknown = doc.toJS()
  const frontmatter = normalize(data ?? {}, origin, lines)
  return { origin, frontmatter, body: src.slice(m[0].length) }
}

/**
 * Loads the prompt template: the `template` input (a repo-relative path, jailed to the workspace), else the
 * repository's `.claude/commands/implement.md`, else the bundled default.
 *
 * @throws UserError when the `template` input names a missing file or a path outside the repository
 */
export async function loadTemplate(workspace: string, templateInput?: string): Promise<Template> {
  const input = templateInput?.trim()
  if (input) {
    const what = `The \`template\` input ("${input}")`
    const found = await resolveInWorkspace(workspace, input, what)
    if (!found) {
      throw new UserError(
        `${what} names a file that does not exist in the repository.`,
        `Give a repo-relative path to a slash-command file, such as \`${REPO_TEMPLATE}\`, or leave the input empty.`,
      )
    }
    return parseTemplate(await readText(found.abs, found.rel, what), found.rel)
  }
  const repo = await resolveInWorkspace(workspace, REPO_TEMPLATE, `The repository template ${REPO_TEMPLATE}`)
  if (repo && (await stat(repo.abs)).isFile()) {
    return parseTemplate(await readText(repo.abs, repo.rel, `The template ${repo.rel}`), repo.rel)
  }
  return parseTemplate(DEFAULT_TEMPLATE, BUNDLED_ORIGIN)
}

async function readText(abs: string, rel: string, what: string): Promise<string> {
  const st = await stat(abs)
  if (!st.isFile()) throw new UserError(`${what} is not a file: ${rel}.`)
  if (st.size > MAX_BYTES)
    throw new UserError(`${what} is too large (${st.size} bytes; the limit is ${MAX_BYTES}).`)
  return readFile(abs, 'utf8')
}

/** Quotes an unquoted `argument-hint: [a] [b]` (or any `key: [a] [b]`) so YAML reads it as a string. */
function lenientLine(line: string): string {
  const m = /^([A-Za-z][\w-]*)([ \t]*:[ \t]+)(\S.*?)([ \t]*)$/.exec(line)
  if (!m) return line
  const [, key, colon, value, trail] = m
  const bracketGroups = /^\[[^\]]*\](?:[ \t]+\[[^\]]*\])+$/.test(value)
  const hint = key === 'argument-hint' && /^[[{]/.test(value)
  if (!bracketGroups && !hint) return line
  return `${key}${colon}'${value.replace(/'/g, "''")}'${trail}`
}

function normalize(data: unknown, origin: string, lines: string[]): TemplateFrontmatter {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const kind = Array.isArray(data) ? 'a list' : `a ${typeof data}`
    throw new UserError(
      `The frontmatter of ${origin} must be a YAML mapping of \`key: value\` lines; it is ${kind}.`,
      HINT,
    )
  }
  const fm: TemplateFrontmatter = { ...(data as Record<string, unknown>) }
  const lineOf = (key: string) => {
    const i = lines.findIndex((l) => l.startsWith(`${key}:`))
    return i < 0 ? '' : ` at line ${i + 2}`
  }
  for (const key of ['argument-hint', 'description', 'model'] as const) {
    const v = fm[key] as unknown
    if (v === undefined || v === null) {
      delete fm[key]
    } else if (Array.isArray(v) && key === 'argument-hint') {
      fm[key] = v.map((x) => `[${String(x)}]`).join(' ')
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      fm[key] = String(v)
    } else {
      throw new UserError(`In ${origin}${lineOf(key)}, \`${key}\` must be a single value.`, HINT)
    }
  }
  const tools = fm['allowed-tools'] as unknown
  if (tools === undefined || tools === null) {
    delete fm['allowed-tools']
  } else if (Array.isArray(tools)) {
    fm['allowed-tools'] = tools.map((t) => String(t))
  } else if (typeof tools === 'string') {
    fm['allowed-tools'] = tools
  } else {
    throw new UserError(
      `In ${origin}${lineOf('allowed-tools')}, \`allowed-tools\` must be a string or a list.`,
      HINT,
    )
  }
  return fm
}
