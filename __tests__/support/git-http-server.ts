/**
 * A smart-HTTP git server on loopback for tests: Node's `http` in front of the real `git http-backend` CGI over
 * one bare repository, so `git push`/`fetch` speak the same protocol they speak to GitHub. Faults are injected
 * per push: the next N requests for `git-receive-pack` (its ref discovery `info/refs?service=git-receive-pack`
 * and the pack POST) get a status such as 403 or 503 instead, or (`hang`) the pack POST is read and never
 * answered, as a stalled origin does; `close()` leaves the port refusing connections.
 * With `token`, every request must carry the header actions/checkout persists
 * (`Authorization: basic base64(x-access-token:TOKEN)`), as GitHub requires for a push.
 */
import { execFile, spawn } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import path from 'node:path'

/** `git-http-backend` in the installed git's own helper directory (`git --exec-path`), wherever that is. */
async function backendPath(): Promise<string> {
  const dir = await new Promise<string>((resolve, reject) =>
    execFile('git', ['--exec-path'], (err, stdout) => (err ? reject(err) : resolve(stdout.trim()))),
  )
  return path.join(dir, 'git-http-backend')
}
/** A CGI run that takes longer than this is killed: a hung test must not hang the suite. */
const CGI_TIMEOUT_MS = 30_000

export interface GitHttpRequest {
  method: string
  /** Path and query, as received. */
  url: string
  /** `git-receive-pack` or `git-upload-pack`, when the request is for one. */
  service?: string
  /** The status the server answered; 0 for a request it never answered (a `hang` fault). */
  status: number
}

export interface GitHttpFault {
  /** The status answered; ignored with `hang`. */
  status?: number
  /** Let ref discovery through, then read the pack POST and never answer it. */
  hang?: boolean
  /** How many receive-pack requests get the fault (default 1). */
  times?: number
  /** A text/plain body, which git shows as `remote: …` lines (GitHub explains a 403 this way). */
  body?: string
}

export interface GitHttpServer {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** The URL of the bare repository, for `git remote set-url origin`. */
  repoUrl: string
  requests: GitHttpRequest[]
  /** Requests for git-receive-pack so far (each push makes two when it gets through, one when refused at discovery). */
  receivePackRequests(): GitHttpRequest[]
  fault(f: GitHttpFault): void
  /** Stops listening (the port then refuses connections) and ends open connections. Idempotent. */
  close(): Promise<void>
}

function serviceOf(req: IncomingMessage, pathname: string, query: URLSearchParams): string | undefined {
  if (pathname.endsWith('/info/refs')) return query.get('service') ?? undefined
  const m = /\/(git-(?:upload|receive)-pack)$/.exec(pathname)
  return m?.[1]
}

/** Runs the CGI for one request and streams its answer back. */
function runBackend(
  backend: string,
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  query: string,
  remoteUser: string,
): Promise<number> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: pathname,
      QUERY_STRING: query,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: remoteUser,
      REMOTE_ADDR: '127.0.0.1',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { HTTP_GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    }
    const child = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'ignore'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), CGI_TIMEOUT_MS)
    req.pipe(child.stdin)
    child.stdin.on('error', () => undefined)
    let head = Buffer.alloc(0)
    let headerDone = false
    let status = 200
    child.stdout.on('data', (chunk: Buffer) => {
      if (headerDone) {
        res.write(chunk)
        return
      }
      head = Buffer.concat([head, chunk])
      const text = head.toString('latin1')
      const end = text.search(/\r?\n\r?\n/)
      if (end < 0) return
      headerDone = true
      const sep = /\r?\n\r?\n/.exec(text.slice(end))![0].length
      for (const line of text.slice(0, end).split(/\r?\n/)) {
        const at = line.indexOf(':')
        const name = line.slice(0, at).trim()
        const value = line.slice(at + 1).trim()
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0])
        else res.setHeader(name, value)
      }
      res.writeHead(status)
      res.write(head.subarray(end + sep))
    })
    child.on('close', () => {
      clearTimeout(timer)
      if (!headerDone) res.writeHead((status = 500))
      res.end()
      resolve(status)
    })
  })
}

/** Serves `bare` (a bare repository) over smart HTTP on 127.0.0.1, with receive-pack enabled in its config. */
export async function startGitHttpServer(opts: { bare: string; token?: string }): Promise<GitHttpServer> {
  await new Promise<void>((resolve, reject) =>
    execFile(
      'git',
      ['config', '--file', path.join(opts.bare, 'config'), 'http.receivepack', 'true'],
      (err) => (err ? reject(err) : resolve()),
    ),
  )
  const backend = await backendPath()
  const root = path.dirname(opts.bare)
  const repoPath = `/${path.basename(opts.bare)}`
  const expected = opts.token
    ? `basic ${Buffer.from(`x-access-token:${opts.token}`, 'utf8').toString('base64')}`
    : undefined
  const requests: GitHttpRequest[] = []
  const faults: Array<{ status: number; times: number; hang: boolean; body?: string }> = []
  const sockets = new Set<Socket>()

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1')
    const service = serviceOf(req, u.pathname, u.searchParams)
    const record = (status: number): void => {
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', service, status })
    }
    const answer = (status: number, headers: Record<string, string>, body: string): void => {
      record(status)
      req.resume()
      res.writeHead(status, { 'content-type': 'text/plain', ...headers })
      res.end(body)
    }
    if (!u.pathname.startsWith(`${repoPath}/`)) return answer(404, {}, 'Repository not found.\n')
    if (expected && req.headers.authorization?.toLowerCase() !== expected.toLowerCase()) {
      return answer(401, { 'www-authenticate': 'Basic realm="git"' }, 'Authentication required.\n')
    }
    let fault = service === 'git-receive-pack' ? faults[0] : undefined
    // A hang lets ref discovery through: the stall comes after git sent its pack, as when origin stops answering.
    if (fault?.hang && req.method !== 'POST') fault = undefined
    if (fault?.hang) {
      if (--fault.times <= 0) faults.shift()
      record(0)
      req.resume()
      return
    }
    if (fault) {
      if (--fault.times <= 0) faults.shift()
      return answer(fault.status, {}, fault.body ?? `injected ${fault.status}\n`)
    }
    void runBackend(
      backend,
      root,
      req,
      res,
      u.pathname,
      u.search.slice(1),
      expected ? 'x-access-token' : '',
    ).then(record)
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  let closed: Promise<void> | undefined
  return {
    url,
    repoUrl: `${url}${repoPath}`,
    requests,
    receivePackRequests: () => requests.filter((r) => r.service === 'git-receive-pack'),
    fault(f) {
      faults.push({ status: f.status ?? 0, times: f.times ?? 1, hang: f.hang ?? false, body: f.body })
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
