// What @anthropic-ai/sandbox-runtime runs from its own files, copied next to the bundle where the bundled code
// looks for them (`<dist>/vendor/...`): the seccomp helper for x64 and arm64 and the JVM proxy agent. ncc does
// not carry them (they are found at run time through import.meta.url), nor the package's licence (Apache-2.0),
// which goes with them as vendor/LICENSE. scripts/build-dist.mjs calls copyVendor; scripts/licenses.mjs lists
// the package and what its binaries embed.
import { chmodSync, copyFileSync, mkdirSync, statSync } from 'node:fs'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

/** The package the vendor files come from. */
export const VENDOR_PACKAGE = '@anthropic-ai/sandbox-runtime'

const SECCOMP = ['vendor/seccomp/x64/apply-seccomp', 'vendor/seccomp/arm64/apply-seccomp']

/** [file in the package, file under <dist>] */
export const VENDOR_FILES = [
  ['LICENSE', 'vendor/LICENSE'],
  ...SECCOMP.map((f) => [f, f]),
  ['vendor/java-proxy-agent/srt-proxy-agent.jar', 'vendor/java-proxy-agent/srt-proxy-agent.jar'],
]

/**
 * Third-party code inside the vendor binaries, beyond the package's own (Apache-2.0) code. Found by reading the
 * binaries (`file`: statically linked; their strings: glibc's messages, "GCC: (Ubuntu 13.3.0-6ubuntu2~24.04.1)")
 * and the package's vendor/seccomp/build.ts (`gcc -static`). The JVM agent holds only the package's classes.
 */
export const VENDOR_EMBEDDED = [
  {
    name: 'glibc',
    version: '2.39',
    license: 'LGPL-2.1-or-later',
    files: SECCOMP,
    note:
      "The GNU C Library, statically linked into the seccomp helper by sandbox-runtime's build (gcc -static; " +
      'the binaries name GCC 13.3.0 of Ubuntu 24.04, whose glibc is 2.39). Its source: ' +
      "https://sourceware.org/glibc/ (on Ubuntu, the glibc source package); the helper's own source is " +
      "vendor/seccomp-src in sandbox-runtime's repository (not in its npm package).",
  },
]

/** Copies the vendor files from the installed package into `out` (a dist folder), modes kept. */
export function copyVendor(out) {
  const pkg = path.join(root, 'node_modules', VENDOR_PACKAGE)
  for (const [src, dest] of VENDOR_FILES) {
    const from = path.join(pkg, src)
    const to = path.join(out, dest)
    mkdirSync(path.dirname(to), { recursive: true })
    copyFileSync(from, to)
    chmodSync(to, statSync(from).mode & 0o777)
  }
}
