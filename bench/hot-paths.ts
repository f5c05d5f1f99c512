/**
 * The first benchmarks: spec parsing and completion edits on a large spec, sanitizing and redacting a long
 * comment, the search tools and the sandbox on a 5,000-file repository, and the agent loop's own per-turn
 * overhead (HTTP + SSE parsing + tool dispatch) against the loopback stand-in.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import { bench, rows } from './harness.js'
import { startAnthropicServer } from '../__tests__/support/anthropic-server.js'
import { runAgent } from '../src/agent/loop.js'
import { createAnthropicProvider } from '../src/providers/anthropic.js'
import { Redactor } from '../src/report/redact.js'
import { createPlainSandbox, createRuntimeSandbox, type Sandbox } from '../src/sandbox/index.js'
import { markPhaseComplete } from '../src/spec/complete.js'
import { parseSpec } from '../src/spec/phases.js'
import { allowlistedEnv } from '../src/sandbox/env.js'
import { createTools } from '../src/tools/index.js'
import { createToolset } from '../src/tools/toolset.js'
import type { ToolContext } from '../src/tools/types.js'
import { sanitize } from '../src/discussion/sanitize.js'

function bigSpec(phases: number): string {
  const parts = [
    '# Big spec\n\n## Overview\n\n' + 'Context paragraph. '.repeat(200) + '\n\n## Implementation Strategy\n',
  ]
  for (let i = 1; i <= phases; i++) {
    parts.push(`\n### ISSUE-${i}: Phase number ${i}${i % 3 === 0 ? ' ✅' : ''}\n\n`)
    parts.push(`Do the thing for ${i}. ${'Details. '.repeat(30)}\n\n- [ ] sub-step a\n- [x] sub-step b\n`)
  }
  return parts.join('')
}

/**
 * What the sandbox costs per command: `bash -c true` spawned plainly and through the sandbox (bubblewrap,
 * the proxy bridges, the seccomp helper, and sandbox-runtime's wrap, which scans the workspace for files to
 * protect), on the 5,000-file repository, plus the one-off start-up (the probe) of a fresh sandbox.
 */
async function sandboxCost(sandbox: Sandbox, repo: string): Promise<void> {
  const t = performance.now()
  const status = await sandbox.status()
  console.log(`sandbox start-up (first status, proxies + probe): ${(performance.now() - t).toFixed(0)} ms`)
  if (!status.isolated) {
    console.log(`sandbox not available here (${status.reason ?? ''}); skipping its cost`)
    return
  }
  const req = { cwd: repo, timeoutMs: 30_000, maxOutput: 1_000, capture: 'head-tail' as const }
  const plain = createPlainSandbox({ env: allowlistedEnv() })
  await bench('bash -c true, plain spawn', 30, () => plain.spawn({ ...req, argv: ['bash', '-c', 'true'] }))
  await bench('bash -c true, sandboxed (5,000 files)', 30, () =>
    sandbox.spawn({ ...req, argv: ['bash', '-c', 'true'] }),
  )
  const [p, s] = rows.slice(-2)
  console.log(
    `sandbox cost per command: +${(s.median - p.median).toFixed(1)} ms (median), ${(s.median / p.median).toFixed(1)}x a plain spawn`,
  )
}

/** The hot paths as the first benchmarks measured them: spec, redaction, search tools, sandbox, the loop. */
export async function run(): Promise<void> {
  const spec = bigSpec(500)
  console.log(`spec: ${(spec.length / 1024).toFixed(0)} KiB, 500 phases`)
  await bench('parseSpec (500 phases)', 20, () => parseSpec('docs/spec.md', spec))
  const doc = parseSpec('docs/spec.md', spec)
  await bench('markPhaseComplete (phase 499 of 500)', 20, () => markPhaseComplete(doc, 'ISSUE-499'))

  const comment = (
    'Some text <!-- hidden --> with \u202e bidi and <span hidden>x</span> ghp_' +
    'a'.repeat(36) +
    '\n'
  ).repeat(400)
  const redactor = new Redactor()
  redactor.add('s3cr3t-token-value-abcdef')
  console.log(`comment: ${(comment.length / 1024).toFixed(0)} KiB`)
  await bench('sanitize + redact (one comment)', 50, () => redactor.redact(sanitize(comment)))

  const repo = mkdtempSync(path.join(os.tmpdir(), 'bench-repo-'))
  try {
    for (let d = 0; d < 50; d++) {
      mkdirSync(path.join(repo, `pkg${d}`, 'src'), { recursive: true })
      for (let f = 0; f < 100; f++) {
        writeFileSync(
          path.join(repo, `pkg${d}`, 'src', `file${f}.ts`),
          `export const v${f} = ${f}\n// TODO item ${d}-${f}\n`,
        )
      }
    }
    execFileSync('git', ['init', '-q'], { cwd: repo })
    execFileSync('git', ['add', '-A'], { cwd: repo })
    const tools = createTools()
    const ctx = {
      workspace: repo,
      sandbox: createRuntimeSandbox({ env: allowlistedEnv(), workspace: repo, allowedDomains: [] }),
    }
    await sandboxCost(ctx.sandbox, repo)
    const glob = tools.find((t) => t.name === 'glob')!
    const grep = tools.find((t) => t.name === 'grep')!
    console.log('repo: 5,000 files')
    await bench('glob **/file1*.ts (5,000 files)', 20, () =>
      glob.run(glob.parse({ pattern: '**/file1*.ts' }), ctx),
    )
    await bench('grep TODO item 4[0-9]- (5,000 files)', 20, () =>
      grep.run(grep.parse({ pattern: 'TODO item 4[0-9]-' }), ctx),
    )

    const turns = 20
    const script = Array.from({ length: turns }, (_, i) =>
      i === turns - 1
        ? { content: [{ type: 'text' as const, text: 'done' }] }
        : {
            content: [
              {
                type: 'tool_use' as const,
                name: 'str_replace_based_edit_tool',
                input: { command: 'view', path: `pkg${i}/src/file1.ts` },
              },
            ],
          },
    )
    const toolset = createToolset(tools)
    const loopCtx: ToolContext = { workspace: repo, sandbox: ctx.sandbox }
    await bench(`agent loop, ${turns} turns (per turn)`, 5, async () => {
      const server = await startAnthropicServer(script)
      const t = performance.now()
      await runAgent({
        provider: createAnthropicProvider({ apiKey: 'sk-ant-bench-000000000000', baseURL: server.url }),
        model: { id: 'claude-bench', prices: { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 } },
        system: 'bench',
        prompt: 'bench',
        tools: toolset,
        ctx: loopCtx,
        budgets: { maxTurns: 50, maxCostUsd: 100, timeoutMs: 60_000 },
        redactor,
      })
      const perTurn = (performance.now() - t) / turns
      await server.close()
      return perTurn
    })
    await toolset.close()
    await loopCtx.sandbox.reap()
    await ctx.sandbox.close?.()
  } finally {
    rmSync(repo, { recursive: true, force: true })
  }
}
