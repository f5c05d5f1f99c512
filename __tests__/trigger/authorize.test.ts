import { describe, expect, it } from 'vitest'
import { authorize } from '../../src/trigger/authorize.js'
import { FakeGitHubApi } from '../support/fake-github-api.js'
import { issueCommentPayload } from './payloads.js'

/** The actor exactly as parseTrigger takes it from a real payload. */
function actorOf(login: string, type = 'User'): { login: string; type: string } {
  const p = issueCommentPayload({ body: '/implement ISSUE-3', login, type })
  return { login: p.comment.user.login, type: p.comment.user.type }
}

describe('authorize', () => {
  it.each(['admin', 'maintain', 'write'] as const)('allows a user with %s', async (perm) => {
    const api = new FakeGitHubApi().user('alice', perm)
    expect(await authorize(api, actorOf('alice'), [])).toEqual({ allowed: true, permission: perm })
    expect(api.writes).toEqual([])
  })

  it.each(['read', 'triage', 'none'] as const)(
    'refuses a user with %s, naming it and what is needed',
    async (perm) => {
      const api = new FakeGitHubApi().user('mallory', perm)
      const r = await authorize(api, actorOf('mallory'), [])
      expect(r.allowed).toBe(false)
      const reason = r.allowed ? '' : r.reason
      expect(reason).toContain(`\`${perm}\``)
      expect(reason).toContain('write')
      expect(reason).toContain('octo-org/octo-repo')
    },
  )

  it('refuses an unknown user (permission none)', async () => {
    const r = await authorize(new FakeGitHubApi(), actorOf('stranger'), [])
    expect(r.allowed).toBe(false)
  })

  it('refuses a bot that is not allowed, even with write access', async () => {
    const api = new FakeGitHubApi().user('renovate[bot]', 'write', 'Bot')
    const r = await authorize(api, actorOf('renovate[bot]', 'Bot'), ['dependabot[bot]'])
    expect(r.allowed).toBe(false)
    expect(r.allowed ? '' : r.reason).toContain('allowed-bots')
  })

  it('accepts an allowed bot (case-insensitive, with or without [bot])', async () => {
    const api = new FakeGitHubApi().user('Renovate[bot]', 'none', 'Bot')
    expect(await authorize(api, actorOf('Renovate[bot]', 'Bot'), ['renovate[bot]'])).toEqual({
      allowed: true,
      permission: 'allowed-bot',
    })
    expect((await authorize(api, actorOf('Renovate[bot]', 'Bot'), ['RENOVATE'])).allowed).toBe(true)
  })

  it('the payload claims User but the API says Bot → refused', async () => {
    const api = new FakeGitHubApi().user('sneaky', 'admin', 'Bot')
    const r = await authorize(api, actorOf('sneaky', 'User'), [])
    expect(r.allowed).toBe(false)
    expect(api.calls).toContain('getUserType sneaky')
  })

  it('the payload claims Bot but the API says User → still treated as a bot', async () => {
    const api = new FakeGitHubApi().user('odd', 'admin', 'User')
    expect((await authorize(api, actorOf('odd', 'Bot'), [])).allowed).toBe(false)
  })

  it('propagates API failures instead of allowing', async () => {
    const api = new FakeGitHubApi().user('alice', 'admin')
    api.failingPermission.add('alice')
    await expect(authorize(api, actorOf('alice'), [])).rejects.toThrow('Not Found')
  })
})
