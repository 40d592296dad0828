// Guard for fetches the server makes on a user's behalf (OpenAPI documents by URL now, webhook
// calls later): public http(s) destinations only, bounded redirects, time and size.
//
// What it cannot do: Workers have no DNS API, so a public name that resolves to a private
// address (DNS rebinding, `127.0.0.1.nip.io`) is not caught here; only names and IP literals
// are judged. workerd run locally or in CI does reach the machine and its LAN, and a Worker
// bound to a private network (Tunnel, VPC) would too: those need more than this guard.
//
// Ports are not restricted: the destination's address is what matters, and a public host on a
// custom port is a legitimate API. The Workers runtime may refuse some ports on its own.

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

export interface OutboundOptions {
  /** Lets 127.0.0.0/8, ::1 and localhost through (local development and tests only). */
  allowLoopback?: boolean;
  /** Lets plain http through; https only otherwise. */
  allowHttp?: boolean;
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

// Special-use names that never denote a public host (RFC 6761, RFC 6762, RFC 8375, cloud metadata).
const blockedSuffixes = [".localhost", ".local", ".internal", ".home.arpa", ".localdomain"];

export function checkOutboundUrl(raw: string, opts: OutboundOptions = {}): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "is not a valid URL" };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && opts.allowHttp)) {
    return { ok: false, reason: opts.allowHttp ? "must be an http(s) URL" : "must be an https URL" };
  }
  if (url.username !== "" || url.password !== "") return { ok: false, reason: "must not carry credentials" };
  // The URL parser has already lower-cased the host and turned every IPv4 spelling (2130706433,
  // 0x7f.1, 0177.0.0.1) into dotted decimal, and IPv6 into its compressed form.
  const host = url.hostname.replace(/\.+$/, "");
  if (host.startsWith("[")) {
    const groups = parseIpv6(host.slice(1, -1));
    if (!groups) return { ok: false, reason: "has an IPv6 address that cannot be parsed" };
    return verdict(url, classifyIpv6(groups), opts);
  }
  const v4 = parseIpv4(host);
  if (v4 !== undefined) return verdict(url, classifyIpv4(v4), opts);
  // A last label made of digits or hex that did not parse as IPv4 is a runtime that did not
  // normalise; refuse rather than guess how the network stack reads it.
  const last = host.split(".").pop() ?? "";
  if (/^(0x[0-9a-f]*|[0-9]+)$/i.test(last)) return { ok: false, reason: "has a numeric host that is not a plain IPv4 address" };
  if (host === "localhost" || host.endsWith(".localhost")) return verdict(url, "loopback", opts);
  if (blockedSuffixes.some((s) => host.endsWith(s))) return { ok: false, reason: `names a private host (${host})` };
  // Single-label names only mean something on a local network.
  if (!host.includes(".")) return { ok: false, reason: `names a host without a domain (${host})` };
  return { ok: true, url };
}

type AddressClass = "public" | "loopback" | "private";

function verdict(url: URL, kind: AddressClass, opts: OutboundOptions): UrlCheck {
  if (kind === "public" || (kind === "loopback" && opts.allowLoopback)) return { ok: true, url };
  return { ok: false, reason: `points to a ${kind === "loopback" ? "loopback" : "private or reserved"} address (${url.hostname})` };
}

/** Dotted-decimal IPv4 (what the URL parser produces) as a 32-bit number. */
function parseIpv4(host: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

// [first address, prefix length] of IPv4 ranges that are not public unicast (RFC 6890 and friends).
const ipv4Blocked: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network", unspecified
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.88.99.0", 24], // 6to4 relay anycast
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

function inV4(addr: number, base: string, prefix: number): boolean {
  const start = parseIpv4(base) ?? 0;
  const size = 2 ** (32 - prefix);
  return addr >= start && addr < start + size;
}

function classifyIpv4(addr: number): AddressClass {
  if (inV4(addr, "127.0.0.0", 8)) return "loopback";
  return ipv4Blocked.some(([base, prefix]) => inV4(addr, base, prefix)) ? "private" : "public";
}

/** IPv6 text (no brackets, no zone) as eight 16-bit groups; accepts an IPv4 tail. */
export function parseIpv6(text: string): number[] | undefined {
  if (text.includes("%")) return undefined;
  let body = text.toLowerCase();
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(body);
  if (tail?.[1]) {
    const v4 = parseIpv4(tail[1]);
    if (v4 === undefined) return undefined;
    body = `${body.slice(0, -tail[1].length)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const toGroups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const parts = s.split(":");
    if (parts.some((p) => !/^[0-9a-f]{1,4}$/.test(p))) return undefined;
    return parts.map((p) => parseInt(p, 16));
  };
  const head = toGroups(halves[0] ?? "");
  const rest = halves.length === 2 ? toGroups(halves[1] ?? "") : [];
  if (!head || !rest) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - rest.length;
  return fill >= 1 ? [...head, ...new Array<number>(fill).fill(0), ...rest] : undefined;
}

function classifyIpv6(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = (g6 << 16 >>> 0) + g7;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 1) return "loopback"; // ::1
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 0) return "private"; // ::
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) reach
  // the embedded IPv4 address: judge that one.
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return classifyIpv4(embedded);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIpv4(embedded);
  if (g0 === 0x2002) return classifyIpv4(((g1 << 16) >>> 0) + g2); // 6to4 embeds IPv4 in bits 16–47
  // Only global unicast (2000::/3) is public; inside it, carve out the special ranges.
  if ((g0 & 0xe000) !== 0x2000) return "private"; // ULA fc00::/7, link-local fe80::/10, multicast ff00::/8, …
  if (g0 === 0x2001 && g1 < 0x200) return "private"; // 2001::/23 IETF protocol assignments (Teredo, ORCHID…)
  if (g0 === 0x2001 && g1 === 0xdb8) return "private"; // documentation
  if (g0 === 0x3fff && g1 < 0x1000) return "private"; // documentation (RFC 9637)
  return "public";
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
