// Starting a session: POST /public/agents/{agentId}/sessions, and the RFC 9457 problems it can
// answer mapped to the widget's error codes; or, in preview mode, the host's own `dispatch`.
import type { DispatchedSession, PreviewDispatchRequest, WidgetErrorCode, WidgetPreview } from "../shared/types.ts";
import { WidgetFailure } from "./failure.ts";

export interface DispatchRequest {
  variables: Record<string, unknown>;
  language?: string | undefined;
  visitorId?: string | undefined;
  agentToken?: string | undefined;
}

/** The widget error for an HTTP status and the problem's `code` (when the body had one). */
export function problemToError(status: number, code: string | undefined): WidgetErrorCode {
  // Codes from packages/contracts/src/problem.ts.
  switch (code) {
    case "not_found":
    case "gone":
      return "agent_unpublished";
    case "rate_limited":
      return "rate_limited";
    case "token_expired":
      return "token_expired";
    case "unauthorized":
      return "token_invalid";
    case "forbidden":
      return "origin_forbidden";
  }
  if (status === 404) return "agent_unpublished";
  if (status === 429) return "rate_limited";
  if (status === 401) return "token_invalid";
  if (status === 403) return "origin_forbidden";
  // Bad gateways and timeouts from proxies in front of the API look like a network problem.
  if (status === 502 || status === 503 || status === 504) return "network_lost";
  return "session_failed";
}

/** Seconds from a retry-after header (delta-seconds only; the API never sends a date). */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

function isDispatched(value: unknown): value is DispatchedSession {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Partial<Record<keyof DispatchedSession, unknown>>;
  const media = v.media as { driver?: unknown; url?: unknown; token?: unknown } | undefined;
  return typeof v.sessionId === "string" && typeof v.eventsUrl === "string" && typeof media?.url === "string" && typeof media.token === "string";
}

export async function dispatchSession(apiBase: string, agentId: string, request: DispatchRequest): Promise<DispatchedSession> {
  let res: Response;
  try {
    res = await fetch(`${apiBase}/public/agents/${encodeURIComponent(agentId)}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch {
    throw new WidgetFailure("network_lost", "dispatch: no response");
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok && isDispatched(body)) return body;
  const code = typeof body === "object" && body !== null && "code" in body && typeof body.code === "string" ? body.code : undefined;
  throw new WidgetFailure(res.ok ? "session_failed" : problemToError(res.status, code), `dispatch: ${res.status}`, retryAfterSeconds(res.headers.get("retry-after")));
}

/**
 * A preview's session from the host's `dispatch`. A rejection is a failed session; its message is
 * shown only when the host meant it for people (an Error with a string `widgetMessage`).
 */
export async function dispatchPreview(preview: WidgetPreview, request: PreviewDispatchRequest): Promise<DispatchedSession> {
  let session: unknown;
  try {
    session = await preview.dispatch(request);
  } catch (err) {
    const message = err instanceof Error && "widgetMessage" in err && typeof err.widgetMessage === "string" && err.widgetMessage.trim() ? err.widgetMessage.trim() : undefined;
    throw new WidgetFailure("session_failed", "preview dispatch rejected", undefined, message);
  }
  if (isDispatched(session)) return session;
  throw new WidgetFailure("session_failed", "preview dispatch: not a session");
}
