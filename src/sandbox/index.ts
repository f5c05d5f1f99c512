export { allowlistedEnv } from './env.js'
export { createSandbox, type SandboxOptions } from './namespaces.js'
export { TOOL_RUN_MARKER_NAME } from './strays.js'
export type { ProcessResult, Sandbox, SandboxStatus, SpawnRequest } from './types.js'
