/**
 * What the sandbox lets a command touch: writes only in the workspace (never under its git metadata) and the
 * run's private temp directory; no reads of the runner's secret places.
 */
import { lstat, readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

/** Credentials and dotfiles under the home directory that no command of the model may read. */
export const HOME_SECRETS = [
  '.ssh',
  '.gnupg',
  '.gitconfig',
  '.git-credentials',
  '.config/git',
  '.config/gh',
  '.config/hub',
  '.config/gcloud',
  '.docker',
  '.aws',
  '.azure',
  '.kube',
  '.netrc',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pypirc',
  '.gem/credentials',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.m2/settings.xml',
  '.gradle/gradle.properties',
  '.nuget/NuGet/NuGet.Config',
  '.terraform.d',
  '.vault-token',
  '.pgpass',
  '.kaggle',
  '.config/rclone',
  '.bash_history',
  '.zsh_history',
  '.credentials',
  '.runner',
]

/**
 * Variables that name a file holding a cloud credential (Google's credentials file, an AWS web identity token,
 * an Azure federated token): wherever such a file is, no command of the model may read it.
 */
export const CREDENTIAL_FILE_VARIABLES = [
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_GHA_CREDS_PATH',
  'CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AZURE_FEDERATED_TOKEN_FILE',
]

/**
 * The runner's secret places, as absolute paths: the home directory's credentials and dotfiles, RUNNER_TEMP
 * (the checkout's credentials file, the event payload, the step's command files), the files the cloud
 * credential variables name, and the runner's own directories (its `_temp`, its installation with
 * `.credentials` and `.runner`, its diagnostics).
 */
export function secretReadPaths(env: NodeJS.ProcessEnv): string[] {
  const out = new Set<string>()
  const home = env.HOME
  if (home && path.isAbsolute(home) && home !== '/')
    for (const rel of HOME_SECRETS) out.add(path.join(home, rel))
  // Tools look under XDG_CONFIG_HOME first (it passes the env allowlist), wherever it points.
  const xdg = env.XDG_CONFIG_HOME
  if (xdg && path.isAbsolute(xdg) && xdg !== '/')
    for (const name of ['git', 'gh', 'hub', 'gcloud', 'rclone']) out.add(path.join(xdg, name))
  if (env.RUNNER_TEMP && path.isAbsolute(env.RUNNER_TEMP)) out.add(env.RUNNER_TEMP)
  // A cloud's credential files, wherever they are (a self-hosted runner's projected service-account token).
  for (const name of CREDENTIAL_FILE_VARIABLES) {
    const file = env[name]
    if (file && path.isAbsolute(file)) out.add(file)
  }
  // RUNNER_WORKSPACE is <runner>/_work/<repo>; its parent holds _temp, and the runner lives above that.
  if (env.RUNNER_WORKSPACE && path.isAbsolute(env.RUNNER_WORKSPACE)) {
    const work = path.dirname(env.RUNNER_WORKSPACE)
    out.add(path.join(work, '_temp'))
    for (const name of ['.credentials', '.credentials_rsaparams', '.runner', '.env', '_diag'])
      out.add(path.join(path.dirname(work), name))
  }
  // GitHub-hosted Ubuntu keeps the runner and its temp here.
  out.add('/home/runner/runners')
  out.add('/home/runner/work/_temp')
  out.add('/home/runner/actions-runner')
  return [...out]
}

/**
 * The git metadata of the checkout, every place of it: `<workspace>/.git` and, where `.git` is a gitfile
 * (a worktree, a submodule), the git dir it names and that dir's common dir.
 */
export async function gitMetadataPaths(workspace: string): Promise<string[]> {
  const dotGit = path.join(workspace, '.git')
  const out = [dotGit]
  const st = await lstat(dotGit).catch(() => undefined)
  if (!st?.isFile()) return out
  const gitfile = await readFile(dotGit, 'utf8').catch(() => '')
  const named = /^gitdir:\s*(.+?)\s*$/m.exec(gitfile)?.[1]
  if (!named) return out
  const gitDir = path.resolve(workspace, named)
  out.push(gitDir)
  const common = (await readFile(path.join(gitDir, 'commondir'), 'utf8').catch(() => '')).trim()
  if (common) out.push(path.resolve(gitDir, common))
  return out
}

/**
 * Config files in the git metadata that may hold the checkout's credential beyond the repository's own config
 * (which is suspended for the run): actions/checkout with `submodules:` and persisted credentials writes the
 * header into each submodule's `modules/<name>/config`, and a worktree may have `config.worktree`. They stay
 * unreadable to the model's commands.
 */
export async function gitSecretReadPaths(metadataDirs: string[]): Promise<string[]> {
  const out: string[] = []
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 6) return
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const e of entries) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) await walk(p, depth + 1)
      else if (e.name === 'config' || e.name === 'config.worktree') out.push(p)
    }
  }
  for (const dir of metadataDirs) {
    await walk(path.join(dir, 'modules'), 0)
    await walk(path.join(dir, 'worktrees'), 0)
  }
  return out
}
