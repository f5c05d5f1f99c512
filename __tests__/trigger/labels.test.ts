import { describe, expect, it } from 'vitest'
import { readLabels } from '../../src/trigger/labels.js'

describe('readLabels', () => {
  it('reads spec: and model: labels', () => {
    expect(readLabels(['bug', 'spec:docs/specs/auth.md', 'model:opus'])).toEqual({
      spec: 'docs/specs/auth.md',
      model: 'opus',
    })
  })

  it('trims, is case-insensitive on prefix and alias, and keeps model ids as written', () => {
    expect(readLabels([' Spec: auth ', 'MODEL: Sonnet'])).toEqual({ spec: 'auth', model: 'sonnet' })
    expect(readLabels(['model:claude-sonnet-4-5-20250929'])).toEqual({ model: 'claude-sonnet-4-5-20250929' })
  })

  it('first wins and empty values are ignored', () => {
    expect(
      readLabels(['spec:', 'model:  ', 'spec:first', 'spec:second', 'model:haiku', 'model:opus']),
    ).toEqual({
      spec: 'first',
      model: 'haiku',
    })
  })

  it('ignores model labels that are not a valid id, and unrelated labels', () => {
    expect(readLabels(['model:claude opus', 'model:x;y', 'specification', 'models:opus'])).toEqual({})
    expect(readLabels(['model:claude opus', 'model:haiku']).model).toBe('haiku')
  })

  it('no labels → nothing', () => {
    expect(readLabels([])).toEqual({})
  })
})
