/**
 * The Actions artifact service on loopback, as `@actions/artifact` (6.2.x) speaks to it: the Twirp JSON calls
 * `CreateArtifact` and `FinalizeArtifact` of `github.actions.results.api.v1.ArtifactService` (Bearer runtime
 * token, ids from its `scp` claim), and the Azure block-blob upload to the `signed_upload_url` it hands out
 * (`PUT ?comp=block&blockid=…` per block, then `PUT ?comp=blocklist` with the block ids in XML; a single
 * `PUT` of the whole blob is accepted too). The uploaded bytes are kept, and `unzip` reads the artifact's zip.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { inflateRawSync } from 'node:zlib'

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/'
/** The biggest request body accepted: the tests upload small bundles. */
const MAX_BODY = 64 * 1024 * 1024

export interface StoredArtifact {
  id: number
  name: string
  workflowRunBackendId: string
  workflowJobRunBackendId: string
  /** The committed blob (the zip), once the upload finished. */
  bytes?: Buffer
  finalized: boolean
  /** As FinalizeArtifact reported them. */
  size?: string
  hash?: string
}

export interface ArtifactServer {
  /** ACTIONS_RESULTS_URL */
  url: string
  /** ACTIONS_RUNTIME_TOKEN: a JWT whose `scp` claim holds `Actions.Results:<runId>:<jobId>`. */
  token: string
  runBackendId: string
  jobBackendId: string
  artifacts: StoredArtifact[]
  /** `METHOD path` of every request, the query left off (it carries the blob signature). */
  requests: string[]
  /**
   * The next N CreateArtifact calls answer this status (a 4xx is not retried by the client), or with `hang`
   * are read and never answered (a stalled service).
   */
  fault(f: { status?: number; times?: number; hang?: boolean }): void
  close(): Promise<void>
}

/** A JWT as the runner issues it; unsigned (the client only decodes it). */
export function runtimeToken(runBackendId: string, jobBackendId: string): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url')
  const claims = {
    scp: `Actions.GenericRead:1 Actions.Results:${runBackendId}:${jobBackendId}`,
    exp: 4102444800,
  }
  return `${part({ typ: 'JWT', alg: 'none' })}.${part(claims)}.c2ln`
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) req.destroy(new Error('body too large'))
      else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/** The files of a zip, by name, read from its central directory (stored or deflated entries). */
export function unzip(zip: Buffer): Record<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (eocd < 0) throw new Error('not a zip: no end of central directory')
  const count = zip.readUInt16LE(eocd + 10)
  let at = zip.readUInt32LE(eocd + 16)
  const files: Record<string, Buffer> = {}
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory entry')
    const method = zip.readUInt16LE(at + 10)
    const compressed = zip.readUInt32LE(at + 20)
    const nameLen = zip.readUInt16LE(at + 28)
    const extraLen = zip.readUInt16LE(at + 30)
    const commentLen = zip.readUInt16LE(at + 32)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLen)
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const data = zip.subarray(dataAt, dataAt + compressed)
    files[name] = method === 0 ? Buffer.from(data) : inflateRawSync(data)
    at += 46 + nameLen + extraLen + commentLen
  }
  return files
}

export async function startArtifactServer(): Promise<ArtifactServer> {
  const runBackendId = 'c0ffee00-0000-4000-8000-000000004242'
  const jobBackendId = 'c0ffee00-0000-4000-8000-000000000001'
  const token = runtimeToken(runBackendId, jobBackendId)
  const artifacts: StoredArtifact[] = []
  const requests: string[] = []
  const blocks = new Map<string, Map<string, Buffer>>()
  const faults: Array<{ status: number; times: number; hang: boolean }> = []
  const sockets = new Set<Socket>()
  let base = ''

  const json = (res: ServerResponse, status: number, body: object): void => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  const twirp = (method: string, body: Record<string, unknown>, res: ServerResponse): void => {
    const name = String(body.name ?? '')
    const ids =
      body.workflow_run_backend_id === runBackendId && body.workflow_job_run_backend_id === jobBackendId
    if (!ids) return json(res, 400, { code: 'invalid_argument', msg: 'unknown backend ids' })
    if (method === 'CreateArtifact') {
      const fault = faults[0]
      if (fault && --fault.times <= 0) faults.shift()
      if (fault?.hang) return
      if (fault) return json(res, fault.status, { code: 'internal', msg: `injected ${fault.status}` })
      if (artifacts.some((a) => a.name === name)) {
        return json(res, 409, { code: 'already_exists', msg: 'an artifact with this name already exists' })
      }
      const artifact: StoredArtifact = {
        id: artifacts.length + 1,
        name,
        workflowRunBackendId: runBackendId,
        workflowJobRunBackendId: jobBackendId,
        finalized: false,
      }
      artifacts.push(artifact)
      const blob = `${base}/devstoreaccount1/actions-results/${artifact.id}/${encodeURIComponent(name)}.zip`
      return json(res, 200, {
        ok: true,
        signed_upload_url: `${blob}?sv=2024-01-01&sp=cw&sig=stand-in-signature`,
      })
    }
    if (method === 'FinalizeArtifact') {
      const artifact = artifacts.find((a) => a.name === name)
      if (!artifact?.bytes) return json(res, 404, { code: 'not_found', msg: 'nothing was uploaded' })
      artifact.finalized = true
      artifact.size = String(body.size ?? '')
      artifact.hash = typeof body.hash === 'string' ? body.hash : undefined
      return json(res, 200, { ok: true, artifact_id: String(artifact.id) })
    }
    return json(res, 404, { code: 'bad_route', msg: `no ${method}` })
  }

  /** Azure block blob PUTs; the blob is `/devstoreaccount1/actions-results/<id>/<name>.zip`. */
  const blob = (u: URL, body: Buffer, res: ServerResponse): void => {
    const id = Number(u.pathname.split('/')[3])
    const artifact = artifacts.find((a) => a.id === id)
    if (!artifact || u.searchParams.get('sig') !== 'stand-in-signature') {
      res.writeHead(403)
      return void res.end()
    }
    const comp = u.searchParams.get('comp')
    const staged = blocks.get(u.pathname) ?? new Map<string, Buffer>()
    blocks.set(u.pathname, staged)
    if (comp === 'block') staged.set(u.searchParams.get('blockid') ?? '', body)
    else if (comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g)].map(
        (m) => m[1],
      )
      artifact.bytes = Buffer.concat(ids.map((b) => staged.get(b) ?? Buffer.alloc(0)))
    } else if (!comp) artifact.bytes = body
    res.writeHead(201, {
      etag: `"0x${id}"`,
      'last-modified': new Date().toUTCString(),
      'x-ms-request-id': `req-${requests.length}`,
      'x-ms-version': '2024-01-01',
      'x-ms-request-server-encrypted': 'true',
    })
    res.end()
  }

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    requests.push(`${req.method} ${u.pathname}`)
    readBody(req)
      .then((body) => {
        if (req.method === 'POST' && u.pathname.startsWith(SERVICE)) {
          if (req.headers.authorization !== `Bearer ${token}`)
            return json(res, 401, { code: 'unauthenticated', msg: 'bad token' })
          return twirp(u.pathname.slice(SERVICE.length), JSON.parse(body.toString('utf8') || '{}'), res)
        }
        if (req.method === 'PUT' && u.pathname.startsWith('/devstoreaccount1/')) return blob(u, body, res)
        json(res, 404, { code: 'bad_route', msg: 'not found' })
      })
      .catch(() => {
        res.writeHead(400)
        res.end()
      })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let closed: Promise<void> | undefined
  return {
    url: base,
    token,
    runBackendId,
    jobBackendId,
    artifacts,
    requests,
    fault(f) {
      faults.push({ status: f.status ?? 0, times: f.times ?? 1, hang: f.hang ?? false })
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      })
      return closed
    },
  }
}
