export { allowlistedEnv } from './env.js'
export { createPlainSandbox, type PlainSandboxOptions } from './plain.js'
export {
  BWRAP_PATH_VARIABLE,
  createRuntimeSandbox,
  type RuntimeSandbox,
  type RuntimeSandboxOptions,
} from './runtime.js'
export { TOOL_RUN_MARKER_NAME } from './strays.js'
export type { NetworkBlock, ProcessResult, Sandbox, SandboxStatus, SpawnRequest } from './types.js'
