import { createBashTool } from './bash.js'
import { createClarifyTool } from './clarify.js'
import { createEditorTool } from './editor.js'
import { createGlobTool, createGrepTool } from './search.js'
import type { Tool } from './types.js'

export { allowlistedEnv } from './env.js'
export { ToolError } from './errors.js'
export { resolveInWorkspace } from './jail.js'

export interface CreateToolsOptions {
  /** Called when the model asks for clarification (the loop also ends with status 'clarification'). */
  onClarification?: (questions: string[]) => void
  /** bash per-command timeout (default 2 minutes). */
  bashTimeoutMs?: number
}

/** The model's tools: text editor, bash, glob, grep and ask_for_clarification. */
export function createTools(opts: CreateToolsOptions = {}): Tool[] {
  return [
    createEditorTool(),
    createBashTool({ timeoutMs: opts.bashTimeoutMs }),
    createGlobTool(),
    createGrepTool(),
    createClarifyTool(opts.onClarification),
  ]
}
