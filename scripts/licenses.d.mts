// Types of scripts/licenses.mjs, for the tests.

/** A bundled package (or code embedded in a vendor binary) as dist/licenses.txt lists it. */
export interface BundledPackage {
  name: string
  version: string
  /** The licence its package.json declares, as an SPDX expression ('' when none). */
  license: string
  /** Its licence and notice files (omitted in the list check-dist saves). */
  files?: Array<{ file: string; text: string }>
  vendorFiles?: string[]
  note?: string
  embedded?: boolean
}

export interface WebpackStats {
  modules?: Array<{
    identifier: string
    chunks?: Array<string | number>
    modules?: Array<{ identifier: string }>
  }>
}

export const ALLOWED: Set<string>
export const REVIEWED: Record<string, string>
export function licenseAllowed(expression: unknown): boolean
export function declaredLicense(pkg: { license?: unknown; licenses?: unknown }): string
export function bundledPackages(stats: WebpackStats): BundledPackage[]
export function renderLicenses(packages: BundledPackage[]): string
export function listedPackages(text: string): Map<string, string>
export function checkLicenses(
  text: string,
  packages: BundledPackage[],
): { problems: string[]; reviewed: string[] }
export function writePackageList(file: string, packages: BundledPackage[]): void
