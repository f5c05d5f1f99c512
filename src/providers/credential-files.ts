/**
 * Credentials files that a cloud's setup action leaves in the workspace: google-github-actions/auth writes
 * `gha-creds-<random>.json` at its root (with GitHub's OIDC request token in it), and a variable such as
 * `GOOGLE_APPLICATION_CREDENTIALS` or `AWS_WEB_IDENTITY_TOKEN_FILE` may name a file inside the checkout. For the
 * run they are moved to the run's private directory (which the sandbox hides from every command of the model),
 * so neither the model's tools nor `git add` can see them; the variables point at the new place meanwhile, and
 * everything is put back when the run ends, for the steps after this one. A file such a variable names outside
 * the checkout stays where it is: the sandbox denies reading it (src/sandbox/policy.ts). Every such file's
 * secrets are masked and redacted.
 */
import { copyFile, lstat, readdir, readFile, realpath, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'
import { CREDENTIAL_FILE_VARIABLES } from '../sandbox/policy.js'

/** The name google-github-actions/auth gives its credentials file. */
const SETUP_FILE = /^gha-creds-[A-Za-z0-9_-]+\.json$/
/** Fields of a Google credentials file that hold a secret. */
const SECRET_FIELDS = new Set([
  'private_key',
  'client_secret',
  'refresh_token',
  'access_token',
  'Authorization',
])

export interface MovedCredentials {
  /** Each file moved: from the workspace to the private directory. */
  moved: Array<{ from: string; to: string }>
  /** Puts every file back and the variables as they were; returns what it had to say. Never throws. */
  restore(): Promise<string[]>
}

export interface MoveOptions {
  /** The workspace, as its real path. */
  workspace: string
  env: NodeJS.ProcessEnv
  /** Where the files go for the run; undefined (not on a runner) with a file to move stops the run. */
  privateDir: string | undefined
  onSecret: (secret: string) => void
  /** Whether a path (relative to the workspace) is tracked: such a file is the repository's own, and stays. */
  isTracked: (relative: string) => Promise<boolean>
}

/**
 * Moves the workspace's credentials files into `privateDir`, points `env`'s variables at their new place and
 * hands every secret in them (and in the files named outside the workspace) to `onSecret`. Fails closed: a file
 * that cannot be moved out of the model's reach stops the run.
 */
export async function moveCredentialFiles(o: MoveOptions): Promise<MovedCredentials> {
  const { inside, outside, named } = await credentialFiles(o)
  for (const file of outside) for (const secret of await secretsIn(file)) o.onSecret(secret)
  const moved: Array<{ from: string; to: string }> = []
  const variables: Array<{ name: string; value: string }> = []
  const restore = async (): Promise<string[]> => {
    for (const { name, value } of variables) o.env[name] = value
    return putBackMoved(JSON.stringify(moved))
  }
  if (inside.length === 0) return { moved, restore }
  try {
    if (!o.privateDir) throw new Error('there is no private directory to move it to (RUNNER_TEMP is not set)')
    for (const [i, from] of inside.entries()) {
      for (const secret of await secretsIn(from)) o.onSecret(secret)
      const to = path.join(o.privateDir, `${i}-${path.basename(from)}`)
      await move(from, to)
      moved.push({ from, to })
    }
  } catch (err) {
    await restore()
    const what = inside.map((f) => path.relative(o.workspace, f)).join(', ')
    throw new UserError(
      `The credentials file ${what} in the workspace could not be moved out of the model's reach: ${err instanceof Error ? err.message : String(err)}`,
      'Keep cloud credentials files out of the checkout (google-github-actions/auth: `create_credentials_file` writes them to the workspace).',
    )
  }
  for (const [name, real] of named) {
    const file = moved.find((m) => m.from === real)
    if (!file) continue
    variables.push({ name, value: o.env[name] ?? '' })
    o.env[name] = file.to
  }
  return { moved, restore }
}

/**
 * Puts back the files of a `[{from, to}]` list (also the post step's state, when the main step could not) where
 * they were. Something that took a file's place meanwhile (the model could create a file of that name) is
 * replaced: the steps after this one must get the real credentials, never a planted file. Returns what was done,
 * as lines for the log; never throws.
 */
export async function putBackMoved(list: string): Promise<string[]> {
  let moved: Array<{ from?: unknown; to?: unknown }> = []
  try {
    moved = JSON.parse(list) as typeof moved
  } catch {
    return []
  }
  const said: string[] = []
  for (const { from, to } of Array.isArray(moved) ? moved : []) {
    if (typeof from !== 'string' || typeof to !== 'string') continue
    if (!(await lstat(to).catch(() => undefined))) continue
    const planted = await lstat(from).catch(() => undefined)
    if (planted) await rm(from, { recursive: true, force: true }).catch(() => undefined)
    const back = await move(to, from).then(
      () => true,
      () => false,
    )
    const name = path.basename(from)
    if (!back) said.push(`Could not put back ${name}: it is at ${to}.`)
    else if (planted)
      said.push(`Put back ${name} in the workspace, in place of a file the run had left there.`)
    else said.push(`Put back ${name} in the workspace.`)
  }
  return said
}

/**
 * The credentials files: the setup action's at the workspace's root and any a variable names, by their real
 * paths; those inside the workspace (and not tracked) to move, the others to mask.
 */
async function credentialFiles(
  o: MoveOptions,
): Promise<{ inside: string[]; outside: string[]; named: Map<string, string> }> {
  const inside = new Set<string>()
  const outside = new Set<string>()
  /** Each variable that names a file, with the file's real path. */
  const named = new Map<string, string>()
  const isOutside = (real: string): boolean => {
    const rel = path.relative(o.workspace, real)
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel)
  }
  for (const name of CREDENTIAL_FILE_VARIABLES) {
    const value = o.env[name]
    const real = value ? await realFile(path.resolve(o.workspace, value)) : undefined
    if (!real) continue
    named.set(name, real)
    if (isOutside(real)) outside.add(real)
    else if (!(await o.isTracked(path.relative(o.workspace, real)))) inside.add(real)
  }
  for (const e of await readdir(o.workspace, { withFileTypes: true }).catch(() => [])) {
    if (!SETUP_FILE.test(e.name) || !(e.isFile() || e.isSymbolicLink())) continue
    const real = await realFile(path.join(o.workspace, e.name))
    if (!real) continue
    if (!isOutside(real)) {
      if (!(await o.isTracked(path.relative(o.workspace, real)))) inside.add(real)
    } else if (![...named.values()].includes(real)) {
      // A link in the checkout to a file outside it that nothing hides would let the model read through it.
      throw new UserError(
        `The credentials file ${e.name} in the workspace is a link to ${real}, outside it.`,
        'Keep cloud credentials files out of the checkout.',
      )
    }
  }
  return { inside: [...inside], outside: [...outside], named }
}

/** The real path of a regular file, or undefined when there is none. */
async function realFile(file: string): Promise<string | undefined> {
  const real = await realpath(file).catch(() => undefined)
  return real && (await lstat(real).catch(() => undefined))?.isFile() ? real : undefined
}

/** The secrets of a credentials file: a Google file's secret fields, or the whole of a token file. */
async function secretsIn(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    // A token file is a secret whole; an AWS credentials file (INI) has its secrets in `key = value` lines.
    const values = [...text.matchAll(/^\s*[\w.-]*(?:secret|token|key|password)[\w.-]*\s*=\s*(\S+)\s*$/gim)]
    return [text.trim(), ...values.map((m) => m[1])]
  }
  const out: string[] = []
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key && SECRET_FIELDS.has(key)) out.push(v.replace(/^Bearer\s+/i, ''))
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k)
  }
  walk(json)
  return out
}

/** Renames, or copies and removes across file systems. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    await copyFile(from, to)
    await rm(from)
  }
}
