/**
 * The sandbox: the one way anything the model causes to run becomes a process (bash commands, the git that
 * glob and grep run, verification, and the MCP servers the model's tool calls go to). Tools never spawn; they
 * ask the sandbox.
 */
import type { Readable, Writable } from 'node:stream'

/** Whether commands are contained on this machine, and if not, why not. */
export interface SandboxStatus {
  isolated: boolean
  /** Why commands are not contained (only when `isolated` is false). */
  reason?: string
}

export interface SpawnRequest {
  /** Program and arguments (no shell unless argv names one). */
  argv: string[]
  /** Working directory: the workspace or a directory inside it. */
  cwd: string
  /** Extra variables on top of the sandbox's allowlisted environment. */
  env?: Record<string, string>
  timeoutMs: number
  /** Characters of output kept (see {@link ProcessResult.output}). */
  maxOutput: number
  /**
   * How output is kept: `head-tail` keeps the first and last halves of stdout and stderr interleaved (a shell);
   * `stdout` keeps stdout alone from its start and stops the process once `maxOutput` is reached (a search);
   * `tail` keeps the end of stdout and stderr interleaved (a check, whose verdict comes last).
   */
  capture: 'head-tail' | 'stdout' | 'tail'
  /**
   * With `capture: 'stdout'`: stdout is handed over record by record as it arrives instead of being kept (a search
   * that wants only the first results). `maxOutput` then bounds one record.
   */
  records?: RecordSink
  signal?: AbortSignal
  /**
   * What reports call the process (a {@link NetworkBlock}'s command): the bash command as the model wrote it when
   * argv wraps it in more (default: the command of a plain `bash -c`, else the argv).
   */
  display?: string
}

/** A process that keeps running and talks over its pipes (an MCP server), until it is stopped. */
export interface StartRequest {
  /** Program and arguments (no shell unless argv names one). */
  argv: string[]
  /** Working directory: the workspace or a directory inside it. */
  cwd: string
  /** Extra variables on top of the sandbox's allowlisted environment. */
  env?: Record<string, string>
  /** Characters of standard error kept, its end (see {@link LongProcess.stderr}). */
  maxStderr: number
  /** Once it fires, the process is killed at once. */
  signal?: AbortSignal
  /** What reports call the process (a {@link NetworkBlock}'s command); default: the argv. */
  display?: string
}

/** How a long-lived process ended. */
export interface ProcessExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Why the program could not be started at all (the sandbox refused, or the spawn failed); absent otherwise. */
  spawnError?: string
}

/** A process started with {@link Sandbox.start}: its pipes, the end of its stderr, its end, and a way to stop it. */
export interface LongProcess {
  /** Its standard input (write errors after it ended are swallowed; watch {@link exited}). */
  readonly stdin: Writable
  /** Its standard output, as bytes. */
  readonly stdout: Readable
  /** The end of what it wrote on standard error so far (at most `maxStderr` characters). */
  stderr(): string
  /** Settles (never rejects) once the process has ended and its pipes are closed. */
  readonly exited: Promise<ProcessExit>
  /**
   * Ends it: standard input is closed, then after a grace its process group gets SIGTERM, then SIGKILL (at once
   * when `now`). Resolves once it has ended; safe to call more than once.
   */
  stop(now?: boolean): Promise<ProcessExit>
  /** Connections the sandbox's network filter refused from it so far (empty where nothing is filtered). */
  blocked(): NetworkBlock[]
}

/** Where a process's stdout goes record by record (see {@link SpawnRequest.records}). */
export interface RecordSink {
  /** What ends a record (not passed on); a last record without it is passed on when the process exits. */
  separator: '\n' | '\0'
  /**
   * Called with each record, in order. Returns false when it takes no more (this record included): the process
   * is then stopped and the result is `truncated`. A record longer than `maxOutput` comes cut to that length.
   */
  take(record: string): boolean
}

export interface ProcessResult {
  /** The kept output (see {@link SpawnRequest.capture}); with `records`, only the runner's own messages. */
  output: string
  /** Standard error (capped), for `capture: 'stdout'`; empty otherwise. */
  stderr: string
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  aborted: boolean
  /**
   * The output cap was reached (for `stdout`, the process was stopped there); with `records`, the sink took no
   * more and the process was stopped there.
   */
  truncated: boolean
  /** The program could not be started (its message is in `output`). */
  spawnError: boolean
  /** Connections the sandbox's network filter refused while the process ran (only a sandbox that filters). */
  blocked?: NetworkBlock[]
}

/** A connection the sandbox refused: where to, and which command tried. */
export interface NetworkBlock {
  /** Host name or IP address, as the command asked for it. */
  host: string
  port?: number
  /** The command line (a bash command as the model wrote it), shortened. */
  command: string
}

export interface Sandbox {
  /** Probed once, then cached. */
  status(): Promise<SandboxStatus>
  /** Runs one process inside the sandbox; never throws for the process's own failures. */
  spawn(req: SpawnRequest): Promise<ProcessResult>
  /**
   * Starts a long-lived process inside the sandbox (same wrapping, environment, network policy and run marker as
   * {@link spawn}) with its stdin and stdout as pipes. Rejects only when the sandbox cannot run anything (it is
   * not available, or could not wrap the command); a program that cannot start shows in {@link LongProcess.exited}.
   * Every such process still running is stopped by {@link reap} and {@link close}.
   */
  start(req: StartRequest): Promise<LongProcess>
  /**
   * Stops every process the sandbox started that is still running, however it detached (long-lived ones
   * included). Call after the model's run and before any credential comes back. Returns how many were stopped.
   */
  reap(): Promise<number>
  /** Every connection refused so far in this run, oldest first (absent: the sandbox filters no network). */
  blocked?(): NetworkBlock[]
  /** Stops what the sandbox keeps running between commands (its proxies); call once the run is over. */
  close?(): Promise<void>
}
