/**
 * An error the user can fix. Its message is shown as-is on the issue and in the log, never a stack trace.
 * `hint` says what to do about it.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'UserError'
  }
}

/** A one-line, user-facing description of any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.hint ? `${err.message}\n\n${err.hint}` : err.message
  if (err instanceof Error) return err.message
  return String(err)
}

/**
 * `text` as a sentence with one closing mark: a full stop is added only when it does not already end in
 * `.`, `!`, `?` or `…` (error descriptions from libraries often do: "Connection error.").
 */
export function sentence(text: string): string {
  const t = text.trimEnd()
  return t === '' || /[.!?…]$/.test(t) ? t : `${t}.`
}
