import { createBashTool } from './bash.js'
import { createClarifyTool } from './clarify.js'
import { createEditorTool } from './editor.js'
import { createGlobTool, createGrepTool } from './search.js'
import { createTodoTool, type TodoItem } from './todo.js'
import type { Tool } from './types.js'

export interface ToolOptions {
  /** Called with the whole plan each time the model writes it with TodoWrite. */
  onPlan?: (items: TodoItem[]) => void
}

/** The model's tools: text editor, bash, glob, grep, TodoWrite and ask_for_clarification. */
export function createTools(opts: ToolOptions = {}): Tool[] {
  return [
    createEditorTool(),
    createBashTool(),
    createGlobTool(),
    createGrepTool(),
    createTodoTool(opts.onPlan ?? (() => {})),
    createClarifyTool(),
  ]
}
