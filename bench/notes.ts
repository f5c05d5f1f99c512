/**
 * The discussion notes at scale, and the redactor on adversarial input.
 *
 * Notes: gatherNotes on a discussion of 30 comments by 30 authors and of 3,000 comments by 3,000 authors,
 * against the GitHub REST stand-in with a 2 ms round trip per request (so each permission lookup costs
 * something, as on the real API). The comments are listed once per run by the caller, so they are listed here
 * before the clock starts; what is timed is the selection (the permission lookups, sanitizing, redaction). Each
 * comment is about a thirtieth of the notes cap, so the 30 comments fill the cap as the newest of the 3,000 do:
 * both prompts carry the same amount of discussion, and the ratio shows what the other 2,970 comments cost.
 *
 * Redactor: 64 KiB and 1 MiB of text built to be hard on each pattern (a private-key BEGIN marker without an
 * END, many BEGIN markers, many `Authorization: bearer` prefixes, long runs of token characters, near-misses of
 * a known secret), compared per KiB: linear patterns keep the ratio near 1.
 */
import { performance } from 'node:perf_hooks'
import { bench, ratio, type Row } from './harness.js'
import { startGitHubServer, type FakeGitHub } from '../__tests__/support/github-server.js'
import { gatherNotes, MAX_DISCUSSION_CHARS } from '../src/discussion/notes.js'
import { createGitHubApi } from '../src/github/octokit.js'
import { Redactor } from '../src/report/redact.js'

const TOKEN = 'bench-token'
const LATENCY_MS = 2

/** A discussion of `n` comments by `n` distinct authors (one in ten read-only), oldest an hour before now. */
function discuss(gh: FakeGitHub, n: number): number {
  const issue = gh.addIssue({ title: `${n} comments` })
  const start = Date.now() - 3_600_000
  const body = 'A point about the design, with some detail. '.repeat(20) // ~900 characters: ~30 fill the cap
  for (let i = 0; i < n; i++) {
    const user = `author-${n}-${i}`
    gh.addUser(user, { permission: i % 10 === 3 ? 'read' : 'write' })
    const at = new Date(start + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
    gh.addComment({ issue: issue.number, user, body: `${body}(${i})`, created_at: at })
  }
  return issue.number
}

async function notesAtScale(): Promise<void> {
  const gh = await startGitHubServer({ tokens: [TOKEN] })
  try {
    const redactor = new Redactor()
    const repo = { owner: gh.state.repo.owner, repo: gh.state.repo.name }
    const api = createGitHubApi({ token: TOKEN, baseUrl: gh.url, repo, redactor, retryDelayMs: 1 })
    const small = discuss(gh, 30)
    const large = discuss(gh, 3000)
    const listed = { small: await api.listComments(small), large: await api.listComments(large) }
    gh.state.latencyMs = LATENCY_MS
    const lookups = (): number => gh.requests.filter((r) => r.path.includes('/collaborators/')).length
    const timed = (issueNumber: number, comments: typeof listed.small) => async () => {
      const before = lookups()
      const t = performance.now()
      const r = await gatherNotes(api, {
        issueNumber,
        commandNotes: '',
        selfLogins: ['github-actions[bot]'],
        redactor,
        comments,
      })
      const ms = performance.now() - t
      last = { used: r.used.length, lookups: lookups() - before }
      return ms
    }
    let last = { used: 0, lookups: 0 }
    const a = await bench('gatherNotes, 30 comments by 30 authors', 10, timed(small, listed.small))
    console.log(`  30 comments: ${last.used} in the notes, ${last.lookups} permission lookups`)
    const b = await bench('gatherNotes, 3,000 comments by 3,000 authors', 10, timed(large, listed.large))
    console.log(`  3,000 comments: ${last.used} in the notes, ${last.lookups} permission lookups`)
    console.log(
      `  (cap ${MAX_DISCUSSION_CHARS} characters, ${LATENCY_MS} ms per request, peak ${gh.load.peak} requests at once)`,
    )
    ratio('notes: 3,000 comments/authors vs 30', b, a, 1.5)
  } finally {
    await gh.close()
  }
}

/**
 * Per-KiB time of redacting `make(size)`, as a row whose median is µs per KiB. A small text is redacted as many
 * times as it takes to make a mebibyte, so both sizes are timed over the same amount of text.
 */
async function redactPerKiB(name: string, size: number, make: (size: number) => string): Promise<Row> {
  const redactor = new Redactor()
  redactor.add('a-known-secret-value')
  redactor.add('another-known-secret')
  const text = make(size)
  const kib = text.length / 1024
  const times = Math.max(1, Math.round(1024 / kib))
  return bench(
    `redact ${name}, ${kib >= 1024 ? `${kib / 1024} MiB` : `${kib} KiB`} (per KiB)`,
    9,
    () => {
      const t = performance.now()
      for (let i = 0; i < times; i++) redactor.redact(text)
      return ((performance.now() - t) * 1000) / (kib * times)
    },
    'µs',
  )
}

const fill = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size)

const ADVERSARIAL: Array<[string, (size: number) => string]> = [
  ['key BEGIN without END', (n) => '-----BEGIN RSA PRIVATE KEY-----\n' + fill('MIIEowIBAAKCAQEA\n', n - 32)],
  ['many BEGIN markers', (n) => fill('-----BEGIN PRIVATE KEY-----\n', n)],
  ['many bearer prefixes', (n) => fill('Authorization: bearer ', n)],
  ['a run of token characters', (n) => fill('ghp_', 8) + fill('abcdefghijklmnopqrstuvwxyz0123456789', n - 8)],
  ['many key-like prefixes', (n) => fill('sk-ant-x ghp_x github_pat_x xoxb-x AKIA ', n)],
  ['near-misses of a known secret', (n) => fill('a-known-secret-valu ', n)],
]

async function redactAtScale(): Promise<void> {
  for (const [name, make] of ADVERSARIAL) {
    const small = await redactPerKiB(name, 64 * 1024, make)
    const large = await redactPerKiB(name, 1024 * 1024, make)
    ratio(`redact per KiB, 1 MiB vs 64 KiB: ${name}`, large, small, 1.5)
  }
}

export async function run(): Promise<void> {
  await notesAtScale()
  await redactAtScale()
}
