import { describe, expect, it } from 'vitest'
import {
  isModelAlias,
  MODEL_ALIASES,
  MODEL_ID_PATTERN,
  MODELS,
  modelInfo,
  resolveModel,
} from '../../src/providers/models.js'
import { requestCost } from '../../src/agent/meter.js'

describe('resolveModel', () => {
  it('precedence: input > label > frontmatter > default', () => {
    expect(resolveModel({ input: 'opus', label: 'haiku', frontmatter: 'sonnet' })).toMatchObject({
      id: 'claude-opus-5-5',
      source: 'input',
    })
    expect(resolveModel({ label: 'haiku', frontmatter: 'opus' })).toMatchObject({
      id: 'claude-haiku-5-5',
      source: 'label',
    })
    expect(resolveModel({ input: '  ', frontmatter: 'opus' })).toMatchObject({
      id: 'claude-opus-5-5',
      source: 'frontmatter',
    })
    expect(resolveModel({})).toMatchObject({ id: 'claude-sonnet-5-5', alias: 'sonnet', source: 'default' })
    expect(resolveModel({ frontmatter: 'inherit' })).toMatchObject({
      id: 'claude-sonnet-5-5',
      source: 'default',
    })
  })

  it('aliases are case-insensitive and carry prices', () => {
    const m = resolveModel({ input: 'Haiku' })
    expect(m.id).toBe('claude-haiku-5-5')
    expect(m.alias).toBe('haiku')
    expect(m.prices).toEqual({ input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 })
    expect(m.longPrompt?.aboveTokens).toBe(100_000)
  })

  it('a full id passes through: priced when known (dated snapshots too), undefined when not', () => {
    expect(resolveModel({ label: 'claude-sonnet-4-6' })).toMatchObject({
      id: 'claude-sonnet-4-6',
      source: 'label',
      prices: { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
    })
    expect(modelInfo('claude-haiku-4-5-20251001').prices).toEqual({
      input: 1,
      output: 5,
      cacheWrite: 1.25,
      cacheRead: 0.1,
    })
    const unknown = resolveModel({ input: 'claude-experimental-9' })
    expect(unknown).toEqual({ id: 'claude-experimental-9', source: 'input' })
    expect(unknown.prices).toBeUndefined()
  })

  it('every alias points at a priced model from the table', () => {
    for (const id of Object.values(MODEL_ALIASES)) expect(MODELS[id]?.prices.input).toBeGreaterThan(0)
  })
})

describe('requestCost', () => {
  const usage = {
    inputTokens: 10_000,
    outputTokens: 2_000,
    cacheCreationInputTokens: 4_000,
    cacheReadInputTokens: 50_000,
    thinkingTokens: 0,
  }

  it('prices each token kind', () => {
    // sonnet 5.5: 10k*2 + 2k*10 + 4k*2.5 + 50k*0.1 = 20000+20000+10000+5000 = 55000 / 1e6
    expect(requestCost(modelInfo('sonnet'), usage)).toBeCloseTo(0.055, 10)
  })

  it('uses the long-prompt band when a request’s prompt is above it', () => {
    const haiku = modelInfo('haiku')
    expect(requestCost(haiku, usage)).toBeCloseTo(
      (10_000 * 0.1 + 2_000 * 0.5 + 4_000 * 0.125 + 50_000 * 0.01) / 1e6,
      12,
    )
    const big = { ...usage, cacheReadInputTokens: 90_000, thinkingTokens: 0 } // prompt 104k > 100k
    expect(requestCost(haiku, big)).toBeCloseTo(
      (10_000 * 0.5 + 2_000 * 2.5 + 4_000 * 0.625 + 90_000 * 0.05) / 1e6,
      12,
    )
  })

  it('unknown prices → null', () => {
    expect(requestCost(modelInfo('some-other-model'), usage)).toBeNull()
  })
})

describe('isModelAlias and MODEL_ID_PATTERN', () => {
  it('knows the aliases in any case, and nothing else', () => {
    for (const a of ['haiku', 'Sonnet', 'OPUS']) expect(isModelAlias(a)).toBe(true)
    for (const v of ['claude-sonnet-5-5', 'gpt', '', ' haiku', 'constructor', 'toString']) {
      expect(isModelAlias(v)).toBe(false)
    }
    expect(modelInfo('constructor')).toEqual({ id: 'constructor' })
  })

  it('accepts model ids and rejects white space and shell or markdown characters', () => {
    for (const id of [
      'claude-sonnet-4-5-20250929',
      'anthropic.claude-v2:1',
      'claude@2025',
      'a_b.c',
      'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3',
    ]) {
      expect(MODEL_ID_PATTERN.test(id)).toBe(true)
    }
    for (const id of ['claude opus', 'x;y', 'sonnet; rm -rf /', '`x`', '', 'a\\b', '[x](y)']) {
      expect(MODEL_ID_PATTERN.test(id)).toBe(false)
    }
  })
})
