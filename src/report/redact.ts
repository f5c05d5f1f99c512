/**
 * Removes secrets from any text that leaves the process: comments, PR bodies, summaries, outputs, logs.
 * Known secrets (the tokens the action was given) are replaced exactly; well-known token shapes are
 * replaced by pattern so a secret the model found on disk never reaches an issue either.
 *
 * Every step is linear in the text (texts reach megabytes: command output, job logs): each pattern starts with a
 * fixed prefix and ends where a run of one character class ends, and private keys are found marker by marker
 * (see redactPrivateKeys), never by a pattern that spans the key.
 */
const TOKENS: RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{10,}/g, // Anthropic keys
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
]
/** After the keys: its token characters include `-`, so it could eat a key's BEGIN marker. */
const AUTHORIZATION = /(AUTHORIZATION:\s*(?:basic|bearer)\s+)[A-Za-z0-9+/=._-]{8,}/gi

/** The markers around a PEM private key (PKCS#1, PKCS#8, EC, OpenSSH, encrypted). */
const KEY_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/g
const KEY_END = /-----END [A-Z ]*PRIVATE KEY-----/g

export const REDACTED = '***'

export class Redactor {
  /** Longest first, so a secret containing another is replaced whole. */
  private secrets: string[] = []

  /** Registers a secret (and its base64 form, as git's extraheader stores it). Short values are ignored. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 6) return
    const forms = [
      secret,
      Buffer.from(secret).toString('base64'),
      Buffer.from(`x-access-token:${secret}`).toString('base64'),
    ]
    this.secrets = [...new Set([...this.secrets, ...forms])].sort((a, b) => b.length - a.length)
  }

  /** True when `text` holds one of the registered secrets (token shapes alone do not count). */
  holds(text: string): boolean {
    for (const s of this.secrets) if (text.includes(s)) return true
    return false
  }

  redact(text: string): string {
    let out = text
    for (const s of this.secrets) out = out.split(s).join(REDACTED)
    for (const re of TOKENS) out = out.replace(re, REDACTED)
    out = redactPrivateKeys(out)
    return out.replace(AUTHORIZATION, `$1${REDACTED}`)
  }
}

/**
 * Each private key, from its BEGIN marker to the first END marker after it, becomes REDACTED. A BEGIN marker with
 * no END after it is redacted to the end of the text: a key cut short (an output limit, a log tail, a paste) is
 * still key material, and where its body ends cannot be told for sure (PEM headers, a key quoted inside JSON or
 * indented in YAML), so the rest of the text goes with it. Each character is looked at once or twice: the search
 * for a BEGIN marker resumes after the last END.
 */
function redactPrivateKeys(text: string): string {
  const begin = new RegExp(KEY_BEGIN)
  const end = new RegExp(KEY_END)
  let out = ''
  let from = 0
  for (;;) {
    begin.lastIndex = from
    const b = begin.exec(text)
    if (!b) return from === 0 ? text : out + text.slice(from)
    out += text.slice(from, b.index) + REDACTED
    end.lastIndex = b.index + b[0].length
    const e = end.exec(text)
    if (!e) return out
    from = e.index + e[0].length
  }
}
