/**
 * A failure the model caused and can fix (bad path, missing parameter, no match). The loop sends its message
 * back as an `is_error` tool result instead of crashing the run.
 */
export class ToolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ToolError'
  }
}
