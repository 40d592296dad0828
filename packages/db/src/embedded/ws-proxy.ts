// WebSocket → TCP proxy compatible with @neondatabase/serverless, so code
// written for Neon (Workers, Pool over WebSockets) can talk to a local
// Postgres-speaking server such as ./pglite-server.ts.
//
// The driver opens `ws://` + wsProxy(host, port) (or `wss://` when
// useSecureWebSocket is true). Point it here with:
//   neonConfig.wsProxy = (h, p) => `127.0.0.1:${proxyPort}/v2?address=${h}:${p}`
//   neonConfig.useSecureWebSocket = false
//   neonConfig.pipelineTLS = false
//   neonConfig.pipelineConnect = false
// Any request path is accepted; only the `address` query parameter matters.

import net from 'node:net'
import type { IncomingMessage } from 'node:http'
import { createRequire } from 'node:module'
import type { RawData, WebSocket } from 'ws'
import type * as WsModule from 'ws'
// Loaded through require: in vitest's global setup of the workerd project an ESM import of `ws`
// resolves with browser conditions and yields its browser stub (measured).
const { WebSocketServer } = createRequire(import.meta.url)('ws') as typeof WsModule
import { TerminateWatcher } from './pg-protocol.ts'

export type LogFn = (msg: string, fields?: object) => void

export interface WsProxyOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string
  /** Port; 0 (default) = any free port. */
  port?: number
  /** Which TCP targets may be reached. Default: only 127.0.0.1 / localhost / ::1. */
  allowedTargets?: (host: string, port: number) => boolean
  log?: LogFn
}

export interface WsProxy {
  /** e.g. ws://127.0.0.1:PORT/v2 — append `?address=host:port`. */
  url: string
  port: number
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])
/** Pause the side producing data once this much is queued on the other side. */
const HIGH_WATER = 1 << 20
/** Refuse clients that push this much before the TCP connection is up. */
const MAX_PREBUFFER = 64 << 20

export function defaultAllowedTargets(host: string): boolean {
  return LOOPBACK.has(host)
}

/** Parse `host:port` or `[v6]:port`. */
export function parseAddress(address: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address)
  if (!m) return null
  const host = m[1] ?? m[2] ?? ''
  const port = Number(m[3])
  if (host === '' || port < 1 || port > 65535) return null
  return { host, port }
}

export async function startWsProxy(opts: WsProxyOptions = {}): Promise<WsProxy> {
  const bindHost = opts.host ?? '127.0.0.1'
  const log: LogFn = opts.log ?? (() => {})
  const allowed = opts.allowedTargets ?? ((h: string) => defaultAllowedTargets(h))
  const sockets = new Set<net.Socket>()

  const wss = new WebSocketServer({ host: bindHost, port: opts.port ?? 0, perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    wss.once('error', reject)
    wss.once('listening', () => {
      wss.off('error', reject)
      resolve()
    })
  })
  wss.on('error', (err) => log('ws-proxy: server error', { error: String(err) }))

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://proxy.invalid')
    const target = parseAddress(url.searchParams.get('address') ?? '')
    // The allow-list check happens before any socket is created: a refused
    // target is never contacted, not even to probe it.
    if (!target || !allowed(target.host, target.port)) {
      log('ws-proxy: target refused', { address: url.searchParams.get('address') })
      ws.close(1008, 'target not allowed')
      return
    }
    // 'localhost' may resolve to ::1 first; the embedded server binds 127.0.0.1 only.
    const connectHost = target.host === 'localhost' ? '127.0.0.1' : target.host
    log('ws-proxy: connecting', { host: connectHost, port: target.port })
    const tcp = net.createConnection({ host: connectHost, port: target.port })
    sockets.add(tcp)
    tcp.setNoDelay(true)

    const watcher = new TerminateWatcher()
    let connected = false
    let prebuffer: Buffer[] = []
    let prebufferBytes = 0
    let clientTerminated = false

    const endTcp = () => {
      if (tcp.destroyed) return
      tcp.end() // flushes queued writes, unlike destroy()
      setTimeout(() => tcp.destroy(), 2000).unref()
    }

    const forward = (data: Buffer) => {
      if (clientTerminated) return // nothing may follow Terminate
      if (watcher.feed(data)) clientTerminated = true
      if (!tcp.write(data)) ws.pause() // back-pressure: stop reading the WS until TCP drains
      // Measured: unless the proxy ends the TCP side itself after Terminate,
      // Neon's pool.end() hangs waiting for the connection to go away.
      if (clientTerminated) endTcp()
    }

    ws.on('message', (raw: RawData) => {
      const data = toBuffer(raw)
      if (connected) {
        forward(data)
        return
      }
      prebuffer.push(data)
      prebufferBytes += data.length
      if (prebufferBytes > MAX_PREBUFFER) {
        log('ws-proxy: too much data before TCP connected')
        ws.close(1009, 'too much data before connect')
        tcp.destroy()
      }
    })
    // Until the TCP side is up, stop reading so the prebuffer stays small.
    ws.pause()

    tcp.on('connect', () => {
      connected = true
      for (const data of prebuffer) forward(data)
      prebuffer = []
      prebufferBytes = 0
      if (tcp.writableLength < HIGH_WATER) ws.resume()
    })
    tcp.on('drain', () => ws.resume())

    tcp.on('data', (data: Buffer) => {
      if (watcher.awaitingEncryptionReply) {
        watcher.awaitingEncryptionReply = false
        const reply = data[0]
        if (reply === 0x53 /* S */ || reply === 0x47 /* G */) watcher.encryptionAccepted()
      }
      if (ws.readyState !== ws.OPEN) return
      ws.send(data, { binary: true }, () => {
        if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER / 2) tcp.resume()
      })
      if (ws.bufferedAmount > HIGH_WATER) tcp.pause()
    })

    tcp.on('error', (err) => log('ws-proxy: tcp error', { error: String(err) }))
    tcp.on('close', () => {
      sockets.delete(tcp)
      ws.resume() // a paused WS could not read the client's half of the close handshake
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(connected ? 1000 : 1011)
      // A peer that ignores the close handshake must not keep the proxy busy.
      setTimeout(() => ws.terminate(), 2000).unref()
    })

    ws.on('error', (err) => log('ws-proxy: websocket error', { error: String(err) }))
    ws.on('close', () => {
      if (connected) endTcp()
      else tcp.destroy()
    })
  })

  const address = wss.address()
  if (address === null || typeof address === 'string') throw new Error('ws-proxy: unexpected listen address')
  const port = address.port
  const urlHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost
  log('ws-proxy: listening', { port })

  let closed: Promise<void> | null = null
  return {
    url: `ws://${urlHost}:${port}/v2`,
    port,
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        for (const s of sockets) s.destroy()
        wss.close(() => resolve())
      })
      return closed
    },
  }
}

function toBuffer(raw: RawData): Buffer {
  // (Not Buffer.isBuffer: its type guard doesn't narrow under @cloudflare/workers-types.)
  if (Array.isArray(raw)) return Buffer.concat(raw)
  if (raw instanceof ArrayBuffer) return Buffer.from(raw)
  return raw
}
