/**
 * The MCP client's stdio transport over a process the sandbox started. The SDK's StdioClientTransport spawns its
 * server itself (outside any sandbox) and takes no existing process, so this one speaks the same newline-delimited
 * JSON-RPC over the pipes of a {@link LongProcess}.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js'
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import type { LongProcess } from '../sandbox/types.js'

/** Largest message read from a server (a longer line is dropped and reported through `onerror`). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024

export class SandboxedStdioTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: (message: JSONRPCMessage) => void
  private readonly buffer = new ReadBuffer({ maxBufferSize: MAX_MESSAGE_BYTES })
  private started = false
  private closed = false

  constructor(private readonly proc: LongProcess) {}

  start(): Promise<void> {
    if (this.started) throw new Error('SandboxedStdioTransport already started')
    this.started = true
    this.proc.stdout.on('data', (chunk: Buffer) => {
      try {
        this.buffer.append(chunk)
      } catch (err) {
        this.onerror?.(err instanceof Error ? err : new Error(String(err)))
        return
      }
      this.drain()
    })
    this.proc.stdout.on('error', (err: Error) => this.onerror?.(err))
    void this.proc.exited.then(() => this.ended())
    return Promise.resolve()
  }

  /** Hands over every whole message received; a line that is not JSON-RPC is reported and skipped. */
  private drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null
      try {
        message = this.buffer.readMessage()
      } catch (err) {
        this.onerror?.(err instanceof Error ? err : new Error(String(err)))
        continue
      }
      if (message === null) return
      this.onmessage?.(message)
    }
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed || !this.proc.stdin.writable) {
        reject(new Error('The MCP server is no longer running'))
        return
      }
      this.proc.stdin.write(serializeMessage(message), (err) => (err ? reject(err) : resolve()))
    })
  }

  /** Stops the server (stdin closed, then SIGTERM, then SIGKILL) and reports the connection closed. */
  async close(): Promise<void> {
    await this.proc.stop()
    this.ended()
  }

  private ended(): void {
    if (this.closed) return
    this.closed = true
    this.buffer.clear()
    this.onclose?.()
  }
}
