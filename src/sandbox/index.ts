export { createPlainSandbox, type PlainSandboxOptions } from './plain.js'
export {
  BWRAP_PATH_VARIABLE,
  createRuntimeSandbox,
  type RuntimeSandbox,
  type RuntimeSandboxOptions,
} from './runtime.js'
export type {
  LongProcess,
  NetworkBlock,
  ProcessExit,
  ProcessResult,
  Sandbox,
  SandboxStatus,
  SpawnRequest,
  StartRequest,
} from './types.js'
