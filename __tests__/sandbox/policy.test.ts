import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isGitHubHosted } from '../../src/sandbox/host-setup.js'
import { gitMetadataPaths, secretReadPaths } from '../../src/sandbox/policy.js'
import { makeRepo, makeTempDir, type TempRepo } from '../tools/repo.js'

let repo: TempRepo | undefined
afterEach(() => repo?.cleanup())

describe('sandbox policy', () => {
  it("hides the home directory's credentials, RUNNER_TEMP and the runner's own directories", () => {
    const paths = secretReadPaths({
      HOME: '/home/runner',
      RUNNER_TEMP: '/home/runner/work/_temp',
      RUNNER_WORKSPACE: '/opt/actions-runner/_work/repo',
    })
    for (const p of [
      '/home/runner/.ssh',
      '/home/runner/.gitconfig',
      '/home/runner/.git-credentials',
      '/home/runner/.docker',
      '/home/runner/.aws',
      '/home/runner/.config/gh',
      '/home/runner/work/_temp',
      '/opt/actions-runner/_work/_temp',
      '/opt/actions-runner/.credentials',
      '/opt/actions-runner/.runner',
      '/home/runner/runners',
    ])
      expect(paths, p).toContain(p)
    expect(paths).not.toContain('/home/runner') // the toolchains under the home directory stay readable
    expect(secretReadPaths({ HOME: '/' })).not.toContain('/.ssh')
  })

  it('finds every place of the git metadata: .git, and for a worktree its git dir and common dir', () => {
    repo = makeRepo({ 'a.txt': 'a\n' })
    const gitDir = path.join(repo.root, '.git')
    return (async () => {
      expect(await gitMetadataPaths(repo!.root)).toEqual([gitDir])
      const wt = path.join(makeTempDir('impl-wt-'), 'wt')
      repo!.git('worktree', 'add', '-q', wt)
      try {
        expect(await gitMetadataPaths(wt)).toEqual([
          path.join(wt, '.git'),
          path.join(gitDir, 'worktrees', 'wt'),
          gitDir,
        ])
      } finally {
        fs.rmSync(path.dirname(wt), { recursive: true, force: true })
      }
    })()
  })

  it('recognises a GitHub-hosted runner', () => {
    expect(isGitHubHosted({ RUNNER_ENVIRONMENT: 'github-hosted' })).toBe(true)
    expect(isGitHubHosted({ RUNNER_ENVIRONMENT: 'self-hosted', ImageOS: 'ubuntu24' })).toBe(false)
    // Self-hosted runners built from the runner images set ImageOS too: only RUNNER_ENVIRONMENT counts.
    expect(isGitHubHosted({ ImageOS: 'ubuntu24' })).toBe(false)
    expect(isGitHubHosted({ RUNNER_ENVIRONMENT: 'github-hosted' })).toBe(true)
    expect(isGitHubHosted({})).toBe(false)
  })
})
