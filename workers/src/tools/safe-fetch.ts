// fetch() for requests the Worker makes on a user's behalf (OpenAPI documents by URL now, webhook
// calls later): every hop judged by the platform's SSRF policy (@speaknode/ssrf), bounded
// redirects, time and size.
//
// What it cannot do: Workers have no DNS API, so a public name that resolves to a private
// address (DNS rebinding, `127.0.0.1.nip.io`) is not caught here; only names and IP literals
// are judged. workerd run locally or in CI does reach the machine and its LAN, and a Worker
// bound to a private network (Tunnel, VPC) would too: those need more than this guard.
import { checkOutboundUrl, type OutboundOptions } from "@speaknode/ssrf";

export type OutboundReason = "blocked_destination" | "too_large" | "timeout" | "bad_status" | "too_many_redirects" | "network";

export class OutboundError extends Error {
  readonly reason: OutboundReason;
  /** The upstream status for `bad_status`. */
  readonly status: number | undefined;
  constructor(reason: OutboundReason, message: string, status?: number) {
    super(message);
    this.name = "OutboundError";
    this.reason = reason;
    this.status = status;
  }
}

export interface SafeFetchOptions extends OutboundOptions {
  maxBytes: number;
  timeoutMs: number;
  fetchImpl?: typeof fetch;
  /** Statuses accepted as success; 2xx by default. Others fail with `bad_status`. */
  okStatus?: (status: number) => boolean;
}

export interface SafeResponse {
  /** Where the content finally came from, after redirects. */
  url: URL;
  status: number;
  headers: Headers;
  /** The Content-Type header, null when absent. */
  contentType: string | null;
  bytes: Uint8Array;
  /** The body decoded as UTF-8 (bounded by maxBytes, so decoding eagerly is cheap). */
  text: string;
}

const maxRedirects = 3;
// Sent on after a redirect to another origin; anything else may be a credential (secret headers).
const crossOriginHeaders = new Set(["accept", "accept-language", "content-type", "user-agent"]);

/** fetch() with the URL check on every hop, at most 3 redirects, a deadline and a size cap. */
export async function safeFetch(raw: string, init: RequestInit, opts: SafeFetchOptions): Promise<SafeResponse> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Raced against every await, so a fetch or body that ignores the signal still times out.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before aborting, so the race settles as a timeout rather than an abort error.
      reject(new OutboundError("timeout", `no complete answer within ${opts.timeoutMs} ms`));
      controller.abort();
    }, opts.timeoutMs);
  });
  deadline.catch(() => undefined);
  const within = <T>(p: Promise<T>): Promise<T> => Promise.race([p, deadline]);
  const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
  try {
    let url = check(raw, opts);
    let request: RequestInit = { ...init, signal, redirect: "manual" };
    for (let hop = 0; ; hop++) {
      let response: Response;
      try {
        response = await within(fetchImpl(url.href, request));
      } catch (e) {
        if (e instanceof OutboundError) throw e;
        throw new OutboundError("network", `fetching ${url.host} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      const location = response.headers.get("location");
      if ([301, 302, 303, 307, 308].includes(response.status) && location !== null) {
        await response.body?.cancel();
        if (hop >= maxRedirects) throw new OutboundError("too_many_redirects", `more than ${maxRedirects} redirects`);
        let target: string;
        try {
          target = new URL(location, url).href;
        } catch {
          throw new OutboundError("network", `${url.host} redirected to an invalid URL`);
        }
        const next = check(target, opts);
        request = redirected(request, response.status, url, next);
        url = next;
        continue;
      }
      if (response.type === "opaqueredirect") throw new OutboundError("network", "the runtime hid a redirect; cannot follow it safely");
      if (!(opts.okStatus ?? ((s: number) => s >= 200 && s < 300))(response.status)) {
        await response.body?.cancel();
        throw new OutboundError("bad_status", `${url.host} answered ${response.status}`, response.status);
      }
      const bytes = await within(readCapped(response, opts.maxBytes));
      const contentType = response.headers.get("content-type");
      return { url, status: response.status, headers: response.headers, contentType, bytes, text: new TextDecoder().decode(bytes) };
    }
  } finally {
    clearTimeout(timer);
  }
}

function check(raw: string, opts: OutboundOptions): URL {
  const result = checkOutboundUrl(raw, opts);
  if (!result.ok) throw new OutboundError("blocked_destination", `${raw} ${result.reason}`);
  return result.url;
}

/** The request for the next hop, as browsers do it: 303 (and 301/302 after POST) become GET. */
function redirected(request: RequestInit, status: number, from: URL, to: URL): RequestInit {
  const method = (request.method ?? "GET").toUpperCase();
  const toGet = status === 303 ? method !== "HEAD" : (status === 301 || status === 302) && method === "POST";
  const headers = new Headers(request.headers);
  if (to.origin !== from.origin) for (const name of [...headers.keys()]) if (!crossOriginHeaders.has(name)) headers.delete(name);
  if (toGet) headers.delete("content-type");
  const { body: _body, ...rest } = request;
  return toGet ? { ...rest, method: method === "HEAD" ? "HEAD" : "GET", headers } : { ...request, headers };
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new OutboundError("too_large", `the answer is ${declared} bytes; at most ${maxBytes} are read`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new OutboundError("too_large", `the answer exceeds ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof OutboundError) throw e;
    throw new OutboundError("network", `reading the answer failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
