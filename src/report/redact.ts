/**
 * Removes secrets from any text that leaves the process: comments, PR bodies, summaries, outputs, logs.
 * Known secrets (the tokens the action was given) are replaced exactly; well-known token shapes are
 * replaced by pattern so a secret the model found on disk never reaches an issue either.
 */
const PATTERNS: RegExp[] = [
  /\bsk-ant-[A-Za-z0-9_-]{10,}/g, // Anthropic keys
  /\bgh[pousr]_[A-Za-z0-9]{20,}/g, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g, // AWS access key id
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g, // Slack
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(AUTHORIZATION:\s*(?:basic|bearer)\s+)[A-Za-z0-9+/=._-]{8,}/gi,
]

export const REDACTED = '***'

export class Redactor {
  private readonly secrets = new Set<string>()

  /** Registers a secret (and its base64 form, as git's extraheader stores it). Short values are ignored. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 6) return
    this.secrets.add(secret)
    this.secrets.add(Buffer.from(secret).toString('base64'))
    this.secrets.add(Buffer.from(`x-access-token:${secret}`).toString('base64'))
  }

  /** True when `text` holds one of the registered secrets (token shapes alone do not count). */
  holds(text: string): boolean {
    for (const s of this.secrets) if (text.includes(s)) return true
    return false
  }

  redact(text: string): string {
    let out = text
    // Longest first so a secret containing another is replaced whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED)
    for (const re of PATTERNS) {
      out = out.replace(re, (_m, prefix?: string) =>
        typeof prefix === 'string' ? prefix + REDACTED : REDACTED,
      )
    }
    return out
  }
}
