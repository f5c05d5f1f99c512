import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  bundledPackages,
  checkLicenses,
  declaredLicense,
  licenseAllowed,
  listedPackages,
  renderLicenses,
  type BundledPackage,
} from '../../scripts/licenses.mjs'
import { REPO_ROOT } from '../support/run-action.js'

const nm = path.join(REPO_ROOT, 'node_modules')
const version = (name: string): string =>
  JSON.parse(readFileSync(path.join(nm, name, 'package.json'), 'utf8')).version

/** Webpack stats shaped as ncc reports them: loaders before the file, concatenations, dropped modules. */
const stats = {
  modules: [
    {
      identifier: `${nm}/@vercel/ncc/dist/ncc/loaders/ts-loader.js!${REPO_ROOT}/src/index.ts`,
      chunks: [792],
    },
    { identifier: `${nm}/yaml/dist/index.js`, chunks: [792] },
    {
      identifier: `${REPO_ROOT}/src/main.ts|d4d89063`,
      chunks: [792],
      modules: [
        {
          identifier: `${nm}/@vercel/ncc/dist/ncc/loaders/shebang-loader.js!${nm}/@actions/core/lib/core.js`,
        },
      ],
    },
    // Tree-shaken: in no chunk, so not in the bundle.
    { identifier: `${nm}/zwitch/index.js`, chunks: [] },
    { identifier: 'webpack/runtime/ensure chunk', chunks: [792] },
  ],
}

describe('licences of the bundle', () => {
  it('evaluates SPDX expressions against the allowlist', () => {
    expect(licenseAllowed('MIT')).toBe(true)
    expect(licenseAllowed('(BSD-3-Clause OR GPL-2.0)')).toBe(true)
    expect(licenseAllowed('(Apache-2.0 AND BSD-3-Clause)')).toBe(true)
    expect(licenseAllowed('MIT/X11')).toBe(true)
    expect(licenseAllowed('MIT AND GPL-3.0')).toBe(false)
    expect(licenseAllowed('GPL-3.0-or-later')).toBe(false)
    expect(licenseAllowed('Apache-2.0 WITH LLVM-exception')).toBe(false)
    expect(licenseAllowed('SEE LICENSE IN LICENSE.txt')).toBe(false)
    expect(licenseAllowed('')).toBe(false)
    expect(licenseAllowed('(MIT')).toBe(false)
    expect(declaredLicense({ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })).toBe('MIT OR Apache-2.0')
  })

  it('lists the packages with code in a chunk, concatenated ones too, the runtime as ncc, and the vendor files', () => {
    const packages = bundledPackages(stats)
    expect(packages.map((p) => p.name)).toEqual([
      '@actions/core',
      '@anthropic-ai/sandbox-runtime',
      '@vercel/ncc',
      'glibc',
      'yaml',
    ])
    const vendor = packages.find((p) => p.name === '@anthropic-ai/sandbox-runtime')!
    expect(vendor.vendorFiles).toContain('dist/vendor/seccomp/x64/apply-seccomp')
    expect(vendor.license).toBe('Apache-2.0')
    expect(packages.find((p) => p.name === 'glibc')).toMatchObject({
      license: 'LGPL-2.1-or-later',
      embedded: true,
    })
    expect(packages.find((p) => p.name === 'yaml')!.files!.map((f) => f.file)).toEqual(['LICENSE'])
  })

  it('writes each package with its licence text once, and reads the list back', () => {
    const text = renderLicenses(bundledPackages(stats))
    expect([...listedPackages(text).keys()]).toEqual([
      `@actions/core@${version('@actions/core')}`,
      `@anthropic-ai/sandbox-runtime@${version('@anthropic-ai/sandbox-runtime')}`,
      `@vercel/ncc@${version('@vercel/ncc')}`,
      'glibc@2.39',
      `yaml@${version('yaml')}`,
    ])
    expect(text).toContain('Apache License')
    expect(text).toMatch(/Copyright Eemeli Aro/)
    const same: BundledPackage[] = ['a', 'b'].map((name) => ({
      name,
      version: '1.0.0',
      license: 'MIT',
      files: [{ file: 'LICENSE', text: 'MIT License\r\nCopyright (c) the same people\n' }],
    }))
    const twice = renderLicenses(same)
    expect(twice.match(/Copyright \(c\) the same people/g)).toHaveLength(1)
    expect(twice).toContain("--- LICENSE: the same text as a@1.0.0's LICENSE above.")
  })

  it('passes a licence file that matches the bundle, reporting what was reviewed', () => {
    const packages = bundledPackages(stats)
    const { problems, reviewed } = checkLicenses(renderLicenses(packages), packages)
    expect(problems).toEqual([])
    expect(reviewed).toEqual([expect.stringMatching(/^glibc@2\.39: LGPL-2\.1-or-later \(reviewed: /)])
  })

  it('fails a licence file that misses a bundled package or lists one no longer bundled', () => {
    const packages = bundledPackages(stats)
    const withoutYaml = renderLicenses(packages.filter((p) => p.name !== 'yaml'))
    expect(checkLicenses(withoutYaml, packages).problems).toEqual([
      `yaml@${version('yaml')} is bundled but not listed`,
    ])
    const extra = { name: 'left-pad', version: '1.3.0', license: 'WTFPL', files: [] }
    expect(checkLicenses(renderLicenses([...packages, extra]), packages).problems).toEqual([
      'left-pad@1.3.0 is listed but not bundled',
    ])
  })

  it('fails a bundled package whose licence is outside the allowlist and not reviewed', () => {
    const packages = [
      ...bundledPackages(stats),
      { name: 'copyleft', version: '2.0.0', license: 'GPL-3.0-only', files: [] },
      { name: 'unlabelled', version: '0.1.0', license: '', files: [] },
    ]
    const { problems } = checkLicenses(renderLicenses(packages), packages)
    expect(problems).toEqual([
      expect.stringMatching(/^copyleft@2\.0\.0: GPL-3\.0-only is outside the allowlist \(MIT, /),
      expect.stringMatching(/^unlabelled@0\.1\.0: no licence declared is outside the allowlist/),
    ])
  })
})
