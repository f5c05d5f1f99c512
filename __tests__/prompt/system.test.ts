import { describe, expect, it } from 'vitest'
import { buildSystemPrompt } from '../../src/prompt/system.js'

describe('buildSystemPrompt', () => {
  const text = buildSystemPrompt({
    repoRoot: '/home/runner/work/app/app',
    branch: 'ISSUE-3',
    baseBranch: 'main',
    specPath: 'docs/specs/invitations.md',
    issueId: 'ISSUE-3',
    phaseTitle: 'Email delivery',
    budgets: { maxTurns: 40, maxCostUsd: 2.5, timeoutMinutes: 30 },
    toolNames: ['read_file', 'edit_file', 'run_command', 'ask_for_clarification'],
  })

  it('states the workspace, branch and tools', () => {
    expect(text).toContain('/home/runner/work/app/app')
    expect(text).toMatch(/relative to that root/)
    expect(text).toContain('`ISSUE-3`, created for this work from `main`')
    expect(text).toContain('`read_file`, `edit_file`, `run_command`, `ask_for_clarification`')
  })

  it('says bash keeps its directory and variables, when there is a bash tool', () => {
    const withBash = buildSystemPrompt({
      repoRoot: '/r',
      branch: 'ISSUE-3',
      baseBranch: 'main',
      specPath: 'docs/specs/x.md',
      issueId: 'ISSUE-3',
      phaseTitle: '',
      budgets: { maxTurns: 40, maxCostUsd: 2.5, timeoutMinutes: 30 },
      toolNames: ['bash'],
    })
    expect(withBash).toMatch(
      /`bash` starts there and, like a terminal, keeps its working directory and exported/,
    )
    expect(text).not.toContain('like a terminal')
  })

  it('says the action commits and opens a draft PR, and forbids git writes and waiting for a human', () => {
    expect(text).toContain('DRAFT pull request')
    expect(text).toMatch(/do NOT run `git commit`, `git push`, `git checkout`/)
    expect(text).toContain('Do NOT stop to wait for a human')
  })

  it('routes ambiguity through ask_for_clarification, which ends the run', () => {
    expect(text).toMatch(/call the `ask_for_clarification` tool[^.]*\. It ends the run/)
  })

  it('points to TodoWrite for planning work with several steps', () => {
    expect(text).toMatch(/several steps, plan it with the `TodoWrite` tool/)
  })

  it('asks to mark only this phase complete in the spec', () => {
    expect(text).toContain(
      'Implement ISSUE-3 ("Email delivery") from the spec `docs/specs/invitations.md`, and only that phase',
    )
    expect(text).toContain('mark it complete in `docs/specs/invitations.md`')
    expect(text).toContain("Change no other phase's status")
  })

  it('states the budgets and the final message contents', () => {
    expect(text).toContain('At most 40 turns, about $2.50 of model usage, and 30 minutes')
    expect(text).toMatch(/Summarise what changed/)
    expect(text).toMatch(/concrete steps for a human to test the work locally/)
  })
})
