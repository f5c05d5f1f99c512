/**
 * The cloud providers' model ids and prices, and what each says when a setting is missing (before any request).
 */
import { describe, expect, it } from 'vitest'
import { describeError, UserError } from '../../src/errors.js'
import { highestKnownPrices, MODELS, modelFamily } from '../../src/providers/models.js'
import { createProvider, type ProviderChoice } from '../../src/providers/select.js'

const choice = (name: ProviderChoice['name'], env: NodeJS.ProcessEnv): ProviderChoice => ({
  name,
  apiKey: '',
  env,
  onSecret: () => undefined,
})
const sonnet = MODELS['claude-sonnet-5-5'].prices

describe('modelFamily', () => {
  it('names the Anthropic model behind each provider’s form of an id', () => {
    const cases: Array<[string, string]> = [
      ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
      ['global.anthropic.claude-sonnet-5-5', 'claude-sonnet-5-5'],
      ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
      ['apac.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5'],
      ['anthropic.claude-opus-4-6-v1', 'claude-opus-4-6'],
      [
        'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-5-20251101-v1:0',
        'claude-opus-4-5',
      ],
      [
        'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-5-5',
        'claude-sonnet-5-5',
      ],
      ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
      ['claude-opus-5-5', 'claude-opus-5-5'],
    ]
    for (const [id, family] of cases) expect(modelFamily(id), id).toBe(family)
    // An application inference profile names no model: it stays as it is, and so unpriced.
    const app = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4'
    expect(modelFamily(app)).toBe('a1b2c3d4')
  })
})

describe('Amazon Bedrock', () => {
  const bedrock = createProvider(
    choice('bedrock', { AWS_REGION: 'eu-west-1', AWS_BEARER_TOKEN_BEDROCK: 'k' }),
  )

  it('aliases name the global inference profile, at Anthropic’s prices', () => {
    expect(bedrock.model('sonnet')).toMatchObject({
      id: 'global.anthropic.claude-sonnet-5-5',
      alias: 'sonnet',
      prices: sonnet,
    })
    expect(bedrock.model('OPUS').id).toBe('global.anthropic.claude-opus-5-5')
    expect(bedrock.model('haiku').longPrompt?.aboveTokens).toBe(100_000)
  })

  it('a regional id is priced 10% above, thinking and effort by family; an opaque ARN is unpriced', () => {
    const eu = bedrock.model('eu.anthropic.claude-sonnet-5-5')
    expect(eu.prices?.input).toBeCloseTo(sonnet.input * 1.1, 9)
    expect(eu.prices?.cacheRead).toBeCloseTo(sonnet.cacheRead * 1.1, 9)
    expect(eu.thinking).toBe(MODELS['claude-sonnet-5-5'].thinking)
    const haiku = bedrock.model('us.anthropic.claude-haiku-5-5')
    expect(haiku.longPrompt?.prices.output).toBeCloseTo(
      MODELS['claude-haiku-5-5'].longPrompt!.prices.output * 1.1,
      9,
    )
    expect(
      bedrock.model('arn:aws:bedrock:us-east-1:1:application-inference-profile/x1').prices,
    ).toBeUndefined()
    // Budgets for an unpriced model hold at the dearest regional price.
    expect(bedrock.highestPrices().output).toBeCloseTo(highestKnownPrices().output * 1.1, 9)
  })

  it('without a region it says what sets one', () => {
    const run = () =>
      createProvider(choice('bedrock', { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's' }))
    expect(run).toThrow(UserError)
    expect(run).toThrow(/AWS_REGION/)
    // AWS_DEFAULT_REGION (which the setup action sets too) is enough.
    expect(() => createProvider(choice('bedrock', { AWS_DEFAULT_REGION: 'us-east-1' }))).not.toThrow()
  })
})

describe('Vertex AI', () => {
  it('ids are Anthropic’s; a regional endpoint costs 10% more than the global one', () => {
    const global = createProvider(
      choice('vertex', { CLOUD_ML_REGION: 'global', ANTHROPIC_VERTEX_PROJECT_ID: 'p' }),
    )
    expect(global.model('sonnet')).toMatchObject({ id: 'claude-sonnet-5-5', prices: sonnet })
    expect(global.model('claude-sonnet-4-5@20250929').prices?.input).toBe(3)
    const regional = createProvider(
      choice('vertex', { CLOUD_ML_REGION: 'us-east5', GOOGLE_CLOUD_PROJECT: 'p' }),
    )
    expect(regional.model('sonnet').prices?.output).toBeCloseTo(sonnet.output * 1.1, 9)
  })

  it('without a region or a project it says which variable to set', () => {
    expect(() => createProvider(choice('vertex', { ANTHROPIC_VERTEX_PROJECT_ID: 'p' }))).toThrow(
      /CLOUD_ML_REGION/,
    )
    expect(() => createProvider(choice('vertex', { CLOUD_ML_REGION: 'global' }))).toThrow(
      /ANTHROPIC_VERTEX_PROJECT_ID/,
    )
  })
})

describe('Microsoft Foundry', () => {
  it('ids and prices are Anthropic’s', () => {
    const foundry = createProvider(
      choice('foundry', { ANTHROPIC_FOUNDRY_RESOURCE: 'r', ANTHROPIC_FOUNDRY_API_KEY: 'key-123456' }),
    )
    expect(foundry.model('opus')).toMatchObject({
      id: 'claude-opus-5-5',
      prices: MODELS['claude-opus-5-5'].prices,
    })
  })

  it('without a resource, or without a key or an Entra app, it says what to set', () => {
    expect(() => createProvider(choice('foundry', { ANTHROPIC_FOUNDRY_API_KEY: 'k' }))).toThrow(
      /ANTHROPIC_FOUNDRY_RESOURCE/,
    )
    expect(() => createProvider(choice('foundry', { ANTHROPIC_FOUNDRY_RESOURCE: 'r' }))).toThrow(
      /ANTHROPIC_FOUNDRY_API_KEY.*Entra|AZURE_CLIENT_ID/s,
    )
    // An Entra app needs a way to prove itself: a client id and tenant alone are not enough.
    expect(() =>
      createProvider(
        choice('foundry', { ANTHROPIC_FOUNDRY_RESOURCE: 'r', AZURE_CLIENT_ID: 'c', AZURE_TENANT_ID: 't' }),
      ),
    ).toThrow(UserError)
    expect(() =>
      createProvider(
        choice('foundry', {
          ANTHROPIC_FOUNDRY_RESOURCE: 'r',
          AZURE_CLIENT_ID: 'c',
          AZURE_TENANT_ID: 't',
          ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req',
        }),
      ),
    ).not.toThrow()
  })
})

describe('the Anthropic API', () => {
  it('needs anthropic-api-key, and says the clouds are the other way', () => {
    let said = ''
    try {
      createProvider(choice('anthropic', {}))
    } catch (err) {
      said = describeError(err)
    }
    expect(said).toMatch(/anthropic-api-key[\s\S]*provider: bedrock/)
  })
})
