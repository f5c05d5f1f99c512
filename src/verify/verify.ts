/**
 * Verification: the repository's own check (`verify`, e.g. `npm test`), run by the action in the sandbox each time
 * the model ends its turn. A failure sends the model back to work with the end of the output, up to
 * `verify-attempts` times within the run's budgets; the verdict on the final work is what the PR, the tracking
 * comment, the job summary and the `verified` output show. The model cannot mark its own work verified: only this
 * command's exit status counts.
 */
import type { EndOfTurn } from '../agent/types.js'
import { fenced } from '../report/format.js'
import type { Sandbox } from '../sandbox/types.js'

/** Longest a verification may run (the run's time budget also stops it). */
export const VERIFY_TIMEOUT_MS = 20 * 60_000
/** Characters of the output's end kept for the model; the head is dropped (a test run's verdict comes last). */
export const VERIFY_TAIL_CHARS = 8_000

export type VerifiedStatus = 'passed' | 'failed' | 'not-run'

/** One run of the command. */
export interface VerifyAttempt {
  passed: boolean
  /** Exit code; null when a signal or the timeout ended it. */
  code: number | null
  timedOut: boolean
  durationMs: number
  /** The end of stdout and stderr interleaved, redacted. */
  tail: string
}

/** The verdict on a run's work. */
export interface Verification {
  status: VerifiedStatus
  /** The command, when one is set. */
  command?: string
  attempts: VerifyAttempt[]
  /** How many times the model was sent back to fix a failure, of at most `maxSendBacks`. */
  sentBack: number
  maxSendBacks: number
  /** Why it did not run, or why the last verdict is not about the final work. */
  note?: string
}

export interface VerifierOptions {
  command: string
  /** How many times the model may be sent back (`verify-attempts`). */
  maxSendBacks: number
  sandbox: Sandbox
  workspace: string
  redact: (s: string) => string
  log: (line: string) => void
  timeoutMs?: number
}

/** Runs the command as one script that stops at its first failing line, like a workflow's `run:` step. */
export async function runVerifyCommand(
  o: Pick<VerifierOptions, 'command' | 'sandbox' | 'workspace' | 'redact' | 'timeoutMs'>,
  signal?: AbortSignal,
): Promise<VerifyAttempt | undefined> {
  const started = Date.now()
  const r = await o.sandbox.spawn({
    argv: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', o.command],
    cwd: o.workspace,
    timeoutMs: o.timeoutMs ?? VERIFY_TIMEOUT_MS,
    maxOutput: VERIFY_TAIL_CHARS,
    capture: 'tail',
    signal,
    // Where the sandbox names the command (a refused connection), the user's command, not the shell around it.
    display: o.command,
  })
  // Stopped by the run's deadline or cancellation: no verdict.
  if (r.aborted) return undefined
  return {
    passed: !r.timedOut && !r.spawnError && r.code === 0,
    code: r.code,
    timedOut: r.timedOut,
    durationMs: Date.now() - started,
    tail: o.redact(r.output.replace(/\s+$/, '')),
  }
}

/** The verification of one agent run: its end-of-turn check, and the verdict afterwards. */
export class Verifier {
  private readonly attempts: VerifyAttempt[] = []
  private sentBack = 0
  /** The model changed the work after the last verdict (it was sent back, then the run stopped). */
  private stale = false
  /** The run's deadline stopped a verification before its verdict. */
  private cutShort = false

  constructor(private readonly o: VerifierOptions) {}

  /** The loop's end-of-turn check: undefined lets the run complete; a message sends the model back. */
  readonly check: EndOfTurn = async ({ signal, mayContinue }) => {
    const n = this.attempts.length + 1
    this.o.log(`Verification ${n}: running \`${oneLine(this.o.command)}\``)
    const attempt = await runVerifyCommand(this.o, signal)
    if (!attempt) {
      this.cutShort = true
      return undefined
    }
    this.attempts.push(attempt)
    this.stale = false
    this.o.log(`Verification ${n}: ${outcome(attempt)} in ${Math.round(attempt.durationMs / 1000)} s`)
    if (attempt.passed || !mayContinue || this.sentBack >= this.o.maxSendBacks) return undefined
    this.sentBack++
    this.stale = true
    return this.message(attempt)
  }

  /**
   * The verdict on the run's final work; `stopped` says why the run ended early, if it did. A verification the
   * deadline cut short leaves the final work unverified (not-run), whatever an earlier attempt said.
   */
  result(stopped?: string): Verification {
    const base = { command: this.o.command, attempts: [...this.attempts], sentBack: this.sentBack }
    const v: Verification = { ...base, maxSendBacks: this.o.maxSendBacks, status: 'not-run' }
    if (this.cutShort) return { ...v, note: 'the time budget ran out while it ran' }
    const last = this.attempts.at(-1)
    if (!last) return stopped ? { ...v, note: stopped } : v
    if (last.passed && !this.stale) return { ...v, status: 'passed' }
    const note = this.stale
      ? `the model was fixing a failed verification when ${stopped ?? 'the run ended'}; its last changes were not verified`
      : undefined
    return note ? { ...v, status: 'failed', note } : { ...v, status: 'failed' }
  }

  /** What the model is told: the command, how it failed, the end of its output, and how many tries are left. */
  private message(a: VerifyAttempt): string {
    const left = this.o.maxSendBacks - this.sentBack
    return [
      `The action ran the repository's verification command after you ended your turn, and it failed (${outcome(a)}).`,
      '',
      'Command:',
      fenced(this.o.command, 'sh'),
      '',
      'The end of its output:',
      fenced(a.tail || '(no output)', 'text'),
      '',
      'Fix the cause in the code (do not weaken or skip the check), then end your turn again with your summary. ' +
        (left > 0
          ? `The command runs again when you end your turn; ${left} more ${left === 1 ? 'retry remains' : 'retries remain'} after that.`
          : 'The command runs once more when you end your turn; that is the last attempt.'),
    ].join('\n')
  }
}

/** `exit code 1`, `timed out`, `killed by a signal`. */
export function outcome(a: VerifyAttempt): string {
  if (a.passed) return 'passed'
  if (a.timedOut) return 'timed out'
  return a.code === null ? 'killed by a signal' : `exit code ${a.code}`
}

/** The command on one line (a script's lines joined with `; `, its comment lines left out), for log lines. */
export function oneLine(command: string): string {
  return command
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .join('; ')
}
