/**
 * Credentials files that a cloud's setup action leaves in the workspace: google-github-actions/auth writes
 * `gha-creds-<random>.json` at its root (with GitHub's OIDC request token in it), and a variable such as
 * `GOOGLE_APPLICATION_CREDENTIALS` or `AWS_WEB_IDENTITY_TOKEN_FILE` may name a file inside the checkout. For the
 * run they are moved to the run's private directory (which the sandbox hides from every command of the model),
 * so neither the model's tools nor `git add` can see them; the variables point at the new place meanwhile, and
 * everything is put back when the run ends, for the steps after this one.
 */
import { copyFile, lstat, readdir, readFile, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { UserError } from '../errors.js'

/** The name google-github-actions/auth gives its credentials file. */
const SETUP_FILE = /^gha-creds-[A-Za-z0-9_-]+\.json$/
/** Variables that name a credentials file, for Google, AWS and Azure. */
export const CREDENTIAL_PATH_VARIABLES = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_GHA_CREDS_PATH',
  'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AZURE_FEDERATED_TOKEN_FILE',
]
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
  /** Puts every file back and the variables as they were. Never throws. */
  restore(): Promise<void>
}

/**
 * Moves the workspace's credentials files into `privateDir`, points `env`'s variables at their new place and
 * hands every secret in them to `onSecret`. Fails closed: a file that cannot be moved stops the run (or none
 * is found: then nothing is done). `privateDir` undefined (not on a runner) with such a file stops the run too.
 */
export async function moveCredentialFiles(
  workspace: string,
  env: NodeJS.ProcessEnv,
  privateDir: string | undefined,
  onSecret: (secret: string) => void,
): Promise<MovedCredentials> {
  const found = await credentialFiles(workspace, env)
  const moved: Array<{ from: string; to: string }> = []
  const variables: Array<{ name: string; value: string }> = []
  const restore = async (): Promise<void> => {
    for (const { name, value } of variables) env[name] = value
    await putBackMoved(JSON.stringify(moved))
  }
  if (found.length === 0) return { moved, restore }
  try {
    if (!privateDir) throw new Error('there is no private directory to move it to (RUNNER_TEMP is not set)')
    for (const [i, from] of found.entries()) {
      for (const secret of await secretsIn(from)) onSecret(secret)
      const to = path.join(privateDir, `${i}-${path.basename(from)}`)
      await move(from, to)
      moved.push({ from, to })
    }
  } catch (err) {
    await restore()
    const what = found.map((f) => path.relative(workspace, f)).join(', ')
    throw new UserError(
      `The credentials file ${what} in the workspace could not be moved out of the model's reach: ${err instanceof Error ? err.message : String(err)}`,
      'Keep cloud credentials files out of the checkout (google-github-actions/auth: `create_credentials_file` writes them to the workspace).',
    )
  }
  for (const name of CREDENTIAL_PATH_VARIABLES) {
    const value = env[name]
    const file = value && moved.find((m) => m.from === path.resolve(workspace, value))
    if (!value || !file) continue
    variables.push({ name, value })
    env[name] = file.to
  }
  return { moved, restore }
}

/**
 * Puts back the files of a `[{from, to}]` list (the post step's state, when the main step could not) where
 * they were, unless something took their place meanwhile. Returns the names of those put back; never throws.
 */
export async function putBackMoved(list: string): Promise<string[]> {
  let moved: Array<{ from?: unknown; to?: unknown }> = []
  try {
    moved = JSON.parse(list) as typeof moved
  } catch {
    return []
  }
  const back: string[] = []
  for (const { from, to } of Array.isArray(moved) ? moved : []) {
    if (typeof from !== 'string' || typeof to !== 'string') continue
    if (await lstat(from).catch(() => undefined)) continue
    if (
      await move(to, from).then(
        () => true,
        () => false,
      )
    )
      back.push(path.basename(from))
  }
  return back
}

/** The credentials files in the workspace: the setup action's at the root, and any a variable names. */
async function credentialFiles(workspace: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const out = new Set<string>()
  for (const e of await readdir(workspace, { withFileTypes: true }).catch(() => []))
    if (SETUP_FILE.test(e.name) && (e.isFile() || e.isSymbolicLink())) out.add(path.join(workspace, e.name))
  for (const name of CREDENTIAL_PATH_VARIABLES) {
    const value = env[name]
    if (!value) continue
    const file = path.resolve(workspace, value)
    const rel = path.relative(workspace, file)
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) continue
    if ((await lstat(file).catch(() => undefined))?.isFile()) out.add(file)
  }
  return [...out]
}

/** The secrets of a credentials file: a Google file's secret fields, or the whole of a token file. */
async function secretsIn(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return [text.trim()]
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
