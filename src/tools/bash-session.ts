/**
 * The bash session the model expects (`cd` and `export` last from one call to the next), emulated with one process
 * per call so the sandbox keeps containing each command exactly as before: timeouts, aborts, the process-group
 * kill, output caps. Each call's bash restores what the previous call saved, runs the command in that same shell
 * (not a subshell, so its `cd` and `export` count), and saves again on the way out.
 *
 * The state is a small bash file under the sandboxed process's own `$TMPDIR` (the runtime sandbox's private temp
 * directory, which lives as long as the sandbox; /tmp when no TMPDIR is set): never in the workspace, whose files
 * get committed, and never read or written by the action itself, so it stays in the sandbox's world.
 */
import { TOOL_RUN_MARKER_NAME } from '../sandbox/strays.js'

/**
 * Exported names never carried to the next call: the ones bash owns (PWD and OLDPWD follow `cd`, SHLVL and `_`
 * change by themselves, SHELLOPTS and BASHOPTS are read-only; BASH_* is skipped by prefix in the script), and the
 * sandbox's per-process marker, which the sweep for stray processes relies on.
 */
const NOT_CARRIED = ['PWD', 'OLDPWD', 'SHLVL', '_', 'SHELLOPTS', 'BASHOPTS', TOOL_RUN_MARKER_NAME]

/**
 * Shown when the saved directory cannot be entered any more (deleted by a command or an edit); on stdout, the same
 * pipe as the command's own output, so it is sure to come first.
 */
const GONE_NOTE = '[working directory %s is gone; starting in the repository root]'
/** Shown when saving failed (the temp directory not writable): the next call would silently start afresh. */
const UNSAVED_NOTE = '[the working directory and environment could not be saved for the next call]'
/**
 * Shown when the previous call saved nothing (killed by its timeout, `exec`ed another program, its own EXIT trap,
 * a save that failed): its `cd` and `export` are lost, and the model must not assume otherwise.
 */
export const LOST_NOTE =
  "[the previous command's working directory and exported variables were not kept (it was killed, replaced itself or could not save); continuing from the state before it]"
/** Shown when the saved state itself is gone (a command cleaned the temp directory). */
export const STATE_GONE_NOTE =
  '[the saved working directory and environment are gone; starting in the repository root]'

/** Where session $2 keeps its state: under the TMPDIR the sandbox gives the process (read before any restore). */
const STATE_DIR = '${TMPDIR:-/tmp}/implement-action-bash-$2'

/**
 * The bash program around the model's command. Arguments: $1 the command, $2 the session id, $3 the names never
 * carried, $4 this call's nonce (saved with the state), $5 the previous call's (empty for a session's first call):
 * a saved nonce other than the previous call's means that call saved nothing, and the model is told. Only bash
 * 3.2 features (no associative arrays), since `sandbox: off` may run on a macOS runner.
 *
 * What is saved is what the command changed, not the whole environment: each exported variable whose value
 * differs from the one the sandbox gave this process (captured before anything is restored), and an `unset` for
 * each the sandbox gave that is gone. So the sandbox's per-call settings (TMPDIR, proxies, caches) stay the
 * sandbox's unless the model itself changed them, and the state directory is found through the sandbox's TMPDIR
 * even after the model exported another one.
 *
 * Nothing of this shows in the output: the restore and the save run with stderr to /dev/null, and the save turns
 * off `set -eux` the command may have left on (under that redirection, so not even `set +x` is traced). The save
 * runs from an EXIT trap (so `exit N` and `set -e` failures still save, and bash keeps N as the exit code), and
 * again after the command returns in case it replaced the trap with its own; the flag makes it run once.
 * Not saved: a call that was killed (timeout, abort) or that `exec`ed another program; the next call starts from
 * the last state that was saved. Shell variables that are not exported, functions, aliases and `set` options
 * never carry over.
 */
export const SESSION_SCRIPT = `__ia_command=$1
__ia_state=${STATE_DIR}
__ia_keep=" $3 "
__ia_nonce_now=$4
__ia_nonce_prev=$5
__ia_unsaved='${UNSAVED_NOTE}'
set --
__ia_names=$(builtin compgen -e)
for __ia_n in $__ia_names; do builtin printf -v "__ia_b_$__ia_n" %s "\${!__ia_n}"; done
unset __ia_n
__ia_carried() {
  case $__ia_keep in *" $1 "*) return 1 ;; esac
  case $1 in BASH_* | __ia_*) return 1 ;; esac
}
__ia_save() {
  [ -z "\${__ia_saved-}" ] || return 0
  __ia_saved=1
  set +eux
  # Every name here is the script's own: a command's \`readonly n\` or a function called printf changes nothing.
  local IFS=$' \\t\\n' __ia_nl=$'\\n' __ia_v __ia_bv __ia_q __ia_s= __ia_now __ia_tmp
  __ia_now=$(builtin compgen -e)
  __ia_now=" \${__ia_now//$__ia_nl/ } "
  for __ia_v in $__ia_now; do
    __ia_carried "$__ia_v" || continue
    __ia_bv=__ia_b_$__ia_v
    if [ -z "\${!__ia_bv+x}" ] || [ "\${!__ia_bv}" != "\${!__ia_v}" ]; then
      builtin printf -v __ia_q %q "\${!__ia_v}"
      __ia_s+="export $__ia_v=$__ia_q$__ia_nl"
    fi
  done
  for __ia_v in $__ia_names; do
    __ia_carried "$__ia_v" || continue
    case $__ia_now in *" $__ia_v "*) ;; *) __ia_s+="unset $__ia_v$__ia_nl" ;; esac
  done
  builtin printf -v __ia_q %q "$PWD"
  __ia_s+="__ia_cwd=$__ia_q\${__ia_nl}__ia_nonce=$__ia_nonce_now$__ia_nl"
  [ -d "$__ia_state" ] || command -p mkdir -m 700 -p -- "$__ia_state" || return
  __ia_tmp=$__ia_state/env.$$.$RANDOM
  builtin printf %s "$__ia_s" >|"$__ia_tmp" && command -p mv -f -- "$__ia_tmp" "$__ia_state/env"
}
if [ -f "$__ia_state/env" ]; then
  . "$__ia_state/env" 2>/dev/null
  if [ -n "$__ia_nonce_prev" ] && [ "\${__ia_nonce-}" != "$__ia_nonce_prev" ]; then
    builtin printf '%s\\n' "${LOST_NOTE}"
  fi
  if [ -n "\${__ia_cwd-}" ] && ! builtin cd -- "$__ia_cwd" 2>/dev/null; then
    builtin printf '${GONE_NOTE}\\n' "$__ia_cwd"
  fi
  unset __ia_cwd __ia_nonce
elif [ -n "$__ia_nonce_prev" ]; then
  builtin printf '%s\\n' '${STATE_GONE_NOTE}'
fi
trap '{ __ia_save; } 2>/dev/null || builtin printf "%s\\n" "$__ia_unsaved" >&2' EXIT
eval "$__ia_command"
{ __ia_status=$?; __ia_save; } 2>/dev/null || builtin printf '%s\\n' "$__ia_unsaved" >&2
exit "$__ia_status"
`

/**
 * The argv that runs `command` in session `id` as the call `nonce`, after the call `previous` (none: the session's
 * first). No rc files: a fresh `bash -c` reads none either.
 */
export function sessionArgv(command: string, id: string, nonce: string, previous?: string): string[] {
  const keep = NOT_CARRIED.join(' ')
  return [
    'bash',
    '--noprofile',
    '--norc',
    '-c',
    SESSION_SCRIPT,
    'bash',
    command,
    id,
    keep,
    nonce,
    previous ?? '',
  ]
}

/** The argv that removes the state of session `id` (at the end of the run, from inside the sandbox like the rest). */
export function removeSessionArgv(id: string): string[] {
  return ['bash', '--noprofile', '--norc', '-c', `rm -rf -- "${STATE_DIR}"`, 'bash', '', id]
}
