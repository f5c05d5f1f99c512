/**
 * The sandbox's environment, which every process the model causes gets (bash commands, the git behind glob and
 * grep): an allowlist of what builds and test runners need, never a credential. A name on the allowlist is still
 * dropped when it looks like a secret, so a future allowlist entry cannot leak one by accident.
 */

/** Exact names passed through. */
const ALLOWED = new Set([
  // shell and locale
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  'TMP',
  'TEMP',
  'CI',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_RUNTIME_DIR',
  // runner facts setup-* actions and tool caches rely on (no secrets in these)
  'RUNNER_OS',
  'RUNNER_ARCH',
  'RUNNER_TOOL_CACHE',
  'ImageOS',
  'ImageVersion',
  // Node. NODE_OPTIONS is kept: workflows use it for heap limits that builds need, and it holds no secret.
  'NODE_OPTIONS',
  'NODE_ENV',
  'NVM_DIR',
  'npm_config_cache',
  'PNPM_HOME',
  'BUN_INSTALL',
  'DENO_DIR',
  'COREPACK_HOME',
  'YARN_CACHE_FOLDER',
  // JVM
  'JAVA_HOME',
  'GRADLE_HOME',
  'GRADLE_USER_HOME',
  'MAVEN_HOME',
  'M2_HOME',
  'ANDROID_HOME',
  'ANDROID_SDK_ROOT',
  'ANDROID_NDK_HOME',
  // Go (GOPROXY/GOPRIVATE/GONOSUMDB deliberately not: GOPROXY URLs can carry credentials)
  'GOPATH',
  'GOROOT',
  'GOCACHE',
  'GOMODCACHE',
  'GOFLAGS',
  'GOTOOLCHAIN',
  // Rust
  'CARGO_HOME',
  'RUSTUP_HOME',
  'RUSTUP_TOOLCHAIN',
  // Python
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONUSERBASE',
  'VIRTUAL_ENV',
  'CONDA',
  'PIPX_HOME',
  'PIPX_BIN_DIR',
  'PIP_CACHE_DIR',
  'pythonLocation',
  'Python_ROOT_DIR',
  'Python2_ROOT_DIR',
  'Python3_ROOT_DIR',
  // Ruby
  'GEM_HOME',
  'GEM_PATH',
  'BUNDLE_PATH',
  'RBENV_ROOT',
  'PYENV_ROOT',
  // .NET
  'DOTNET_ROOT',
  'DOTNET_CLI_TELEMETRY_OPTOUT',
  'DOTNET_NOLOGO',
  'DOTNET_SKIP_FIRST_TIME_EXPERIENCE',
  'NUGET_PACKAGES',
  // misc toolchains
  'CHROME_BIN',
  'CHROMEWEBDRIVER',
  'GECKOWEBDRIVER',
  'SWIFT_PATH',
  'VCPKG_INSTALLATION_ROOT',
])

/** Name prefixes passed through (locale categories, runner JDK/Go installs such as JAVA_HOME_17_X64). */
const ALLOWED_PREFIXES = ['LC_', 'JAVA_HOME_', 'GOROOT_']

/**
 * Never passed, even if allowlisted. GITHUB_* is dropped whole (GITHUB_WORKSPACE included: the tools already run
 * in the workspace, and one simple rule is easier to audit than exceptions); INPUT_* carries the action's
 * inputs, the API key among them; ACTIONS_* carries the runtime/cache tokens.
 */
const DENIED = [
  /^GITHUB_/i,
  /^INPUT_/i,
  /^ACTIONS_/i,
  /^ANTHROPIC_/i,
  /^CLAUDE_/i,
  /TOKEN/i,
  /SECRET/i,
  /KEY/i,
  /PASSWORD/i,
  /PASSWD/i,
  /CREDENTIAL/i,
  /AUTH/i,
]

/**
 * The allowlisted subset of `source`, plus settings that keep git from ever prompting for credentials.
 * Values are copied; the result is safe to hand to any subprocess the model starts.
 */
export function allowlistedEnv(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue
    if (!ALLOWED.has(name) && !ALLOWED_PREFIXES.some((p) => name.startsWith(p))) continue
    if (DENIED.some((re) => re.test(name))) continue
    out[name] = value
  }
  if (!out.PATH) out.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  out.CI = out.CI ?? 'true'
  out.GIT_TERMINAL_PROMPT = '0'
  out.GCM_INTERACTIVE = 'never'
  return out
}
