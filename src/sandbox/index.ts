export { createPlainSandbox, type PlainSandboxOptions } from './plain.js'
export {
  BWRAP_PATH_VARIABLE,
  createRuntimeSandbox,
  type RuntimeSandbox,
  type RuntimeSandboxOptions,
} from './runtime.js'
export type { NetworkBlock, ProcessResult, Sandbox, SandboxStatus, SpawnRequest } from './types.js'
