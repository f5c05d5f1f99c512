import { describe, expect, it } from 'vitest'
import { allowlistedEnv } from '../../src/sandbox/env.js'

describe('allowlistedEnv', () => {
  it('keeps toolchain variables and drops everything credential-like', () => {
    const env = allowlistedEnv({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      LC_CTYPE: 'C.UTF-8',
      JAVA_HOME: '/jdk',
      JAVA_HOME_17_X64: '/jdk17',
      NODE_OPTIONS: '--max-old-space-size=4096',
      RUNNER_TEMP: '/tmp/runner',
      GITHUB_TOKEN: 'x',
      GITHUB_WORKSPACE: '/w',
      GITHUB_SERVER_URL: 'https://github.com',
      INPUT_GITHUB_TOKEN: 'x',
      ACTIONS_RUNTIME_TOKEN: 'x',
      ACTIONS_CACHE_URL: 'x',
      ANTHROPIC_API_KEY: 'x',
      ANTHROPIC_BASE_URL: 'x',
      NPM_TOKEN: 'x',
      NODE_AUTH_TOKEN: 'x',
      SOME_SECRET: 'x',
      DB_PASSWORD: 'x',
      SSH_AUTH_SOCK: 'x',
      RANDOM_UNKNOWN: 'x',
    })
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/runner',
      LANG: 'C.UTF-8',
      LC_CTYPE: 'C.UTF-8',
      JAVA_HOME: '/jdk',
      JAVA_HOME_17_X64: '/jdk17',
      NODE_OPTIONS: '--max-old-space-size=4096',
      CI: 'true',
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'never',
    })
  })

  it('supplies a PATH when the source has none', () => {
    expect(allowlistedEnv({}).PATH).toMatch(/\/usr\/bin/)
  })
})
