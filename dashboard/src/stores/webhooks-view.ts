// The Webhooks page in words: an endpoint's state (enabled, failing, disabled and why), badges of
// delivery statuses and inbound outcomes, attempt triggers, latencies, header lists. Pure, tested
// without a DOM.
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from "../../../packages/contracts/src/webhooks.ts";
import type { InboundLogEntry } from "../../../packages/contracts/src/webhooks-inbound.ts";

export type Tone = "ok" | "warn" | "danger" | "neutral";

export interface Badge {
  label: string;
  tone: Tone;
  /** A longer sentence (a title, or text beside the badge). */
  detail: string | null;
}

const disabledWords: Record<NonNullable<WebhookEndpoint["disabledReason"]>, string> = {
  manual: "Disabled by an Owner",
  gone: "Disabled: the endpoint answered 410 Gone",
  failing: "Disabled: deliveries failed for 5 days",
};

/** An endpoint's badge: disabled (with why), failing (since when), or enabled. */
export function endpointBadge(e: Pick<WebhookEndpoint, "enabled" | "disabledReason" | "failingSince">, format: (iso: string) => string): Badge {
  if (!e.enabled) return { label: e.disabledReason === "manual" || e.disabledReason === null ? "Disabled" : e.disabledReason === "gone" ? "Disabled · 410 Gone" : "Disabled · failing", tone: "danger", detail: disabledWords[e.disabledReason ?? "manual"] };
  if (e.failingSince) return { label: "Failing", tone: "warn", detail: `Deliveries failing since ${format(e.failingSince)}; it is disabled after 5 days of failures.` };
  return { label: "Enabled", tone: "ok", detail: null };
}

export function deliveryBadge(d: Pick<WebhookDelivery, "status" | "attempts" | "nextAttemptAt">, format: (iso: string) => string): Badge {
  if (d.status === "succeeded") return { label: "Succeeded", tone: "ok", detail: null };
  if (d.status === "failed") return { label: "Failed", tone: "danger", detail: null };
  const next = d.nextAttemptAt ? `next attempt ${format(d.nextAttemptAt)}` : "attempt in progress";
  return { label: d.attempts > 0 ? "Retrying" : "Pending", tone: "warn", detail: next };
}

const outcomeTones: Record<InboundLogEntry["outcome"], Tone> = { accepted: "neutral", processed: "ok", ignored: "neutral", refused: "danger", failed: "danger" };
export const outcomeLabels: Record<InboundLogEntry["outcome"], string> = { accepted: "Accepted", processed: "Processed", ignored: "Ignored", refused: "Refused", failed: "Failed" };

export function outcomeBadge(outcome: InboundLogEntry["outcome"]): Badge {
  return { label: outcomeLabels[outcome], tone: outcomeTones[outcome], detail: null };
}

export const triggerLabels: Record<WebhookAttempt["trigger"], string> = { auto: "Automatic", replay: "Replay", test: "Test event" };

/** "HTTP 200", "HTTP 503 · timed out", "no answer · blocked destination: …". */
export function attemptResult(a: Pick<WebhookAttempt, "responseStatus" | "error">): string {
  const status = a.responseStatus === null ? "no answer" : `HTTP ${a.responseStatus}`;
  return a.error ? `${status} · ${a.error}` : status;
}

/** "Last: HTTP 200" style summary of a delivery's last answer. */
export function lastStatus(d: Pick<WebhookDelivery, "lastStatusCode" | "lastError" | "attempts">): string {
  if (d.attempts === 0) return "—";
  if (d.lastStatusCode !== null) return `HTTP ${d.lastStatusCode}`;
  return d.lastError ?? "no answer";
}

export function formatLatency(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Headers as sorted name/value pairs (names lower-cased as HTTP/2 sends them). */
export function headerPairs(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers)
    .map(([k, v]): [string, string] => [k.toLowerCase(), v])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** A body as pretty JSON when it parses, else as it is (a text answer). */
export function prettyBody(body: string | null): string {
  if (body === null || body === "") return "";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** An endpoint's URL shortened for a picker: host and path, without the scheme. */
export function shortUrl(url: string, max = 48): string {
  const bare = url.replace(/^https?:\/\//, "");
  return bare.length > max ? `${bare.slice(0, max - 1)}…` : bare;
}

/** The inbound log's signature verdict in words: a route or provider that checks none still shows "checked". */
export function signatureVerdict(e: Pick<InboundLogEntry, "signatureValid" | "outcome">): Badge {
  return e.signatureValid ? { label: "Valid", tone: "ok", detail: null } : { label: "Invalid or missing", tone: "danger", detail: null };
}

/** A secret's hint as "…abcd", whether the API sends the last characters bare or already after an ellipsis. */
export function secretHintText(hint: string, prefix = ""): string {
  return `${prefix}…${hint.replace(/^(…|\.\.\.)/, "")}`;
}
