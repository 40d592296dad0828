// Tiny raw-TCP PostgreSQL client for tests: lets a test send exact protocol
// bytes (SSLRequest, half-finished pipelines, abrupt disconnects) that a real
// driver would never produce on demand.

import net from 'node:net'
import { queryMessage, startupMessage, typedMessage } from './pg-protocol.ts'

export { startupMessage }

export interface BackendMessage {
  type: string
  body: Buffer
}

export class RawPgClient {
  socket: net.Socket
  closed: Promise<void>
  #buf = Buffer.alloc(0)
  #notify: (() => void) | null = null
  #ended = false

  constructor(socket: net.Socket) {
    this.socket = socket
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d])
      this.#wake()
    })
    socket.on('error', () => {})
    this.closed = new Promise<void>((resolve) =>
      socket.on('close', () => {
        this.#ended = true
        this.#wake()
        resolve()
      }),
    )
  }

  static async connect(port: number): Promise<RawPgClient> {
    const socket = net.createConnection({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawPgClient(socket)
  }

  /** Connect and complete startup (no SSL). */
  static async started(port: number): Promise<RawPgClient> {
    const c = await RawPgClient.connect(port)
    c.send(startupMessage({ user: 'test', database: 'test' }))
    await c.untilReady()
    return c
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  async readBytes(n: number): Promise<Buffer> {
    while (this.#buf.length < n) await this.#wait()
    const out = this.#buf.subarray(0, n)
    this.#buf = this.#buf.subarray(n)
    return out
  }

  async readMessage(): Promise<BackendMessage> {
    const head = await this.readBytes(5)
    const body = await this.readBytes(head.readInt32BE(1) - 4)
    return { type: String.fromCharCode(head[0] ?? 0), body }
  }

  /** Read messages up to and including ReadyForQuery. */
  async untilReady(): Promise<{ messages: BackendMessage[]; status: string }> {
    const messages: BackendMessage[] = []
    for (;;) {
      const m = await this.readMessage()
      messages.push(m)
      if (m.type === 'Z') return { messages, status: m.body.toString('latin1') }
    }
  }

  /** Simple query; returns the text of every DataRow's first column plus the final status. */
  async query(sql: string): Promise<{ values: (string | null)[]; errors: string[]; status: string }> {
    this.send(queryMessage(sql))
    const { messages, status } = await this.untilReady()
    return { values: messages.filter((m) => m.type === 'D').map(firstColumn), errors: errorsOf(messages), status }
  }

  async #wait(): Promise<void> {
    if (this.#ended) throw new Error('connection closed')
    await new Promise<void>((resolve) => {
      this.#notify = resolve
    })
  }

  #wake(): void {
    const n = this.#notify
    this.#notify = null
    n?.()
  }
}

export function sslRequest(): Buffer {
  const b = Buffer.alloc(8)
  b.writeInt32BE(8, 0)
  b.writeInt32BE(80877103, 4)
  return b
}

/** Bind (unnamed portal, given statement, text params) + Execute. */
export function bindExecute(statement: string, params: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`\0${statement}\0`, 'utf8'), int16(0), int16(params.length)]
  for (const p of params) {
    const v = Buffer.from(p, 'utf8')
    parts.push(int32(v.length), v)
  }
  parts.push(int16(0))
  return Buffer.concat([typedMessage('B', ...parts), typedMessage('E', Buffer.from([0]), int32(0))])
}

function int16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeInt16BE(n, 0)
  return b
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n, 0)
  return b
}

function firstColumn(m: BackendMessage): string | null {
  const len = m.body.readInt32BE(2)
  return len < 0 ? null : m.body.toString('utf8', 6, 6 + len)
}

/** SQLSTATE codes of the ErrorResponses among `messages`. */
export function errorsOf(messages: BackendMessage[]): string[] {
  return messages
    .filter((m) => m.type === 'E')
    .map((m) => {
      const field = m.body.toString('utf8').split('\0').find((f) => f.startsWith('C'))
      return field ? field.slice(1) : '?'
    })
}
