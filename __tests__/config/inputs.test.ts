import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { UserError } from '../../src/errors.js'
import { parseAllowedDomains, readInputs } from '../../src/inputs.js'
import { actionYml, inputEnv, REPO_ROOT } from '../support/run-action.js'

/** Reads inputs from an env built exactly as the runner builds it (defaults from action.yml, hyphens kept). */
function fromRunner(given: Record<string, string>) {
  const env = inputEnv(given, 'ghs_defaultTokenDefaultToken00')
  return readInputs((name) => env[`INPUT_${name.toUpperCase()}`] ?? '')
}

describe('inputs', () => {
  it('applies action.yml defaults, including the github.token expansion', () => {
    const i = fromRunner({ 'anthropic-api-key': 'sk-ant-test' })
    expect(i.githubToken).toBe('ghs_defaultTokenDefaultToken00')
    expect(i.trigger).toBe('/implement')
    expect(i.draft).toBe(true)
    expect(i.maxTurns).toBe(40)
    expect(i.maxCostUsd).toBe(5)
    expect(i.timeoutMinutes).toBe(30)
    expect(i.model).toBeUndefined()
    expect(i.allowedBots).toEqual([])
    expect(i.sandbox).toBe('auto')
    expect(i.allowedDomains).toEqual([])
    expect(i.verify).toBeUndefined()
    expect(i.verifyAttempts).toBe(2)
    expect(i.thinking).toBeUndefined()
    expect(i.effort).toBeUndefined()
    expect(i.mcpConfig).toBeUndefined()
  })

  it('reads mcp-config: inline JSON parsed at once, anything else a path read when the run plans', () => {
    const inline = fromRunner({
      'anthropic-api-key': 'k',
      'mcp-config': ' {"mcpServers": {"files": {"command": "mcp-files", "args": ["."]}}} ',
    })
    expect(inline.mcpConfig).toEqual({
      kind: 'inline',
      servers: [{ name: 'files', command: 'mcp-files', args: ['.'], env: {} }],
    })
    expect(fromRunner({ 'anthropic-api-key': 'k', 'mcp-config': ' .mcp.json ' }).mcpConfig).toEqual({
      kind: 'path',
      path: '.mcp.json',
    })
  })

  it('reads provider (anthropic by default, any case) without requiring anthropic-api-key for a cloud', () => {
    expect(fromRunner({ 'anthropic-api-key': 'k' }).provider).toBe('anthropic')
    expect(fromRunner({ provider: ' Bedrock ' })).toMatchObject({ provider: 'bedrock', anthropicApiKey: '' })
    expect(fromRunner({ provider: 'vertex' }).provider).toBe('vertex')
    expect(fromRunner({ provider: 'FOUNDRY' }).provider).toBe('foundry')
    expect(actionYml.inputs['anthropic-api-key'].required).toBe(false)
    expect(actionYml.inputs.provider.default).toBe('anthropic')
  })

  it('reads thinking and effort, in any case', () => {
    expect(fromRunner({ 'anthropic-api-key': 'k', thinking: 'OFF', effort: ' XHigh ' })).toMatchObject({
      thinking: 'off',
      effort: 'xhigh',
    })
    expect(fromRunner({ 'anthropic-api-key': 'k', thinking: 'adaptive' }).thinking).toBe('adaptive')
  })

  it('reads verify as a script, its lines kept, and verify-attempts from 0', () => {
    const i = fromRunner({
      'anthropic-api-key': 'k',
      verify: '\n  npm ci\r\n  npm test  \n\n',
      'verify-attempts': '0',
    })
    expect(i.verify).toBe('  npm ci\n  npm test')
    expect(i.verifyAttempts).toBe(0)
    expect(fromRunner({ 'anthropic-api-key': 'k', verify: ' \n ' }).verify).toBeUndefined()
  })

  it('reads sandbox and allowed-domains', () => {
    const i = fromRunner({
      'anthropic-api-key': 'k',
      sandbox: 'OFF',
      'allowed-domains': 'Registry.Example.org, *.example.com\n127.0.0.1:8080 ::1 [::1]:443 localhost',
    })
    expect(i.sandbox).toBe('off')
    expect(i.allowedDomains).toEqual([
      'registry.example.org',
      '*.example.com',
      '127.0.0.1:8080',
      '[::1]',
      '[::1]:443',
      'localhost',
    ])
    expect(parseAllowedDomains(' * ')).toEqual(['*'])
    expect(parseAllowedDomains('a.example, a.example')).toEqual(['a.example'])
  })

  it('reads every documented input, hyphenated names included', () => {
    const i = fromRunner({
      'anthropic-api-key': 'k',
      'anthropic-base-url': 'http://127.0.0.1:9/',
      'spec-name': 'docs/specs/x.md',
      'issue-id': 'ISSUE-3',
      notes: 'be brief',
      model: 'claude-sonnet-4-5',
      template: '.github/implement.md',
      trigger: '/build',
      'allowed-bots': 'Renovate[bot], dependabot[bot]',
      'base-branch': 'develop',
      'max-turns': '7',
      'max-cost-usd': '0.5',
      'timeout-minutes': '3',
      draft: 'false',
      'workflow-file': 'impl.yml',
    })
    expect(i).toMatchObject({
      anthropicBaseUrl: 'http://127.0.0.1:9',
      specName: 'docs/specs/x.md',
      issueId: 'ISSUE-3',
      notes: 'be brief',
      model: 'claude-sonnet-4-5',
      template: '.github/implement.md',
      trigger: '/build',
      allowedBots: ['renovate[bot]', 'dependabot[bot]'],
      baseBranch: 'develop',
      maxTurns: 7,
      maxCostUsd: 0.5,
      timeoutMinutes: 3,
      draft: false,
      workflowFile: 'impl.yml',
    })
  })

  it.each([
    ['max-turns', '0', /max-turns.*whole number/],
    ['max-turns', '2.5', /max-turns/],
    ['max-cost-usd', '-1', /max-cost-usd/],
    ['max-cost-usd', 'lots', /max-cost-usd/],
    ['timeout-minutes', '9999', /timeout-minutes/],
    ['draft', 'maybe', /draft.*true or false/],
    ['anthropic-base-url', 'ftp://x', /anthropic-base-url/],
    ['model', 'sonnet; rm -rf /', /model/],
    ['trigger', '/implement now', /trigger/],
    ['github-token', '', /github-token/],
    ['sandbox', 'on', /sandbox.*auto.*off/],
    ['allowed-domains', 'https://example.com', /allowed-domains.*host names or IP addresses/],
    ['allowed-domains', 'example.com/path', /allowed-domains/],
    ['allowed-domains', '*.com', /allowed-domains/],
    ['allowed-domains', '*, example.com', /allowed-domains.*not both/],
    ['allowed-domains', 'example.com:99999', /allowed-domains/],
    ['allowed-domains', 'exa mple..com', /allowed-domains/],
    ['allowed-domains', '[not-an-ip]', /allowed-domains/],
    ['verify-attempts', '-1', /verify-attempts.*whole number from 0 to 10/],
    ['verify-attempts', '11', /verify-attempts/],
    ['thinking', 'on', /thinking.*adaptive.*off/],
    ['effort', 'extreme', /effort.*low, medium, high, xhigh, max/],
    ['provider', 'openai', /provider.*anthropic, bedrock, vertex, foundry/],
    ['mcp-config', '{"mcpServers": ', /The `mcp-config` input is not valid JSON/],
    [
      'mcp-config',
      '{"mcpServers": {"web": {"url": "https://mcp.example.com"}}}',
      /server `web` is a remote server/,
    ],
    ['mcp-config', 'a.json\nb.json', /mcp-config.*path in the repository.*or a JSON object/],
  ])('rejects %s=%j with a clear message', (name, value, message) => {
    let caught: unknown
    try {
      fromRunner({ 'anthropic-api-key': 'k', [name]: value })
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(UserError)
    expect((caught as Error).message).toMatch(message)
  })

  it('action.yml declares every output the action sets and runs on node24, with a post step that always runs', () => {
    expect(actionYml.runs).toEqual({
      using: 'node24',
      main: 'dist/index.js',
      post: 'dist/post.js',
      'post-if': 'always()',
    })
    expect(Object.keys(actionYml.outputs).sort()).toEqual(
      [
        'branch',
        'cost-usd',
        'input-tokens',
        'output-tokens',
        'pr-number',
        'pr-url',
        'status',
        'turns',
        'verified',
      ].sort(),
    )
    for (const [name, spec] of Object.entries(actionYml.inputs)) {
      expect((spec as { description?: string }).description, name).toBeTruthy()
    }
  })

  it('example workflows only pass inputs the action declares', () => {
    const clouds: Record<string, { provider: string; setup?: string }> = {
      'implement-bedrock.yml': { provider: 'bedrock', setup: 'aws-actions/configure-aws-credentials@' },
      'implement-vertex.yml': { provider: 'vertex', setup: 'google-github-actions/auth@' },
      'implement-foundry.yml': { provider: 'foundry' },
    }
    const files = [
      'implement.yml',
      'implement-dispatch-only.yml',
      'implement-app-token.yml',
      ...Object.keys(clouds),
    ]
    expect(readdirSync(path.join(REPO_ROOT, 'examples')).sort()).toEqual([...files].sort())
    for (const file of files) {
      const wf = parse(readFileSync(path.join(REPO_ROOT, 'examples', file), 'utf8'))
      const steps = Object.values(
        wf.jobs as Record<string, { steps: Array<{ uses?: string; run?: string; with?: object }> }>,
      ).flatMap((j) => j.steps)
      const ours = steps.find((s) => s.uses?.includes('implement-action'))
      expect(ours, file).toBeDefined()
      for (const k of Object.keys(ours?.with ?? {}))
        expect(Object.keys(actionYml.inputs), `${file}: ${k}`).toContain(k)
      if (file === 'implement-app-token.yml') {
        // The App's token does the writing: the workflow's own token only reads.
        expect(wf.permissions).toEqual({ contents: 'read' })
        const app = steps.find((st) => st.uses?.startsWith('actions/create-github-app-token@')) as {
          id?: string
        }
        expect(ours?.with).toMatchObject({ 'github-token': `\${{ steps.${app.id}.outputs.token }}` })
      } else {
        expect(wf.permissions).toMatchObject({ contents: 'write', issues: 'write', 'pull-requests': 'write' })
      }
      const cloud = clouds[file]
      if (cloud) {
        // GitHub's OIDC token for the cloud; no Anthropic key; the setup step after the checkout (the auth
        // action writes its credentials file into the workspace, which a later checkout would wipe).
        expect(wf.permissions['id-token'], file).toBe('write')
        expect(ours?.with, file).toMatchObject({ provider: cloud.provider })
        expect(ours?.with, file).not.toHaveProperty('anthropic-api-key')
        const at = (prefix: string): number => steps.findIndex((st) => st.uses?.startsWith(prefix))
        if (cloud.setup) {
          expect(at(cloud.setup), file).toBeGreaterThan(at('actions/checkout@'))
          expect(at(cloud.setup), file).toBeLessThan(steps.indexOf(ours!))
        }
      }
      expect(JSON.stringify(wf)).toMatch(/"concurrency":\{"group":"implement-/)
      // Fan-out dispatches the workflow with these inputs (src/jobs/fan-out.ts); GitHub refuses undeclared ones.
      expect(Object.keys(wf.on.workflow_dispatch.inputs).sort(), file).toEqual(
        ['comment-id', 'issue-id', 'issue-number', 'notes', 'spec-name'].sort(),
      )
      if (file !== 'implement-app-token.yml') expect(wf.permissions.actions, file).toBe('write')
      // The toolchain and the dependencies are installed before the action: the sandbox has no network.
      const setup = steps.findIndex((st) => st.uses?.startsWith('actions/setup-'))
      expect(setup, file).toBeGreaterThan(steps.findIndex((st) => st.uses?.startsWith('actions/checkout@')))
      expect(
        steps.slice(setup + 1, steps.indexOf(ours!)).some((st) => 'run' in st),
        file,
      ).toBe(true)
    }
  })
})
