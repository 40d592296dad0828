// The runtime's guard for requests made on an LLM's behalf (webhook tools): http(s) only, the
// destination resolved once and refused when any of its addresses is private, loopback,
// link-local (cloud metadata), CGNAT, unique-local, multicast, unspecified or reserved, and the
// connection pinned to the vetted addresses so a second DNS answer (rebinding) cannot redirect
// it. Redirects are not followed: a 3xx comes back as it is. Bodies are read up to a byte cap.
//
// Same address rules as the Worker's checkOutboundUrl (workers/src/tools/ssrf.ts), but unlike a
// Worker the runtime can resolve names, so names are judged by what they resolve to.
import { lookup as dnsLookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import type { LookupFunction } from "node:net";

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface HttpGuardOptions {
  /** Host names or IP literals let through although private (local development and tests). */
  allowPrivateHosts: string[];
  /** DNS resolution, all addresses; dns.lookup by default (replaced in tests). */
  resolve?: Resolver;
}

export interface GuardedRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer | undefined;
  signal?: AbortSignal | undefined;
  /** Bytes of the response body kept; the rest is not read and `truncated` is set. */
  maxBytes: number;
}

export interface GuardedResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
}

export interface HttpGuard {
  request(url: string, init: GuardedRequest): Promise<GuardedResponse>;
}

export class BlockedDestinationError extends Error {
  readonly host: string;
  constructor(host: string, reason: string) {
    super(`destination ${host} refused: ${reason}`);
    this.name = "BlockedDestinationError";
    this.host = host;
  }
}

/** The request could not be completed: DNS, connection, TLS, a reset, or the signal aborted it. */
export class HttpRequestError extends Error {
  readonly kind: "dns" | "network" | "aborted";
  constructor(kind: "dns" | "network" | "aborted", message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "HttpRequestError";
    this.kind = kind;
  }
}

// ---- Address classification ------------------------------------------------------------------

function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

/** IPv6 text (no brackets, no zone) as eight 16-bit groups; accepts an IPv4 tail. */
function parseIpv6(text: string): number[] | undefined {
  let body = text.toLowerCase();
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (tail?.[1] !== undefined) {
    const v4 = parseIpv4(tail[1]);
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, -tail[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const parts = s.split(":");
    return parts.every((p) => /^[0-9a-f]{1,4}$/.test(p)) ? parts.map((p) => parseInt(p, 16)) : undefined;
  };
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === undefined || rest === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - rest.length;
  return fill >= 1 ? [...head, ...new Array<number>(fill).fill(0), ...rest] : undefined;
}

// [first address, prefix length] of IPv4 ranges that are not public unicast (RFC 6890 and friends).
const ipv4Blocked: [string, number, string][] = [
  ["0.0.0.0", 8, "unspecified"], // 0.0.0.0 reaches the local machine on Linux
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "carrier-grade NAT"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local (cloud metadata)"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved or broadcast"],
];

function classifyIpv4(addr: number): string | undefined {
  for (const [base, prefix, kind] of ipv4Blocked) {
    const start = parseIpv4(base) ?? 0;
    if (addr >= start && addr < start + 2 ** (32 - prefix)) return kind;
  }
  return undefined;
}

function classifyIpv6(g: number[]): string | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = ((g6 << 16) >>> 0) + g7;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 1) return "loopback";
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 0) return "unspecified";
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4
  // reach an embedded IPv4 address: judge that one.
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return classifyIpv4(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIpv4(embedded);
  if (g0 === 0x2002) return classifyIpv4(((g1 << 16) >>> 0) + g2);
  if ((g0 & 0xfe00) === 0xfc00) return "unique-local";
  if ((g0 & 0xffc0) === 0xfe80) return "link-local";
  if ((g0 & 0xff00) === 0xff00) return "multicast";
  // Only global unicast (2000::/3) is public; inside it, carve out the special-purpose ranges.
  if ((g0 & 0xe000) !== 0x2000) return "reserved";
  if (g0 === 0x2001 && g1 < 0x200) return "reserved"; // IETF protocol assignments (Teredo, …)
  if (g0 === 0x2001 && g1 === 0xdb8) return "reserved"; // documentation
  if (g0 === 0x3fff && g1 < 0x1000) return "reserved"; // documentation (RFC 9637)
  return undefined;
}

/** Why an IP address is not a public destination ("loopback", "private", …), or undefined when it is. */
export function blockedAddressKind(ip: string): string | undefined {
  const v4 = parseIpv4(ip);
  if (v4 !== undefined) return classifyIpv4(v4);
  // A zone id (fe80::1%eth0) only exists on link-local addresses.
  if (ip.includes("%")) return "link-local";
  const v6 = parseIpv6(ip);
  return v6 === undefined ? "unparseable" : classifyIpv6(v6);
}

// ---- Destination check -----------------------------------------------------------------------

export interface Destination {
  url: URL;
  /** The host as written, without brackets or a trailing dot, lower-case. */
  host: string;
  /** Vetted addresses the connection may use, in resolver order. */
  addresses: ResolvedAddress[];
}

function normaliseHost(hostname: string): string {
  const host = hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.+$/, "").toLowerCase();
  // One spelling per IPv6 address (::ffff:127.0.0.1 and ::ffff:7f00:1 are the same), as the URL
  // parser writes it, so allow-list entries compare with URL hosts and resolver answers.
  return isIP(host) === 6 ? new URL(`http://[${host}]/`).hostname.slice(1, -1) : host;
}

/**
 * Parses and vets a URL: http(s) without credentials, every address it resolves to public or
 * listed. A listed host name lets all of its addresses through; a listed IP literal lets that
 * address through whatever name resolved to it. Any refused address refuses the whole name,
 * since a name answering both public and private addresses is a rebinding setup.
 */
export async function vetDestination(raw: string, options: HttpGuardOptions): Promise<Destination> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BlockedDestinationError("(invalid URL)", "not a valid URL");
  }
  const host = normaliseHost(url.hostname);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new BlockedDestinationError(host, `protocol ${url.protocol} is not http or https`);
  if (url.username !== "" || url.password !== "") throw new BlockedDestinationError(host, "the URL carries credentials");
  const allowed = new Set(options.allowPrivateHosts.map(normaliseHost));
  const family = isIP(host);
  let addresses: ResolvedAddress[];
  if (family === 4 || family === 6) addresses = [{ address: host, family }];
  else {
    try {
      addresses = await (options.resolve ?? resolveAll)(host);
    } catch (e) {
      throw new HttpRequestError("dns", `could not resolve ${host}`, e);
    }
    if (addresses.length === 0) throw new HttpRequestError("dns", `${host} has no address`);
  }
  if (!allowed.has(host)) {
    for (const { address } of addresses) {
      const kind = blockedAddressKind(address);
      if (kind !== undefined && !allowed.has(normaliseHost(address))) throw new BlockedDestinationError(host, `it points to a ${kind} address`);
    }
  }
  return { url, host, addresses };
}

async function resolveAll(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dnsLookup(hostname, { all: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/** A `lookup` for http.request that answers only with the vetted addresses. */
function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const first = wanted[0];
    if (first === undefined) {
      callback(Object.assign(new Error("no vetted address of the requested family"), { code: "ENOTFOUND" }), "", 4);
      return;
    }
    // Node asks for all addresses when it races IPv4 against IPv6 (autoSelectFamily).
    if (options.all === true) callback(null, wanted);
    else callback(null, first.address, first.family);
  };
}

// ---- The request -----------------------------------------------------------------------------

export function createHttpGuard(options: HttpGuardOptions): HttpGuard {
  return {
    async request(raw, init) {
      if (init.signal?.aborted === true) throw new HttpRequestError("aborted", "the request was aborted before it started", init.signal.reason);
      const destination = await raceSignal(vetDestination(raw, options), init.signal);
      return send(destination, init);
    },
  };
}

function abortError(signal: AbortSignal): HttpRequestError {
  return new HttpRequestError("aborted", "the request was aborted", signal.reason);
}

// dns.lookup cannot be cancelled; the caller's deadline must still hold while it runs.
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function send(destination: Destination, init: GuardedRequest): Promise<GuardedResponse> {
  const { url, addresses } = destination;
  const transport = url.protocol === "https:" ? https : http;
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers["content-length"] = String(Buffer.byteLength(init.body));
  return new Promise<GuardedResponse>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    let req: http.ClientRequest;
    try {
      // The URL keeps the original name, so Host and TLS SNI/certificate checks use it, while
      // `lookup` makes the socket connect only to the vetted addresses. No agent: a pooled
      // socket would outlive the check that vetted its address.
      req = transport.request(url, { method: init.method, headers, lookup: pinnedLookup(addresses), agent: false });
    } catch (e) {
      // Invalid header names or values are refused synchronously.
      fail(new HttpRequestError("network", `the request could not be built: ${e instanceof Error ? e.message : String(e)}`, e));
      return;
    }
    const signal = init.signal;
    const onAbort = (): void => {
      if (signal) fail(abortError(signal));
      req.destroy();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const cleanup = (): void => signal?.removeEventListener("abort", onAbort);
    req.on("error", (e) => {
      cleanup();
      fail(new HttpRequestError("network", `request to ${destination.host} failed: ${e.message}`, e));
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = (): void => {
        cleanup();
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res.headers), body: Buffer.concat(chunks, size), truncated });
      };
      res.on("data", (chunk: Buffer) => {
        if (truncated) return;
        const room = init.maxBytes - size;
        if (chunk.length > room) {
          // Keep what fits and stop reading: an endless body must not hold the call or the memory.
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          finish();
          res.destroy();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", finish);
      res.on("error", (e) => {
        cleanup();
        fail(new HttpRequestError("network", `reading the answer of ${destination.host} failed: ${e.message}`, e));
      });
      res.on("close", () => {
        if (!res.complete && !truncated) fail(new HttpRequestError("network", `${destination.host} closed the connection mid-answer`));
      });
    });
    req.end(init.body);
  });
}

function flatHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
