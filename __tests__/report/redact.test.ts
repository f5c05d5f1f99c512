import { describe, expect, it } from 'vitest'
import { Redactor } from '../../src/report/redact.js'

describe('Redactor', () => {
  it('replaces registered secrets and their base64 forms', () => {
    const r = new Redactor()
    r.add('s3cr3t-value-123')
    const b64 = Buffer.from('x-access-token:s3cr3t-value-123').toString('base64')
    const out = r.redact(`token=s3cr3t-value-123 header=AUTHORIZATION: basic ${b64}`)
    expect(out).not.toContain('s3cr3t-value-123')
    expect(out).not.toContain(b64)
  })

  it('replaces well-known token shapes it was never told about', () => {
    const r = new Redactor()
    const text = [
      'gh: ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'pat: github_pat_11ABCDEFG0123456789_abcdefghijklmnop',
      'ant: sk-ant-api03-abcdefghijklmnopqrstuv',
      'aws: AKIAIOSFODNN7EXAMPLE',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEabc\n-----END RSA PRIVATE KEY-----',
    ].join('\n')
    const out = r.redact(text)
    for (const leak of ['ghp_abc', 'github_pat_11', 'sk-ant-api03', 'AKIAIOSFODNN7', 'MIIEabc'])
      expect(out).not.toContain(leak)
    expect(out).toContain('gh: ***')
  })

  it('ignores values too short to be secrets and leaves ordinary text alone', () => {
    const r = new Redactor()
    r.add('abc')
    expect(r.redact('abc def')).toBe('abc def')
  })

  it('holds: true for text with a registered secret (or its base64 forms), not for a token shape alone', () => {
    const r = new Redactor()
    r.add('ghs_registeredToken0123456789')
    expect(r.holds('Bearer ghs_registeredToken0123456789')).toBe(true)
    expect(r.holds(Buffer.from('x-access-token:ghs_registeredToken0123456789').toString('base64'))).toBe(true)
    expect(r.holds('ghp_abcdefghijklmnopqrstuvwxyz0123456789')).toBe(false)
    expect(r.holds('')).toBe(false)
  })
})
