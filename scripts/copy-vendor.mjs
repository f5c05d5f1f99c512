#!/usr/bin/env node
// Copies what @anthropic-ai/sandbox-runtime runs from its own files next to the bundle, where the bundled code
// looks for them (`<dist>/vendor/...`): the seccomp helper for x64 and arm64 and the JVM proxy agent. ncc does
// not carry them (they are found at run time through import.meta.url), nor the package's licence (Apache-2.0),
// which goes with them as vendor/LICENSE. Usage: copy-vendor.mjs <dist dir>
import { chmodSync, copyFileSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const pkg = path.join(root, 'node_modules', '@anthropic-ai', 'sandbox-runtime')
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist'))
const files = [
  ['LICENSE', 'vendor/LICENSE'],
  'vendor/seccomp/x64/apply-seccomp',
  'vendor/seccomp/arm64/apply-seccomp',
  'vendor/java-proxy-agent/srt-proxy-agent.jar',
]
for (const entry of files) {
  const [src, dest] = Array.isArray(entry) ? entry : [entry, entry]
  const from = path.join(pkg, src)
  const to = path.join(out, dest)
  mkdirSync(path.dirname(to), { recursive: true })
  copyFileSync(from, to)
  chmodSync(to, statSync(from).mode & 0o777)
}
