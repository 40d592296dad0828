// The runtime's guard for requests made on an LLM's behalf (webhook tools): the platform's SSRF
// policy (@speaknode/ssrf) applied to the URL, then the destination resolved once and refused
// when any of its addresses is not public (or listed in TOOL_ALLOW_PRIVATE_HOSTS), and the
// connection pinned to the vetted addresses so a second DNS answer (rebinding) cannot redirect
// it. Redirects are not followed: a 3xx comes back as it is. Bodies are read up to a byte cap.
//
// Unlike a Worker the runtime can resolve names, so a name is judged by what it resolves to too.
import { lookup as dnsLookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import type { LookupFunction } from "node:net";
import { addressReason, BlockedDestinationError, checkOutboundUrl, isListedHost, normaliseHost, refusedAddressKind, type OutboundOptions } from "@speaknode/ssrf";

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface HttpGuardOptions {
  /** Host names or IP literals let through although private (TOOL_ALLOW_PRIVATE_HOSTS; local development and tests). */
  allowPrivateHosts: readonly string[];
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

/** The request could not be completed: DNS, connection, TLS, a reset, or the signal aborted it. */
export class HttpRequestError extends Error {
  readonly kind: "dns" | "network" | "aborted";
  constructor(kind: "dns" | "network" | "aborted", message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "HttpRequestError";
    this.kind = kind;
  }
}

// ---- Destination check -----------------------------------------------------------------------

export interface Destination {
  url: URL;
  /** The host as written, without brackets or a trailing dot, lower-case. */
  host: string;
  /** Vetted addresses the connection may use, in resolver order. */
  addresses: ResolvedAddress[];
}

/**
 * Parses and vets a URL: the policy's URL checks (http or https, no credentials, no special-use
 * names or private IP literals unless listed), then every address the name resolves to public or
 * listed. A listed host name lets all of its addresses through; a listed IP literal lets that
 * address through whatever name resolved to it. Any refused address refuses the whole name,
 * since a name answering both public and private addresses is a rebinding setup.
 */
export async function vetDestination(raw: string, options: HttpGuardOptions): Promise<Destination> {
  const policy: OutboundOptions = { allowHttp: true, allowPrivateHosts: options.allowPrivateHosts };
  const checked = checkOutboundUrl(raw, policy);
  if (!checked.ok) throw new BlockedDestinationError(hostOf(raw), checked.reason);
  const url = checked.url;
  const host = normaliseHost(url.hostname);
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
  if (!isListedHost(host, options.allowPrivateHosts)) {
    for (const { address } of addresses) {
      const kind = refusedAddressKind(address, policy);
      if (kind !== undefined) throw new BlockedDestinationError(host, addressReason(kind, address));
    }
  }
  return { url, host, addresses };
}

function hostOf(raw: string): string {
  try {
    return normaliseHost(new URL(raw).hostname);
  } catch {
    return "(invalid URL)";
  }
}

async function resolveAll(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dnsLookup(hostname, { all: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

/** A `lookup` for http.request that answers only with the vetted addresses. */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
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
