// A minimal Twirp JSON client for LiveKit's server API. The SDK's RoomServiceClient and
// AgentDispatchClient call the global `fetch` (no injection point, so no contract tests), and on
// 5xx they silently fail over across regions with sleeps and module-level caches; the Worker
// wants one bounded request per call and a typed error the caller can decide to retry on.
import type { z } from "zod";

export type TwirpService = "RoomService" | "AgentDispatchService" | "SIP";

/** A failed LiveKit API call. `retryable` is true when the same request may succeed later. */
export class LiveKitError extends Error {
  override name = "LiveKitError";
  /** The Twirp method, e.g. `RoomService/CreateRoom`. */
  readonly operation: string;
  /** HTTP status; undefined when no response arrived (network error, timeout). */
  readonly status: number | undefined;
  /** Twirp error code (`unavailable`, `unauthenticated`, …) when the body carried one. */
  readonly code: string | undefined;
  readonly retryable: boolean;
  /** The Twirp error's `meta` (LiveKit SIP puts the SIP status of a failed call there). */
  readonly meta: Readonly<Record<string, string>> | undefined;

  constructor(operation: string, message: string, opts: { status?: number; code?: string; retryable: boolean; meta?: Record<string, string>; cause?: unknown }) {
    super(`LiveKit ${operation}: ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.operation = operation;
    this.status = opts.status;
    this.code = opts.code;
    this.retryable = opts.retryable;
    this.meta = opts.meta;
  }
}

/** 5xx, 408 (Twirp's deadline_exceeded) and 429 (resource_exhausted) are transient; other 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** The HTTP(S) origin of a LiveKit server from its client URL (`wss://x` → `https://x`). */
export function apiOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`LiveKit url is not a URL: ${url}`);
  }
  const protocols: Record<string, string> = { "wss:": "https:", "ws:": "http:", "https:": "https:", "http:": "http:" };
  const protocol = protocols[parsed.protocol];
  if (!protocol) throw new TypeError(`LiveKit url must be ws(s):// or http(s)://, got ${parsed.protocol}`);
  return `${protocol}//${parsed.host}`;
}

export interface TwirpCall<T> {
  fetchImpl: typeof fetch;
  origin: string;
  service: TwirpService;
  method: string;
  /** A server access token (JWT) with the grants this method needs. */
  bearer: string;
  body: Record<string, unknown>;
  response: z.ZodType<T>;
  timeoutMs: number;
}

export async function twirpCall<T>(call: TwirpCall<T>): Promise<T> {
  const operation = `${call.service}/${call.method}`;
  let res: Response;
  try {
    res = await call.fetchImpl(`${call.origin}/twirp/livekit.${operation}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${call.bearer}` },
      body: JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
  } catch (err) {
    // No response at all: the server may never have seen the request, or may have; either way a
    // retry is the caller's call, and it is safe for CreateRoom (idempotent by name).
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new LiveKitError(operation, timedOut ? `no response within ${call.timeoutMs} ms` : `request failed: ${String(err)}`, {
      code: timedOut ? "deadline_exceeded" : "unavailable",
      retryable: true,
      cause: err,
    });
  }
  const text = await res.text();
  if (!res.ok) throw errorFromResponse(operation, res.status, text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LiveKitError(operation, `response is not JSON (HTTP ${res.status})`, { status: res.status, code: "malformed_response", retryable: false });
  }
  const parsed = call.response.safeParse(json);
  if (!parsed.success) {
    throw new LiveKitError(operation, `unexpected response shape: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`, {
      status: res.status,
      code: "malformed_response",
      retryable: false,
    });
  }
  return parsed.data;
}

// Twirp errors are `{ "code": "...", "msg": "...", "meta": {...} }`; a proxy in front of LiveKit
// may answer with plain text or HTML instead, so the body is read leniently.
function errorFromResponse(operation: string, status: number, text: string): LiveKitError {
  let code: string | undefined;
  let msg: string | undefined;
  let meta: Record<string, string> | undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === "object" && body !== null) {
      if ("code" in body && typeof body.code === "string") code = body.code;
      if ("msg" in body && typeof body.msg === "string") msg = body.msg;
      if ("meta" in body && typeof body.meta === "object" && body.meta !== null) {
        meta = Object.fromEntries(Object.entries(body.meta).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])));
      }
    }
  } catch {
    msg = text.trim().slice(0, 200) || undefined;
  }
  const detail = `HTTP ${status}${code ? ` ${code}` : ""}${msg ? `: ${msg}` : ""}`;
  return new LiveKitError(operation, detail, { status, ...(code === undefined ? {} : { code }), ...(meta ? { meta } : {}), retryable: isRetryableStatus(status) });
}
