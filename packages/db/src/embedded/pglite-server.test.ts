import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { mkdtemp, rm } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { Client, Pool, neonConfig } from '@neondatabase/serverless'
import { startPgliteServer, startWsProxy, parseAddress } from './index.ts'
import type { PgliteServer, WsProxy } from './index.ts'
import { RawPgClient, bindExecute, sslRequest, startupMessage } from './raw-pg-client.ts'
import { parseMessage, queryMessage } from './pg-protocol.ts'

let server: PgliteServer
let proxy: WsProxy
const timings: Record<string, number> = {}

const connectionString = (port = server.port) => `postgresql://tester:secret@127.0.0.1:${port}/app`
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

async function neonClient(port?: number): Promise<Client> {
  const client = new Client({ connectionString: connectionString(port) })
  client.on('error', () => {}) // abrupt-disconnect tests make the driver emit errors on purpose
  await client.connect()
  return client
}

/** The Neon driver keeps its WebSocket on the socket shim; reach it to simulate a crash. */
function underlyingWebSocket(client: Client): WebSocket {
  const stream: unknown = client.connection.stream
  if (typeof stream === 'object' && stream !== null && 'ws' in stream && stream.ws instanceof WebSocket) return stream.ws
  throw new Error('Neon client has no ws WebSocket')
}

/** Resolves 'settled' if the promise settles within `ms`, else 'pending'. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), sleep(ms).then(() => 'pending' as const)])
}

beforeAll(async () => {
  server = await startPgliteServer({})
  proxy = await startWsProxy({})
  neonConfig.webSocketConstructor = WebSocket
  neonConfig.wsProxy = (host, port) => `127.0.0.1:${proxy.port}/v2?address=${host}:${port}`
  neonConfig.useSecureWebSocket = false
  neonConfig.pipelineTLS = false
  neonConfig.pipelineConnect = false
  const setup = await neonClient()
  await setup.query(`CREATE TABLE tx_rows (client int, tx int, seq int, val text, PRIMARY KEY (client, tx, seq))`)
  await setup.query(`CREATE TABLE abrupt (v int)`)
  await setup.end()
}, 60_000)

afterAll(async () => {
  await proxy?.close()
  await server?.close()
  if (process.env.EMBEDDED_PG_TIMINGS) console.info('embedded pg timings (ms):', timings)
})

describe('embedded PGlite server behind the Neon WebSocket proxy', () => {
  it('keeps 20 concurrent clients\u2019 explicit transactions isolated, committing and rolling back exactly what each asked', async () => {
    const CLIENTS = 20
    const TXS = 5
    const expected: string[] = []
    const started = performance.now()
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const client = await neonClient()
        let committed = 0
        for (let tx = 0; tx < TXS; tx++) {
          const rollback = (c + tx) % 3 === 0
          await client.query('BEGIN')
          for (let seq = 0; seq < 3; seq++) {
            await client.query('INSERT INTO tx_rows VALUES ($1, $2, $3, $4)', [c, tx, seq, `c${c}-t${tx}-s${seq}`])
          }
          await client.query('INSERT INTO tx_rows VALUES ($1, $2, 3, $3), ($1, $2, 4, $4)', [c, tx, `c${c}-t${tx}-s3`, `c${c}-t${tx}-s4`])
          const mine = await client.query('SELECT client, tx, seq, val FROM tx_rows WHERE client = $1 AND tx = $2 ORDER BY seq', [c, tx])
          expect(mine.rows).toEqual([0, 1, 2, 3, 4].map((seq) => ({ client: c, tx, seq, val: `c${c}-t${tx}-s${seq}` })))
          const count = await client.query('SELECT count(*)::int AS n FROM tx_rows WHERE client = $1', [c])
          expect(count.rows[0]).toEqual({ n: committed + 5 })
          await client.query(rollback ? 'ROLLBACK' : 'COMMIT')
          if (!rollback) {
            committed += 5
            for (let seq = 0; seq < 5; seq++) expected.push(`${c}/${tx}/${seq}/c${c}-t${tx}-s${seq}`)
          }
        }
        await client.end()
      }),
    )
    timings['20 clients x 5 transactions'] = Math.round(performance.now() - started)
    const check = await neonClient()
    const all = await check.query<{ client: number; tx: number; seq: number; val: string }>('SELECT * FROM tx_rows')
    await check.end()
    expect(all.rows.map((r) => `${r.client}/${r.tx}/${r.seq}/${r.val}`).sort()).toEqual(expected.sort())
    const rolledBack = Array.from({ length: CLIENTS * TXS }, (_, k) => (Math.floor(k / TXS) + (k % TXS)) % 3 === 0).filter(Boolean).length
    expect(rolledBack).toBeGreaterThan(0)
    expect(expected.length).toBe((CLIENTS * TXS - rolledBack) * 5)
  }, 60_000)

  it('gives every client its own results when parameterised queries of different shapes run concurrently', async () => {
    const started = performance.now()
    await Promise.all(
      Array.from({ length: 20 }, async (_, c) => {
        const client = await neonClient()
        for (let i = 0; i < 12; i++) {
          const tag = `client-${c}-${i}`
          const shape = (c + i) % 4
          if (shape === 0) {
            const r = await client.query('SELECT $1::int AS a, $2::text AS b', [c * 1000 + i, tag])
            expect(r.fields.map((f) => f.name)).toEqual(['a', 'b'])
            expect(r.rows).toEqual([{ a: c * 1000 + i, b: tag }])
          } else if (shape === 1) {
            const r = await client.query('SELECT n, $2::text AS tag FROM generate_series(1, $1::int) AS n', [(c % 7) + 1, tag])
            expect(r.rows).toEqual(Array.from({ length: (c % 7) + 1 }, (_, k) => ({ n: k + 1, tag })))
          } else if (shape === 2) {
            const r = await client.query('SELECT $1::jsonb AS doc, $2::bool AS flag, NULL::text AS nothing', [JSON.stringify({ tag }), c % 2 === 0])
            expect(r.rows).toEqual([{ doc: { tag }, flag: c % 2 === 0, nothing: null }])
          } else {
            const r = await client.query(`SELECT '${tag}' AS literal`) // no params: simple protocol
            expect(r.rows).toEqual([{ literal: tag }])
          }
        }
        await client.end()
      }),
    )
    timings['20 clients x 12 mixed queries'] = Math.round(performance.now() - started)
  }, 60_000)

  it('rolls back the writes of a client whose WebSocket dies mid-transaction and lets waiting clients proceed', async () => {
    const victim = await neonClient()
    await victim.query('BEGIN')
    await victim.query('INSERT INTO abrupt VALUES (1)')
    const other = await neonClient()
    const otherInsert = other.query('INSERT INTO abrupt VALUES (2) RETURNING v')
    // The open transaction holds PGlite, so the other client must be queued.
    expect(await settlesWithin(otherInsert, 150)).toBe('pending')
    underlyingWebSocket(victim).terminate()
    await expect(otherInsert).resolves.toMatchObject({ rows: [{ v: 2 }] })
    const rows = await other.query('SELECT v FROM abrupt ORDER BY v')
    expect(rows.rows).toEqual([{ v: 2 }])
    await other.query('DELETE FROM abrupt')
    await other.end()
  }, 20_000)

  it('resolves pool.end() and client.end() promptly because Terminate closes the connection', async () => {
    const pool = new Pool({ connectionString: connectionString(), max: 3 })
    await Promise.all([1, 2, 3].map((n) => pool.query('SELECT $1::int AS n', [n])))
    let t = performance.now()
    await pool.end()
    timings['pool.end()'] = Math.round(performance.now() - t)
    expect(timings['pool.end()']).toBeLessThan(1000)
    const client = await neonClient()
    await client.query('SELECT 1')
    t = performance.now()
    await client.end()
    timings['client.end()'] = Math.round(performance.now() - t)
    expect(timings['client.end()']).toBeLessThan(1000)
  })

  it('isolates named prepared statements per connection and deallocates them when the client leaves', async () => {
    const [a, b] = await Promise.all([neonClient(), neonClient()])
    for (let i = 0; i < 3; i++) {
      const [ra, rb] = await Promise.all([
        a.query({ name: 'shared_name', text: 'SELECT $1::int + 1 AS a', values: [i] }),
        b.query({ name: 'shared_name', text: 'SELECT $1::text AS b', values: [`b${i}`] }),
      ])
      expect(ra.rows).toEqual([{ a: i + 1 }])
      expect(rb.rows).toEqual([{ b: `b${i}` }])
    }
    await Promise.all([a.end(), b.end()])
    let left = -1
    for (let i = 0; i < 50 && left !== 0; i++) {
      const r = await server.exclusive((db) => db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements'))
      left = r.rows[0]?.n ?? -1
      if (left !== 0) await sleep(20)
    }
    expect(left).toBe(0)
  })
})

describe('embedded PGlite server over raw TCP', () => {
  it('answers an SSLRequest with N, then serves startup, a query and closes on Terminate', async () => {
    const c = await RawPgClient.connect(server.port)
    c.send(sslRequest())
    expect((await c.readBytes(1)).toString('latin1')).toBe('N')
    c.send(startupMessage({ user: 'anyone', database: 'anything' }))
    const startup = await c.untilReady()
    expect(startup.messages[0]).toEqual({ type: 'R', body: Buffer.from([0, 0, 0, 0]) })
    expect(startup.messages.map((m) => m.type)).toContain('K')
    expect(startup.messages.some((m) => m.type === 'S' && m.body.toString().startsWith('server_version\0'))).toBe(true)
    expect(startup.status).toBe('I')
    expect(await c.query('SELECT 40 + 2')).toMatchObject({ values: ['42'], status: 'I' })
    c.send(Buffer.from([0x58, 0, 0, 0, 4]))
    expect(await settlesWithin(c.closed, 1000)).toBe('settled')
  })

  it('rolls back an implicit extended-protocol transaction left without Sync when the socket is destroyed', async () => {
    const victim = await RawPgClient.started(server.port)
    // Parse/Bind/Execute without Sync: the INSERT ran but is not committed yet.
    victim.send(Buffer.concat([parseMessage('', 'INSERT INTO abrupt VALUES ($1::int)'), bindExecute('', ['7'])]))
    expect((await victim.readMessage()).type).toBe('1')
    const waiter = await RawPgClient.started(server.port)
    const waiting = waiter.query('SELECT count(*) FROM abrupt')
    expect(await settlesWithin(waiting, 150)).toBe('pending')
    victim.socket.destroy()
    expect(await waiting).toMatchObject({ values: ['0'], errors: [], status: 'I' })
    waiter.socket.destroy()
  })

  it('rolls back an explicit transaction whose socket is destroyed and keeps serving others', async () => {
    const victim = await RawPgClient.started(server.port)
    expect(await victim.query('BEGIN; INSERT INTO abrupt VALUES (9)')).toMatchObject({ status: 'T' })
    victim.socket.destroy()
    const other = await RawPgClient.started(server.port)
    expect(await other.query('SELECT count(*) FROM abrupt')).toMatchObject({ values: ['0'], status: 'I' })
    other.socket.destroy()
  })

  it('fails a connection that waits longer than lockTimeoutMs instead of hanging', async () => {
    const local = await startPgliteServer({ lockTimeoutMs: 200 })
    try {
      const holder = await RawPgClient.started(local.port)
      expect(await holder.query('BEGIN')).toMatchObject({ status: 'T' })
      const waiter = await RawPgClient.started(local.port)
      waiter.send(queryMessage('SELECT 1'))
      const reply = await waiter.readMessage()
      expect(reply.type).toBe('E')
      expect(reply.body.toString()).toContain('55P03')
      await waiter.closed
      expect(await holder.query('COMMIT')).toMatchObject({ status: 'I' })
      holder.socket.destroy()
    } finally {
      await local.close()
    }
  }, 30_000)
})

describe('WebSocket proxy', () => {
  it('refuses a disallowed target and never opens a TCP connection to it', async () => {
    const spy = vi.spyOn(net, 'createConnection')
    try {
      const ws = new WebSocket(`${proxy.url}?address=10.0.0.1:5432`)
      ws.on('error', () => {})
      const code = await new Promise<number>((resolve) => ws.on('close', (c: number) => resolve(c)))
      expect(code).toBe(1008)
      expect(spy).not.toHaveBeenCalled()
      // Positive control: an allowed target does go through net.createConnection.
      const ok = new WebSocket(`${proxy.url}?address=127.0.0.1:${server.port}`)
      await new Promise<void>((resolve) => ok.on('open', () => resolve()))
      await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1))
      ok.close()
    } finally {
      spy.mockRestore()
    }
  })

  it('ends the TCP side when the client sends Terminate, even if the server would keep the connection open', async () => {
    // A target that never closes on its own, like @electric-sql/pglite-socket.
    let sawEnd: () => void = () => {}
    const ended = new Promise<void>((resolve) => (sawEnd = resolve))
    const received: Buffer[] = []
    const target = net.createServer({ allowHalfOpen: true }, (s) => {
      s.on('data', (d: Buffer) => received.push(d))
      s.on('end', () => sawEnd())
    })
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve))
    const address = target.address()
    if (address === null || typeof address === 'string') throw new Error('no address')
    try {
      const ws = new WebSocket(`${proxy.url}?address=127.0.0.1:${address.port}`)
      await new Promise<void>((resolve) => ws.on('open', () => resolve()))
      const startup = startupMessage({ user: 'u', database: 'd' })
      // Split messages across WebSocket frames the way coalesced writes can.
      ws.send(startup.subarray(0, 5))
      ws.send(Buffer.concat([startup.subarray(5), queryMessage('SELECT 1'), Buffer.from([0x58, 0])]))
      ws.send(Buffer.from([0, 0, 4]))
      expect(await settlesWithin(ended, 2000)).toBe('settled')
      expect(Buffer.concat(received).subarray(-5)).toEqual(Buffer.from([0x58, 0, 0, 0, 4]))
      ws.close()
    } finally {
      target.close()
    }
  })

  it('parses host:port addresses and rejects malformed ones', () => {
    expect(parseAddress('127.0.0.1:5432')).toEqual({ host: '127.0.0.1', port: 5432 })
    expect(parseAddress('[::1]:5432')).toEqual({ host: '::1', port: 5432 })
    expect(parseAddress('127.0.0.1')).toBeNull()
    expect(parseAddress('127.0.0.1:99999')).toBeNull()
    expect(parseAddress('a:1:2')).toBeNull()
  })
})

describe('persistence', () => {
  it('keeps data written to a dataDir across closing and reopening the server', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-server-'))
    try {
      const first = await startPgliteServer({ dataDir: dir })
      const w = await neonClient(first.port)
      await w.query('CREATE TABLE kept (v text)')
      await w.query('INSERT INTO kept VALUES ($1)', ['survives restart'])
      await w.end()
      await first.close()
      const second = await startPgliteServer({ dataDir: dir })
      const r = await neonClient(second.port)
      expect((await r.query('SELECT v FROM kept')).rows).toEqual([{ v: 'survives restart' }])
      await r.end()
      await second.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
