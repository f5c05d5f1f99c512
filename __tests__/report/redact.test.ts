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

/** The redactor as it was before its key pattern was replaced (quadratic on many BEGIN markers). */
function redactedBefore(text: string, secrets: string[]): string {
  const patterns = [
    /\bsk-ant-[A-Za-z0-9_-]{10,}/g,
    /\bgh[pousr]_[A-Za-z0-9]{20,}/g,
    /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
    /\bAKIA[0-9A-Z]{16}\b/g,
    /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    /(AUTHORIZATION:\s*(?:basic|bearer)\s+)[A-Za-z0-9+/=._-]{8,}/gi,
  ]
  const all = new Set<string>()
  for (const s of secrets) {
    all.add(s)
    all.add(Buffer.from(s).toString('base64'))
    all.add(Buffer.from(`x-access-token:${s}`).toString('base64'))
  }
  let out = text
  for (const s of [...all].sort((a, b) => b.length - a.length)) out = out.split(s).join('***')
  for (const re of patterns) {
    out = out.replace(re, (_m, prefix?: string) => (typeof prefix === 'string' ? prefix + '***' : '***'))
  }
  return out
}

const RSA = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nAbCdEf==\n-----END RSA PRIVATE KEY-----'
const PKCS8 = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG\n-----END PRIVATE KEY-----'
const OPENSSH =
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'

describe('Redactor: private keys', () => {
  it('redacts what it redacted before, on texts whose every key is complete', () => {
    const pieces = [
      RSA,
      PKCS8,
      OPENSSH,
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nxyz\n-----END ENCRYPTED PRIVATE KEY-----',
      'plain words',
      '\n',
      '-----END RSA PRIVATE KEY-----', // an END with no BEGIN before it stays
      '-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----', // not private
      'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'AUTHORIZATION: bearer abcdefgh12345678',
      'the-known-secret-123',
      '----- BEGIN',
    ]
    // Deterministic mixes: every piece after every other, and a BEGIN inside a key (the first END closes it).
    const texts = [
      pieces.join('\n'),
      pieces.flatMap((a) => pieces.map((b) => `${a} ${b}`)).join('\n'),
      `${RSA.slice(0, 40)}${PKCS8}${RSA.slice(40)} after`,
      `${PKCS8}${PKCS8}${OPENSSH}`,
      `-----BEGIN RSA PRIVATE KEY-----${'-----BEGIN PRIVATE KEY-----'.repeat(3)}x-----END PRIVATE KEY----- tail`,
    ]
    for (const text of texts) {
      const r = new Redactor()
      r.add('the-known-secret-123')
      expect(r.redact(text)).toBe(redactedBefore(text, ['the-known-secret-123']))
    }
    expect(new Redactor().redact(`a ${RSA} b ${PKCS8} c`)).toBe('a *** b *** c')
  })

  it('redacts a key cut short (BEGIN with no END) to the end of the text', () => {
    const r = new Redactor()
    const cut = `${RSA.slice(0, 50)}`
    expect(r.redact(`Output:\n${cut}\n[… 4000 characters of output truncated …]\nMore key\nmaterial`)).toBe(
      'Output:\n***',
    )
    // After complete keys, the cut one still goes.
    expect(r.redact(`${PKCS8} between ${OPENSSH.slice(0, 45)} rest`)).toBe('*** between ***')
    expect(r.redact('no key here: -----BEGIN PUBLIC KEY----- stays')).toBe(
      'no key here: -----BEGIN PUBLIC KEY----- stays',
    )
  })

  it('a bearer header just before a key does not hide the key from redaction', () => {
    const r = new Redactor()
    expect(r.redact(`AUTHORIZATION: bearer ${PKCS8}`)).not.toContain('MIIEvQIBADANBgkqhkiG')
  })

  it('many BEGIN markers with no END: everything from the first one on', () => {
    const text = `before ${'-----BEGIN PRIVATE KEY-----\n'.repeat(1_000)}`
    expect(new Redactor().redact(text)).toBe('before ***')
  })
})
