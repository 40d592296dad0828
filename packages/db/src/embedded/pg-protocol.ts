// Minimal PostgreSQL v3 wire-protocol helpers shared by the embedded PGlite
// server and the WebSocket proxy. Only what those two need: framing the
// frontend byte stream, building a handful of backend messages, and renaming
// prepared statements so that connections sharing one PGlite session cannot
// collide.

/** Untyped "startup-phase" request codes (first int32 after the length). */
export const SSL_REQUEST_CODE = 80877103
export const GSSENC_REQUEST_CODE = 80877104
export const CANCEL_REQUEST_CODE = 80877102

/**
 * Upper bound on a single frontend message. Postgres itself caps most
 * messages at 1 GB; anything larger is a broken or hostile client and we
 * would rather drop it than try to allocate the buffer.
 */
export const MAX_MESSAGE_BYTES = 1 << 30

const EMPTY = Buffer.alloc(0)

export type FrontendMessage =
  /** Length-prefixed message without a type byte (SSLRequest, StartupMessage, CancelRequest...). */
  | { kind: 'untyped'; code: number; bytes: Buffer }
  /** Regular message: one type byte, then int32 length (including itself). */
  | { kind: 'typed'; type: number; bytes: Buffer }

/**
 * Incremental framer for the frontend → backend byte stream. TCP (and the
 * WebSocket proxy's coalesced writes) split and merge messages arbitrarily,
 * so we buffer until a whole message is available. Chunks are only joined
 * once a complete message is present, to avoid quadratic copying when a big
 * message trickles in.
 */
export class MessageFramer {
  #chunks: Buffer[] = []
  #size = 0
  /** Until the StartupMessage has been seen, messages carry no type byte. */
  untypedPhase = true

  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    this.#chunks.push(chunk)
    this.#size += chunk.length
  }

  /** Next complete message, or null if more bytes are needed. Throws on a malformed length. */
  next(): FrontendMessage | null {
    const headerLen = this.untypedPhase ? 8 : 5
    if (this.#size < headerLen) return null
    const head = this.#contiguous(headerLen)
    const total = this.untypedPhase ? head.readInt32BE(0) : 1 + head.readInt32BE(1)
    const minTotal = this.untypedPhase ? 8 : 5
    if (total < minTotal || total > MAX_MESSAGE_BYTES) {
      throw new Error(`invalid frontend message length ${total}`)
    }
    if (this.#size < total) return null
    const all = this.#contiguous(total)
    const bytes = all.subarray(0, total)
    const rest = all.subarray(total)
    this.#chunks = rest.length > 0 ? [rest] : []
    this.#size = rest.length
    return this.untypedPhase
      ? { kind: 'untyped', code: bytes.readInt32BE(4), bytes }
      : { kind: 'typed', type: bytes[0] ?? 0, bytes }
  }

  /** Ensure the first chunk holds at least `n` bytes (merging chunks if needed) and return it. */
  #contiguous(n: number): Buffer {
    const first = this.#chunks[0] ?? EMPTY
    if (first.length >= n) return first
    const merged = Buffer.concat(this.#chunks, this.#size)
    this.#chunks = [merged]
    return merged
  }
}

/**
 * Streaming detector for the Terminate message ('X', length 4) in a frontend
 * stream, used by the WebSocket proxy. Unlike MessageFramer it keeps no
 * message bodies: it only tracks lengths, so it is cheap to run on every
 * byte that passes through the proxy.
 */
export class TerminateWatcher {
  #phase: 'untyped' | 'typed' | 'off' = 'untyped'
  #header = Buffer.alloc(8)
  #headerLen = 0
  #skip = 0
  /** Set after SSLRequest/GSSENCRequest: the next backend byte says whether encryption starts. */
  awaitingEncryptionReply = false

  /** Backend answered an SSL/GSS request with 'S'/'G': the stream becomes opaque, stop watching. */
  encryptionAccepted(): void {
    this.#phase = 'off'
  }

  /** Feed frontend bytes; returns true once a complete Terminate message has been seen. */
  feed(chunk: Uint8Array): boolean {
    let i = 0
    while (i < chunk.length && this.#phase !== 'off') {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i)
        this.#skip -= n
        i += n
        continue
      }
      const want = this.#phase === 'untyped' ? 8 : 5
      const n = Math.min(want - this.#headerLen, chunk.length - i)
      this.#header.set(chunk.subarray(i, i + n), this.#headerLen)
      this.#headerLen += n
      i += n
      if (this.#headerLen < want) break
      this.#headerLen = 0
      if (this.#phase === 'untyped') {
        const len = this.#header.readInt32BE(0)
        const code = this.#header.readInt32BE(4)
        if (len < 8) return this.#giveUp()
        this.#skip = len - 8
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
          this.awaitingEncryptionReply = true
        } else if (code === CANCEL_REQUEST_CODE) {
          this.#phase = 'off'
        } else {
          this.#phase = 'typed'
        }
      } else {
        const type = this.#header[0]
        const len = this.#header.readInt32BE(1)
        if (len < 4) return this.#giveUp()
        if (type === 0x58 /* X */ && len === 4) return true
        this.#skip = len - 4
      }
    }
    return false
  }

  #giveUp(): false {
    // Not a stream we understand; stop watching rather than guess.
    this.#phase = 'off'
    return false
  }
}

export function typedMessage(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head[0] = type.charCodeAt(0)
  head.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}

export function cstring(s: string): Buffer {
  return Buffer.from(`${s}\0`, 'utf8')
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n, 0)
  return b
}

export function authenticationOk(): Buffer {
  return typedMessage('R', int32(0))
}

export function backendKeyData(processId: number, secretKey: number): Buffer {
  return typedMessage('K', int32(processId), int32(secretKey))
}

export function readyForQuery(status: 'I' | 'T' | 'E'): Buffer {
  return typedMessage('Z', Buffer.from(status, 'latin1'))
}

/** NegotiateProtocolVersion: we only speak 3.0 and no `_pq_.` extensions. */
export function negotiateProtocolVersion(unsupportedOptions: string[]): Buffer {
  return typedMessage('v', int32(3 << 16), int32(unsupportedOptions.length), ...unsupportedOptions.map(cstring))
}

export function errorResponse(severity: 'ERROR' | 'FATAL', sqlState: string, message: string): Buffer {
  return typedMessage(
    'E',
    cstring(`S${severity}`),
    cstring(`V${severity}`),
    cstring(`C${sqlState}`),
    cstring(`M${message}`),
    Buffer.from([0]),
  )
}

export function queryMessage(sql: string): Buffer {
  return typedMessage('Q', cstring(sql))
}

export function parseMessage(statementName: string, sql: string): Buffer {
  return typedMessage('P', cstring(statementName), cstring(sql), Buffer.from([0, 0]))
}

export function closeStatementMessage(statementName: string): Buffer {
  return typedMessage('C', Buffer.from('S', 'latin1'), cstring(statementName))
}

export function copyFailMessage(reason: string): Buffer {
  return typedMessage('f', cstring(reason))
}

export const SYNC_MESSAGE: Buffer = typedMessage('S')

/** Parse StartupMessage key/value pairs (after the 8-byte header). */
export function parseStartupParams(bytes: Buffer): Map<string, string> {
  const params = new Map<string, string>()
  const fields = bytes.subarray(8).toString('utf8').split('\0')
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i] ?? ''
    if (key === '') break
    params.set(key, fields[i + 1] ?? '')
  }
  return params
}

export interface BackendSummary {
  /** Type byte of the last complete message, or null if there was none. */
  lastType: number | null
  /** Transaction status carried by the last ReadyForQuery, if any. */
  lastStatus: 'I' | 'T' | 'E' | null
}

/** Walk a buffer of complete backend messages and report the tail state. */
export function summariseBackend(out: Uint8Array): BackendSummary {
  const view = Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  let lastType: number | null = null
  let lastStatus: BackendSummary['lastStatus'] = null
  let i = 0
  while (i + 5 <= view.length) {
    const type = view[i] ?? 0
    const len = view.readInt32BE(i + 1)
    if (len < 4) break
    if (type === 0x5a /* Z */) {
      const s = String.fromCharCode(view[i + 5] ?? 0)
      lastStatus = s === 'T' || s === 'E' ? s : 'I'
    }
    lastType = type
    i += 1 + len
  }
  return { lastType, lastStatus }
}

/** Byte-level helper: read a NUL-terminated string starting at `at`. */
function readCString(buf: Buffer, at: number): { value: string; end: number } {
  const nul = buf.indexOf(0, at)
  if (nul < 0) throw new Error('unterminated string in frontend message')
  return { value: buf.toString('utf8', at, nul), end: nul + 1 }
}

/**
 * Rewrite prepared-statement names in Parse / Bind / Describe('S') /
 * Close('S') messages through `rename`. The unnamed statement ('') is left
 * alone: it only lives until the next Parse, and whole units of work are
 * serialised, so it cannot be observed by another connection. Portal names
 * are not rewritten because portals die with their transaction.
 * Returns the original buffer when nothing changes.
 */
export function rewriteStatementNames(msg: Buffer, rename: (name: string) => string): Buffer {
  const type = String.fromCharCode(msg[0] ?? 0)
  if (type === 'P') {
    const name = readCString(msg, 5)
    if (name.value === '') return msg
    return typedMessage('P', cstring(rename(name.value)), msg.subarray(name.end))
  }
  if (type === 'B') {
    const portal = readCString(msg, 5)
    const stmt = readCString(msg, portal.end)
    if (stmt.value === '') return msg
    return typedMessage('B', msg.subarray(5, portal.end), cstring(rename(stmt.value)), msg.subarray(stmt.end))
  }
  if ((type === 'D' || type === 'C') && msg[5] === 0x53 /* S */) {
    const name = readCString(msg, 6)
    if (name.value === '') return msg
    return typedMessage(type, Buffer.from('S', 'latin1'), cstring(rename(name.value)), msg.subarray(name.end))
  }
  return msg
}

/** Frontend message types after which Postgres emits ReadyForQuery. */
const Z_PRODUCING = new Set(['Q', 'S', 'F', 'c', 'f'].map((c) => c.charCodeAt(0)))
const FLUSH = 'H'.charCodeAt(0)

/**
 * True if a batch of frontend messages ends a unit of work: nothing but
 * Flush follows the last message that makes the backend send ReadyForQuery.
 * (Together with "PGlite's output ends in ReadyForQuery 'I'" this decides
 * when the global lock may be released.)
 */
export function endsUnitOfWork(batch: Buffer[]): boolean {
  for (let i = batch.length - 1; i >= 0; i--) {
    const type = batch[i]?.[0] ?? 0
    if (Z_PRODUCING.has(type)) return true
    if (type !== FLUSH) return false
  }
  return false
}

export function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.from(`${Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('')}\0`, 'utf8')
  const head = Buffer.alloc(8)
  head.writeInt32BE(8 + body.length, 0)
  head.writeInt32BE(3 << 16, 4)
  return Buffer.concat([head, body])
}

/** Keep only the ParameterStatus ('S') messages of a backend reply (PGlite's startup answer). */
export function parameterStatusMessages(reply: Buffer): Buffer {
  const parts: Buffer[] = []
  let i = 0
  while (i + 5 <= reply.length) {
    const len = reply.readInt32BE(i + 1)
    if (reply[i] === 0x53) parts.push(reply.subarray(i, i + 1 + len))
    i += 1 + len
  }
  if (parts.length === 0) {
    // Defensive fallback in case a future PGlite stops answering startup packets.
    const ps = (k: string, v: string) => typedMessage('S', cstring(k), cstring(v))
    parts.push(
      ps('server_version', '17.0'),
      ps('server_encoding', 'UTF8'),
      ps('client_encoding', 'UTF8'),
      ps('DateStyle', 'ISO, MDY'),
      ps('integer_datetimes', 'on'),
      ps('standard_conforming_strings', 'on'),
      ps('TimeZone', 'UTC'),
    )
  }
  return Buffer.concat(parts)
}
