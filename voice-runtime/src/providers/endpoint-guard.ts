// Where a space's provider key may go: only under the base URL its credential is bound to, and
// only after the SSRF policy has vetted the destination with DNS (http-guard's vetDestination).
// For clients that take a `fetch` (the OpenAI SDK, our Cartesia client) `guardedFetch` vets every
// request and connects only to the vetted addresses, so a second DNS answer cannot move the key.
// Clients that open their own WebSocket (Deepgram, ElevenLabs) are vetted once per session before
// they are built (SessionProviders.use); their later DNS lookup is not pinned.
import * as http from "node:http";
import * as https from "node:https";
import { Readable } from "node:stream";
import { BlockedDestinationError } from "@speaknode/ssrf";
import { pinnedLookup, vetDestination, type HttpGuardOptions } from "../tools/http-guard.ts";

/** Whether `url` lies under `baseUrl` (same origin, path at or below the base path). */
export function isUnderBase(url: URL, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, "");
  return url.origin === base.origin && (url.pathname === basePath || url.pathname.startsWith(`${basePath}/`) || basePath === "");
}

/** Vets a credential's base URL now (before a client that cannot take a fetch is built). */
export async function vetEndpoint(baseUrl: string, guard: HttpGuardOptions): Promise<void> {
  await vetDestination(baseUrl, guard);
}

/** A fetch that sends only to `baseUrl` and below, each request vetted and pinned; redirects are not followed. */
export function guardedFetch(baseUrl: string, guard: HttpGuardOptions): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!isUnderBase(url, baseUrl)) throw new BlockedDestinationError(url.host, `it is outside the provider key's base URL ${baseUrl}`);
    const destination = await vetDestination(url.href, guard);
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    if (body) headers["content-length"] = String(body.length);
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<Response>((resolve, reject) => {
      // No agent: a pooled socket would outlive the check that vetted its address.
      const req = transport.request(url, { method: request.method, headers, lookup: pinnedLookup(destination.addresses), agent: false });
      const onAbort = () => req.destroy(request.signal.reason instanceof Error ? request.signal.reason : new Error("aborted"));
      if (request.signal.aborted) onAbort();
      request.signal.addEventListener("abort", onAbort, { once: true });
      req.on("error", (e) => {
        request.signal.removeEventListener("abort", onAbort);
        reject(e);
      });
      req.on("response", (res) => {
        const status = res.statusCode ?? 502;
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
          else if (value !== undefined) responseHeaders.set(name, value);
        }
        const nullBody = status === 204 || status === 304 || request.method === "HEAD";
        if (nullBody) res.resume();
        res.on("close", () => request.signal.removeEventListener("abort", onAbort));
        const stream = nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: res.statusMessage ?? "", headers: responseHeaders }));
      });
      req.end(body);
    });
  };
}
