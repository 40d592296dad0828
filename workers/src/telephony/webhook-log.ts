// The inbound webhook log: every provider webhook request as it arrived, before anything acts on
// it — refused ones included, so a forged or misrouted request leaves a trace. Credentials never
// reach the table: the signature, authorization and cookie headers and secret-looking query
// parameters are replaced by "[redacted]". The form parameters are kept whole: they are personal
// data (phone numbers) in a table the space owns, and the consumer reads the callback from here.
import { eq } from "drizzle-orm";
import { newId, toStorable } from "@speaknode/contracts";
import { inboundWebhookLog, type Database } from "@speaknode/db";

export type WebhookLogRow = typeof inboundWebhookLog.$inferSelect;
export type WebhookOutcome = WebhookLogRow["outcome"];

export const redacted = "[redacted]";

const secretHeaders = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-twilio-signature", "webhook-signature"]);
const secretQueryName = /token|signature|secret|password|passwd|sig$|^sig|api[-_]?key|auth/i;
const maxHeaders = 100;
const maxHeaderValue = 2000;
const maxUrl = 2000;

/** The request's headers with credentials and signatures replaced (names lower-case); `extra`
 *  names more secret headers (an inbound route's HMAC signature header). */
export function redactHeaders(headers: Headers, extra: readonly string[] = []): Record<string, string> {
  const out: [string, string][] = [];
  const more = new Set(extra.map((h) => h.toLowerCase()));
  for (const [name, value] of headers) {
    if (out.length >= maxHeaders) break;
    const key = name.toLowerCase();
    out.push([key, secretHeaders.has(key) || more.has(key) ? redacted : toStorable(value.slice(0, maxHeaderValue))]);
  }
  return Object.fromEntries(out);
}

/** The URL with user info and secret-looking query parameters replaced. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return redacted;
  }
  if (url.username || url.password) {
    url.username = "";
    url.password = "";
  }
  const params = [...url.searchParams];
  if (params.some(([name]) => secretQueryName.test(name))) {
    url.search = new URLSearchParams(params.map(([name, value]): [string, string] => [name, secretQueryName.test(name) ? redacted : value])).toString();
  }
  return toStorable(url.toString().slice(0, maxUrl));
}

export interface WebhookLogEntry {
  /** `route`: a request to a space's inbound route (POST /hooks/{spaceId}/{name}). */
  provider: "twilio" | "voximplant" | "route";
  kind: "voice" | "status" | "amd" | "hook";
  connectionId: string | null;
  spaceId: string | null;
  method: string;
  url: string;
  headers: Headers;
  params: Record<string, string>;
  signatureValid: boolean;
  outcome: "accepted" | "refused";
  detail?: string;
  dedupeKey?: string | null;
  requestId: string;
  /** The row's id when the caller needs it before the insert completes. */
  id?: string;
  /** A JSON body (inbound routes), stored as received. */
  payload?: unknown;
  routeId?: string | null;
  /** Where the request went, or why nowhere ("no such route"). */
  routing?: string | null;
  /** More header names whose values are secrets (an inbound route's HMAC header). */
  secretHeaderNames?: readonly string[];
}

/** Stores the request (redacted) and returns the log row's id. */
export async function insertWebhookLog(db: Database, entry: WebhookLogEntry): Promise<string> {
  const id = entry.id ?? newId("webhookLog");
  await db.insert(inboundWebhookLog).values({
    id,
    provider: entry.provider,
    kind: entry.kind,
    connectionId: entry.connectionId,
    spaceId: entry.spaceId,
    method: entry.method.slice(0, 10),
    url: redactUrl(entry.url),
    headers: redactHeaders(entry.headers, entry.secretHeaderNames),
    params: toStorable(entry.params),
    signatureValid: entry.signatureValid,
    outcome: entry.outcome,
    detail: entry.detail ? toStorable(entry.detail.slice(0, 500)) : null,
    dedupeKey: entry.dedupeKey ? toStorable(entry.dedupeKey.slice(0, 300)) : null,
    requestId: entry.requestId,
    ...(entry.payload !== undefined ? { payload: toStorable(entry.payload) } : {}),
    ...(entry.routeId ? { routeId: entry.routeId } : {}),
    ...(entry.routing ? { routing: toStorable(entry.routing.slice(0, 300)) } : {}),
  });
  return id;
}

export async function loadWebhookLog(db: Database, id: string): Promise<WebhookLogRow | undefined> {
  const [row] = await db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.id, id));
  return row;
}

/** Records what became of a logged request (and the session it concerned, once known). */
export async function markWebhookLog(db: Database, id: string, patch: { outcome?: WebhookOutcome; detail?: string | null; sessionId?: string; processed?: boolean; routing?: string }): Promise<void> {
  await db
    .update(inboundWebhookLog)
    .set({
      ...(patch.outcome ? { outcome: patch.outcome } : {}),
      ...(patch.detail !== undefined ? { detail: patch.detail === null ? null : toStorable(patch.detail.slice(0, 500)) } : {}),
      ...(patch.sessionId ? { sessionId: patch.sessionId } : {}),
      ...(patch.processed ? { processedAt: new Date() } : {}),
      ...(patch.routing ? { routing: toStorable(patch.routing.slice(0, 300)) } : {}),
    })
    .where(eq(inboundWebhookLog.id, id));
}
