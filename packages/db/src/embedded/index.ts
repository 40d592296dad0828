// Embedded Postgres for local development and tests: a PGlite-backed
// wire-protocol server plus a WebSocket proxy for @neondatabase/serverless.
export { startPgliteServer } from './pglite-server.ts'
export type { PgliteServer, PgliteServerOptions, LogFn } from './pglite-server.ts'
export { startWsProxy, parseAddress, defaultAllowedTargets } from './ws-proxy.ts'
export type { WsProxy, WsProxyOptions } from './ws-proxy.ts'
