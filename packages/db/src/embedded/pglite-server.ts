// A PostgreSQL wire-protocol (v3) TCP server in front of ONE PGlite instance,
// for local development and tests.
//
// PGlite is a single Postgres backend (one session). Several client
// connections can only share it safely if whole transactions are serialised:
// a connection takes a global lock with the first message of a unit of work
// and keeps it until PGlite answers ReadyForQuery with status 'I'. While the
// status is 'T' / 'E' (open or failed transaction) other connections queue in
// FIFO order. @electric-sql/pglite-socket does not do this (it interleaves
// extended-protocol messages of concurrent connections) which is why this
// file exists.
//
// Known limits of sharing one session: SET / temp tables / LISTEN are shared
// by every connection; SQL-level PREPARE/EXECUTE names are not isolated
// (protocol-level named statements are, see rewriteStatementNames).

import net from 'node:net'
import { randomInt } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MessageFramer,
  SSL_REQUEST_CODE,
  SYNC_MESSAGE,
  authenticationOk,
  backendKeyData,
  closeStatementMessage,
  copyFailMessage,
  endsUnitOfWork,
  errorResponse,
  negotiateProtocolVersion,
  parameterStatusMessages,
  parseMessage,
  parseStartupParams,
  queryMessage,
  readyForQuery,
  rewriteStatementNames,
  startupMessage,
  summariseBackend,
} from './pg-protocol.ts'

export type LogFn = (msg: string, fields?: object) => void

export interface PgliteServerOptions {
  /** Directory for the database files; undefined = in-memory. */
  dataDir?: string
  /** Interface to bind; default 127.0.0.1. */
  host?: string
  /** TCP port; 0 (default) = any free port. */
  port?: number
  log?: LogFn
  /**
   * How long a connection may wait in the queue for the global lock before it
   * gets a FATAL error and is closed. Turns the classic self-deadlock (a
   * transaction open on one pooled connection while the same code awaits a
   * query on another) into an error instead of a silent hang. 0 = wait forever.
   * Default 30 000 ms.
   */
  lockTimeoutMs?: number
}

export interface PgliteServer {
  host: string
  port: number
  db: PGlite
  /** Run `fn` while holding the global lock, e.g. to use `db.query()` safely while clients are connected. */
  exclusive<T>(fn: (db: PGlite) => Promise<T>): Promise<T>
  close(): Promise<void>
}

type TxStatus = 'I' | 'T' | 'E'
type StepResult = 'release' | 'hold' | 'wait'

/** Anything that can own the global lock. */
interface Holder {
  step(): Promise<StepResult>
  onQueued?(): void
  onAcquired?(): void
}

const TERMINATE = 'X'.charCodeAt(0)
const PASSWORD = 'p'.charCodeAt(0)
/** Postgres silently truncates identifiers (and statement names) to 63 bytes. */
const MAX_NAME_BYTES = 63

export async function startPgliteServer(opts: PgliteServerOptions = {}): Promise<PgliteServer> {
  const host = opts.host ?? '127.0.0.1'
  const log: LogFn = opts.log ?? (() => {})
  const lockTimeoutMs = opts.lockTimeoutMs ?? 30_000
  const db = opts.dataDir === undefined ? await PGlite.create() : await PGlite.create(opts.dataDir)

  // Run one StartupMessage through PGlite at boot and replay its
  // ParameterStatus messages to every client. PGlite 0.5 does handle
  // startup packets itself, but answering clients ourselves means a new
  // connection never waits for the global lock just to log in (so pool
  // connect timeouts cannot fire behind a long transaction), and client
  // startup parameters can never change the shared session.
  const startupReply = Buffer.from(await db.execProtocolRaw(startupMessage({ user: 'postgres', database: 'postgres' })))
  await db.execProtocolRaw(SYNC_MESSAGE) // flushes GUC reports PGlite queues after a startup
  const parameterStatus = parameterStatusMessages(startupReply)

  let nextConnId = 1
  let owner: Holder | null = null
  const queue: Holder[] = []
  const conns = new Set<Conn>()
  let running = false
  let idle: Promise<void> = Promise.resolve()
  let closing = false

  function enqueue(h: Holder): void {
    if (owner === h || queue.includes(h)) return
    queue.push(h)
    h.onQueued?.()
  }

  /**
   * The single executor loop: hands the lock around and runs the owner's
   * work. `running` is a plain flag set and cleared synchronously, so a
   * drive() call can never be lost in the gap between the loop deciding to
   * stop and the flag being cleared (events seen while the loop is awaiting
   * PGlite are picked up by the loop itself).
   */
  function drive(): void {
    if (running) return
    running = true
    idle = (async () => {
      try {
        for (;;) {
          if (!owner) {
            owner = queue.shift() ?? null
            if (!owner) return
            owner.onAcquired?.()
          }
          const current = owner
          let result: StepResult
          try {
            result = await current.step()
          } catch (err) {
            // Never let one connection wedge the server: drop it and move on.
            log('pglite-server: step failed', { error: String(err) })
            result = current instanceof Conn ? await current.fail(err) : 'release'
          }
          if (result === 'release') owner = null
          else if (result === 'wait') return
        }
      } finally {
        running = false
      }
    })()
  }

  class Conn implements Holder {
    id = nextConnId++
    socket: net.Socket
    framer = new MessageFramer()
    pending: Buffer[] = []
    /** True while this connection owns PGlite for an unfinished unit of work. */
    holding = false
    /** Transaction status from the last ReadyForQuery PGlite sent us. */
    status: TxStatus = 'I'
    /** Last PGlite output ended exactly at a ReadyForQuery (not mid-pipeline / mid-COPY). */
    atReady = true
    copyIn = false
    closed = false
    /** client statement name -> name actually used in the shared session */
    statements = new Map<string, string>()
    waitTimer: NodeJS.Timeout | undefined

    constructor(socket: net.Socket) {
      this.socket = socket
    }

    onQueued(): void {
      if (lockTimeoutMs <= 0 || this.closed || this.waitTimer) return
      this.waitTimer = setTimeout(() => {
        this.waitTimer = undefined
        if (this.closed || owner === this) return
        const holder = owner instanceof Conn ? `connection ${owner.id} (status ${owner.status})` : 'another task'
        log('pglite-server: lock wait timeout', { conn: this.id, holder })
        this.socket.end(
          errorResponse(
            'FATAL',
            '55P03',
            `embedded pglite: waited ${lockTimeoutMs} ms for the database, which is held by ${holder}. ` +
              'PGlite runs one transaction at a time; is a transaction open on another connection of the same process?',
          ),
        )
        this.close()
      }, lockTimeoutMs)
      this.waitTimer.unref()
    }

    onAcquired(): void {
      clearTimeout(this.waitTimer)
      this.waitTimer = undefined
    }

    onData(chunk: Buffer): void {
      if (this.closed) return
      this.framer.push(chunk)
      let queued = false
      try {
        for (let m = this.framer.next(); m && !this.closed; m = this.framer.next()) {
          if (m.kind === 'untyped') this.onStartupPhase(m.code, m.bytes)
          else if (m.type === TERMINATE) this.close()
          else if (m.type === PASSWORD) continue // trust auth: AuthenticationOk was already sent
          else {
            const isClose = m.type === 0x43 /* C */
            this.pending.push(rewriteStatementNames(m.bytes, (n) => this.serverName(n, isClose)))
            queued = true
          }
        }
      } catch (err) {
        log('pglite-server: protocol error', { conn: this.id, error: String(err) })
        this.socket.end(errorResponse('FATAL', '08P01', `protocol violation: ${String(err)}`))
        this.close()
      }
      if (queued && !this.closed) {
        enqueue(this)
        drive()
      }
    }

    onStartupPhase(code: number, bytes: Buffer): void {
      if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE) {
        this.socket.write('N') // no encryption; the client then sends a plain StartupMessage
        return
      }
      if (code === CANCEL_REQUEST_CODE) {
        // Cancelling cannot work: PGlite executes synchronously. Just hang up.
        this.close()
        return
      }
      const major = code >>> 16
      const minor = code & 0xffff
      if (major !== 3) {
        this.socket.end(errorResponse('FATAL', '0A000', `unsupported frontend protocol ${major}.${minor}`))
        this.close()
        return
      }
      const params = parseStartupParams(bytes)
      const unsupported = [...params.keys()].filter((k) => k.startsWith('_pq_.'))
      this.framer.untypedPhase = false
      const reply = [authenticationOk()]
      if (minor > 0 || unsupported.length > 0) reply.push(negotiateProtocolVersion(unsupported))
      reply.push(parameterStatus, backendKeyData(this.id, randomInt(1, 2 ** 31 - 1)), readyForQuery('I'))
      this.socket.write(Buffer.concat(reply))
      log('pglite-server: client started', { conn: this.id, user: params.get('user'), database: params.get('database') })
    }

    /** Map a client statement name into this connection's private namespace. */
    serverName(name: string, isClose: boolean): string {
      let mapped = this.statements.get(name)
      if (mapped === undefined) {
        const prefixed = `_c${this.id}_${name}`
        mapped = Buffer.byteLength(prefixed) <= MAX_NAME_BYTES ? prefixed : `_c${this.id}_#${this.statements.size}`
        if (!isClose) this.statements.set(name, mapped)
      }
      // We don't drop the mapping on Close: re-Parsing the same name must
      // reuse the same server name, and deallocating twice at disconnect is harmless.
      return mapped
    }

    async step(): Promise<StepResult> {
      if (this.closed) {
        await this.cleanup()
        return 'release'
      }
      if (this.pending.length === 0) return this.holding ? 'wait' : 'release'
      const batch = this.pending
      this.pending = []
      this.holding = true
      const out = await db.execProtocolRaw(Buffer.concat(batch))
      if (!this.closed && out.length > 0) this.socket.write(out)
      const { lastType, lastStatus } = summariseBackend(out)
      if (lastStatus) this.status = lastStatus
      this.atReady = lastType === 0x5a
      this.copyIn = lastType === 0x47 /* G: CopyInResponse */ ? true : this.atReady ? false : this.copyIn
      if (this.closed) {
        await this.cleanup()
        return 'release'
      }
      if (this.atReady && this.status === 'I' && endsUnitOfWork(batch)) {
        this.holding = false
        if (this.pending.length > 0) enqueue(this) // back of the line: fairness
        return 'release'
      }
      return this.pending.length > 0 ? 'hold' : 'wait'
    }

    /**
     * Called with the lock held after the client went away. Leaves the shared
     * session as if this connection never existed: abort whatever it had in
     * flight and deallocate its named statements.
     */
    async cleanup(): Promise<void> {
      if (this.holding) {
        this.holding = false
        if (!this.atReady) {
          // Mid-pipeline or mid-COPY. A bare Sync would COMMIT an implicit
          // extended-protocol transaction, so first force an error (failed
          // COPY or an unparsable statement), then Sync to reach a ReadyForQuery.
          const abort = this.copyIn ? copyFailMessage('client disconnected') : parseMessage('', 'client disconnected')
          const out = await db.execProtocolRaw(Buffer.concat([abort, SYNC_MESSAGE]))
          this.status = summariseBackend(out).lastStatus ?? this.status
        }
        if (this.status !== 'I') {
          log('pglite-server: rolling back abandoned transaction', { conn: this.id })
          const out = await db.execProtocolRaw(queryMessage('ROLLBACK'))
          this.status = summariseBackend(out).lastStatus ?? 'I'
        }
      }
      if (this.statements.size > 0 && !closing) {
        const closes = [...this.statements.values()].map(closeStatementMessage)
        this.statements.clear()
        await db.execProtocolRaw(Buffer.concat([...closes, SYNC_MESSAGE]))
      }
    }

    /** The connection's PGlite work threw: disconnect it and try to restore the session. */
    async fail(err: unknown): Promise<StepResult> {
      this.socket.end(errorResponse('FATAL', 'XX000', `embedded pglite failure: ${String(err)}`))
      this.close()
      try {
        await this.cleanup()
      } catch (cleanupErr) {
        log('pglite-server: cleanup after failure failed', { conn: this.id, error: String(cleanupErr) })
      }
      return 'release'
    }

    close(): void {
      if (this.closed) return
      this.closed = true
      this.pending = []
      clearTimeout(this.waitTimer)
      this.socket.end()
      // Give the socket a moment to flush a final ErrorResponse, then make sure it's gone.
      setTimeout(() => this.socket.destroy(), 1000).unref()
      conns.delete(this)
      if (owner === this || this.statements.size > 0) {
        enqueue(this)
      } else {
        const i = queue.indexOf(this)
        if (i >= 0) queue.splice(i, 1)
      }
      drive()
      log('pglite-server: client closed', { conn: this.id })
    }
  }

  const server = net.createServer((socket) => {
    if (closing) {
      socket.destroy()
      return
    }
    socket.setNoDelay(true)
    const conn = new Conn(socket)
    conns.add(conn)
    socket.on('data', (chunk: Buffer) => conn.onData(chunk))
    socket.on('error', (err) => log('pglite-server: socket error', { conn: conn.id, error: String(err) }))
    socket.on('close', () => conn.close())
  })

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (err) {
    await db.close() // e.g. EADDRINUSE: don't leak the PGlite instance (and its data-dir lock)
    throw err
  }
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('pglite-server: unexpected listen address')
  log('pglite-server: listening', { host, port: address.port, dataDir: opts.dataDir ?? null })

  function exclusive<T>(fn: (db: PGlite) => Promise<T>): Promise<T> {
    if (closing) return Promise.reject(new Error('pglite-server is closed'))
    return new Promise<T>((resolve, reject) => {
      enqueue({
        step: async () => {
          try {
            resolve(await fn(db))
          } catch (err) {
            reject(err)
          }
          return 'release'
        },
      })
      drive()
    })
  }

  let closed: Promise<void> | null = null
  return {
    host,
    port: address.port,
    db,
    exclusive,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
        for (const conn of [...conns]) {
          conn.close()
          conn.socket.destroy()
        }
        // Let in-flight PGlite work (and rollbacks of abandoned transactions) finish.
        while (running) await idle
        await stopped
        await db.close()
        log('pglite-server: closed')
      })()
      return closed
    },
  }
}
