import { randomBytes } from 'node:crypto'
import { lstat, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import * as path from 'node:path'
import type { Git } from './git.js'

/**
 * Config keys through which actions/checkout persists its token in the LOCAL config:
 * `http.<server>/.extraheader = AUTHORIZATION: basic <base64>` (up to v5) and, from v6,
 * `includeIf.gitdir:<path>.path = <RUNNER_TEMP>/git-credentials-<uuid>.config` (the header lives in that file).
 * `include.path` is covered too: any included file may carry the same header.
 */
const CREDENTIAL_KEYS = '^(http\\.(.*\\.)?extraheader|include\\.path|includeif\\..*\\.path)$'
const EXTRAHEADER_KEYS = '^http\\.(.*\\.)?extraheader$'

interface ConfigEntry {
  key: string
  value: string
}

/** Path of the repository's local config file (`$GIT_COMMON_DIR/config`). */
async function localConfigPath(git: Git): Promise<string> {
  const r = await git.exec(['rev-parse', '--git-common-dir'])
  return path.join(path.resolve(git.cwd, r.stdout.trim()), 'config')
}

/** `git config -z --get-regexp` entries: `key\nvalue\0` each. Exit 1 means none. */
async function entries(git: Git, scope: string[], pattern: string): Promise<ConfigEntry[]> {
  const r = await git.exec(['config', ...scope, '--null', '--get-regexp', pattern], { allowFailure: true })
  if (r.exitCode === 1) return []
  if (r.exitCode !== 0)
    throw new Error(`git config --get-regexp failed (exit ${r.exitCode}): ${r.stderr.trim()}`)
  return r.stdout
    .split('\0')
    .filter((e) => e !== '')
    .map((e) => {
      const nl = e.indexOf('\n')
      return nl < 0 ? { key: e, value: '' } : { key: e.slice(0, nl), value: e.slice(nl + 1) }
    })
}

/** Replaces `file` in one step (write aside, then rename), keeping its mode. */
async function replaceFile(file: string, content: Buffer | string): Promise<void> {
  const mode = (await stat(file)).mode & 0o777
  await writeAside(file, content, mode)
}

/** Writes `content` next to `file` and renames it over `file`: a symlink at `file` is replaced, not followed. */
async function writeAside(file: string, content: Buffer | string, mode: number): Promise<void> {
  const tmp = `${file}.implement-action-${randomBytes(4).toString('hex')}`
  await writeFile(tmp, content, { mode, flag: 'wx' })
  await rename(tmp, file)
}

/** One file the suspension changed, with what it held and its mode before. */
interface Place {
  file: string
  content: Buffer
  mode: number
  /** Shown in the report: "local git config" or "included credentials file". */
  what: string
}

/** What a credential restore could not put back (no values, only where and why). */
export interface CredentialRestoreReport {
  failed: string[]
}

export interface RestoreCredentialsOptions {
  /**
   * False leaves the local config as the run left it (without the credential): when the git metadata could not
   * be restored, the credential must not go back into a repository whose config and commondir may be the
   * model's. Included files outside the repository (checkout v6's under RUNNER_TEMP) are restored anyway.
   */
  localConfig?: boolean
}

/**
 * Puts one place back. The directory it goes into must be a real directory: a `.git` the model replaced by a
 * symlink must not receive the credential, and one replaced by a gitfile cannot (that used to throw ENOTDIR
 * before the other places were restored).
 */
async function putBack(p: Place): Promise<void> {
  const dir = await lstat(path.dirname(p.file))
  if (!dir.isDirectory()) throw new Error(`${path.dirname(p.file)} is no longer a directory`)
  await writeAside(p.file, p.content, p.mode)
}

async function placeOf(file: string, content: Buffer, what: string): Promise<Place> {
  return { file, content, what, mode: (await stat(file)).mode & 0o777 }
}

export interface SuspendOptions {
  /**
   * A file (in a directory only this process can reach) that holds a copy of every place the suspension
   * changes until the restore, so the post step can put them back if this process is killed before it does
   * (see {@link restoreCredentialCopy}). Written with mode 0600 before anything is changed; removed by the
   * restore, whatever its outcome.
   */
  copyTo?: string
}

/**
 * Removes the checkout token from the repository's LOCAL git config for the duration of the model run:
 * every `http.*.extraheader`, `include.path` and `includeIf.*.path` entry. Returns a function that puts the
 * config file back exactly as it was (byte for byte), which also undoes any change made to it meanwhile.
 * Each place (the local config, each included credentials file) is restored on its own: one that fails does
 * not stop the others, and the function reports what it could not restore instead of throwing. Calling the
 * restore function more than once is harmless. Nothing here logs a config value.
 */
export async function suspendCredentials(
  git: Git,
  opts: SuspendOptions = {},
): Promise<(opts?: RestoreCredentialsOptions) => Promise<CredentialRestoreReport>> {
  const found = await entries(git, ['--local'], CREDENTIAL_KEYS)
  if (found.length === 0) return async () => ({ failed: [] })
  const file = await localConfigPath(git)
  const local = await placeOf(file, await readFile(file), 'local git config')
  const included = await includedCredentialPlaces(file, found)
  if (opts.copyTo) await writeCopy(opts.copyTo, [...included, local])
  const dropCopy = async (): Promise<void> => {
    if (opts.copyTo) await rm(opts.copyTo, { force: true }).catch(() => undefined)
  }
  try {
    await removeCredentials(git, found, included)
  } catch (err) {
    // Half removed is worse than not removed: everything back as it was, from memory, and no copy left over.
    await putBackAll([...included, local])
    await dropCopy()
    throw err
  }
  let restored = false
  return async (opts = {}) => {
    if (restored) return { failed: [] }
    restored = true
    const keepLocalOut = opts.localConfig === false
    // Decided here, whatever this restore manages: the post step must never put back what this one would not,
    // so the copy goes first when the local config stays out (otherwise last: a second restore of the same
    // bytes is harmless, a lost credential is not).
    if (keepLocalOut) await dropCopy()
    // Included files first: they live outside the repository (RUNNER_TEMP), so nothing the model did to
    // `.git` can stand in their way.
    const r = await putBackAll(keepLocalOut ? included : [...included, local])
    const failed = r.failed
    if (keepLocalOut) failed.unshift(`${local.what} ${local.file}: not restored (see above)`)
    await dropCopy()
    return { failed }
  }
}

/** Empties the included credential files and unsets every credential key; throws when one is left. */
async function removeCredentials(git: Git, found: ConfigEntry[], included: Place[]): Promise<void> {
  for (const p of included) await replaceFile(p.file, '')
  for (const key of new Set(found.map((e) => e.key))) {
    await git.exec(['config', '--local', '--unset-all', key])
  }
  const left = await entries(git, ['--local'], CREDENTIAL_KEYS)
  if (left.length > 0)
    throw new Error(`Could not remove ${left.map((e) => e.key).join(', ')} from the local git config.`)
}

/** Puts each place back on its own: what was restored, and what failed as `what file: reason`. */
async function putBackAll(places: Place[]): Promise<{ restored: string[]; failed: string[] }> {
  const restored: string[] = []
  const failed: string[] = []
  for (const p of places) {
    try {
      await putBack(p)
      restored.push(`${p.what} ${p.file}`)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      failed.push(`${p.what} ${p.file}: ${e.code ?? e.message}`)
    }
  }
  return { restored, failed }
}

interface StoredPlace {
  file: string
  mode: number
  what: string
  /** base64 */
  content: string
}

/** The places as one JSON file, mode 0600, written aside and renamed so it is never read half-written. */
async function writeCopy(file: string, places: Place[]): Promise<void> {
  const stored: StoredPlace[] = places.map((p) => ({
    file: p.file,
    mode: p.mode,
    what: p.what,
    content: p.content.toString('base64'),
  }))
  await writeAside(file, JSON.stringify({ places: stored }), 0o600)
}

/**
 * The post step's half of {@link SuspendOptions.copyTo}: when the main step was killed while the credential was
 * out of the repository, puts every place back from the copy (byte for byte, each on its own) and removes the
 * copy. Without a copy (the main step restored them, or never suspended anything) it does nothing. Returns what
 * it restored and what it could not.
 */
export async function restoreCredentialCopy(file: string): Promise<{ restored: string[]; failed: string[] }> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return { restored: [], failed: [] }
  let places: Place[]
  try {
    const stored = (JSON.parse(text) as { places: StoredPlace[] }).places
    places = stored.map((p) => ({ ...p, content: Buffer.from(p.content, 'base64') }))
  } catch {
    return { restored: [], failed: [`the credential copy ${file}: unreadable`] }
  }
  const r = await putBackAll(places)
  await rm(file, { force: true }).catch(() => undefined)
  return r
}

/**
 * Removing an include from the config does not remove the file it names (checkout v6 keeps the header in
 * `<RUNNER_TEMP>/git-credentials-*.config`), and the model's shell could read that file directly. So included
 * files that carry a header are emptied for the run (by the caller); their contents wait in memory (and in the
 * copy) for the restore.
 */
async function includedCredentialPlaces(configFile: string, found: ConfigEntry[]): Promise<Place[]> {
  const places: Place[] = []
  for (const f of new Set(includedFiles(configFile, found))) {
    const content = await readFile(f).catch(() => undefined)
    if (!content || !/extraheader|authorization:/i.test(content.toString('utf8'))) continue
    places.push(await placeOf(f, content, 'included credentials file'))
  }
  return places
}

/** The files `include.path` / `includeIf.*.path` entries name, resolved the way git does (relative to the config). */
function includedFiles(configFile: string, found: ConfigEntry[]): string[] {
  const home = process.env.HOME ?? ''
  return found
    .filter((e) => /^include(if\..*)?\.path$/i.test(e.key) && e.value)
    .map((e) => path.resolve(path.dirname(configFile), e.value.replace(/^~(?=\/)/, home)))
}

/**
 * Every config file the local config includes (whatever it holds), for the git metadata snapshot: git reads
 * them as config, so a filter or fsmonitor written into one runs like one written into `.git/config`. Call it
 * before suspendCredentials, which removes the include entries for the run.
 */
export async function includedConfigFiles(git: Git): Promise<string[]> {
  const found = await entries(git, ['--local'], '^(include\\.path|includeif\\..*\\.path)$')
  if (found.length === 0) return []
  return [...new Set(includedFiles(await localConfigPath(git), found))]
}

/**
 * Makes `git push` to `serverUrl` authenticate with `token` when no extraheader is configured yet (for example
 * when checkout ran with `persist-credentials: false`): adds `http.<origin>/.extraheader =
 * AUTHORIZATION: basic base64(x-access-token:<token>)` to the local config, the way actions/checkout does.
 * The token is written into the file directly, never passed on a command line. Returns a cleanup that removes
 * exactly what was added (a no-op when something was already configured).
 */
export async function withPushAuth(
  git: Git,
  opts: { serverUrl: string; token: string; onAdd?: (key: string) => void },
): Promise<() => Promise<void>> {
  if (!opts.token) throw new Error('withPushAuth needs a token.')
  const existing = await entries(git, ['--includes'], EXTRAHEADER_KEYS)
  if (existing.length > 0) return async () => {}

  const key = pushAuthKey(opts.serverUrl)
  // Before the token is on disk: a process killed from here on leaves the post step a note to remove it.
  opts.onAdd?.(key)
  const value = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${opts.token}`, 'utf8').toString('base64')}`
  const placeholder = `AUTHORIZATION: basic placeholder-${randomBytes(12).toString('hex')}`
  await git.exec(['config', '--local', key, placeholder])

  const file = await localConfigPath(git)
  const text = await readFile(file, 'utf8')
  const at = text.indexOf(placeholder)
  if (at < 0 || at !== text.lastIndexOf(placeholder)) {
    await git.exec(['config', '--local', '--unset-all', key], { allowFailure: true })
    throw new Error('Could not write the push credential into the local git config.')
  }
  await replaceFile(file, text.slice(0, at) + value + text.slice(at + placeholder.length))

  let cleaned = false
  return async () => {
    if (cleaned) return
    cleaned = true
    await removePushAuth(git, key)
  }
}

function pushAuthKey(serverUrl: string): string {
  return `http.${new URL(serverUrl).origin}/.extraheader`
}

/**
 * Removes what {@link withPushAuth} added under `key` (the post step's half, when the process that added it was
 * killed during the push). Only ever called for a key withPushAuth added, which it does only when no header was
 * configured before, so no header of the checkout's own goes with it.
 */
export async function removePushAuth(git: Git, key: string): Promise<void> {
  await git.exec(['config', '--local', '--unset-all', key, '^AUTHORIZATION: basic '], { allowFailure: true })
}
