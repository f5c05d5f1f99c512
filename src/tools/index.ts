import { createBashTool } from './bash.js'
import { createClarifyTool } from './clarify.js'
import { createEditorTool } from './editor.js'
import { createGlobTool, createGrepTool } from './search.js'
import type { Tool } from './types.js'

/** The model's tools: text editor, bash, glob, grep and ask_for_clarification. */
export function createTools(): Tool[] {
  return [createEditorTool(), createBashTool(), createGlobTool(), createGrepTool(), createClarifyTool()]
}
