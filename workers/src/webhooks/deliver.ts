// One attempt of a delivery: sign the event's body (Standard Webhooks; both secrets while a
// rotation's overlap lasts), POST it to the endpoint, record the attempt, then settle the delivery
// (succeeded, failed, or pending until the schedule's next attempt, enqueued with its delay) and the
// endpoint (its failing streak; disabled on 410 Gone or after failing too long).
//
// Attempts are claimed: the delivery's `attempts` is bumped only if it still holds the count that
// was read (and `nextAttemptAt` pushed one lease ahead), so two messages for one delivery — a
// redelivery, the sweep's, a replay — never make the same attempt twice. An `auto` message whose
// delivery is no longer pending, or whose next attempt is due later than the message (a replay
// rescheduled it), is stale and skipped. The URL is checked against the SSRF policy at every
// attempt (the row may have changed since it was saved), redirects are never followed, and the
// answer's body is read up to 4 KiB.
import { and, eq, sql } from "drizzle-orm";
import { isReservedWebhookHeader, newId, webhookEventVersion, type WebhooksMessage } from "@speaknode/contracts";
import { domainEvents, webhookAttempts, webhookDeliveries, webhookEndpoints, type Database } from "@speaknode/db";
import { signStandardWebhook } from "@speaknode/signing";
import { checkOutboundUrl } from "@speaknode/ssrf";
import type { Config } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { disableEndpoint } from "./disable.ts";
import { bodyOf } from "./payload.ts";
import { enqueueDeliver } from "./protocol.ts";
import { redactAttemptHeaders } from "./redact.ts";
import { nextRetryDelayS, retryAfterSeconds } from "./schedule.ts";
import { openHeaders, openSecret } from "./secrets.ts";
import type { WorkerEnv } from "../env.ts";

export type AttemptTrigger = Extract<WebhooksMessage, { kind: "deliver" }>["trigger"];

export interface DeliverDeps {
  db: Database;
  config: Pick<Config, "secretsKey" | "webhooks" | "publicUrl">;
  /** Where the webhooks queue binding is (the next attempt is enqueued there). */
  env: WorkerEnv;
  fetchImpl?: typeof fetch;
  now?: () => Date;
  /** In [0, 1): places the retry delay's jitter. */
  random?: () => number;
}

export type AttemptOutcome =
  | { kind: "skipped"; reason: "missing" | "not_pending" | "not_due" | "claimed" }
  /** The endpoint was disabled: the delivery was marked failed without an attempt. */
  | { kind: "endpoint_disabled" }
  | {
      kind: "attempted";
      attemptId: string;
      number: number;
      succeeded: boolean;
      responseStatus: number | null;
      error: string | null;
      /** Seconds until the next attempt; null when none is scheduled. */
      retryInS: number | null;
      /** Why this attempt disabled the endpoint, if it did. */
      disabled: "gone" | "failing" | null;
      /** Emails to the Owners written by a disable (for the caller to deliver soon). */
      emailIds: string[];
    };

/** How much of an answer's body is read and kept. */
export const responseBodyLimitBytes = 4096;
/** An `auto` message may arrive this much before its delivery's nextAttemptAt (queue delays are coarse). */
export const dueSlackMs = 5_000;
/** How long past the attempt's timeout a claim keeps the sweep away (a consumer that died mid-attempt). */
const claimLeaseMs = 60_000;
export const userAgent = "Speaknode-Webhooks/1";

export async function attemptDelivery(deps: DeliverDeps, deliveryId: string, trigger: AttemptTrigger): Promise<AttemptOutcome> {
  const { db, config } = deps;
  const now = deps.now?.() ?? new Date();
  const [row] = await db
    .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: { id: domainEvents.id, type: domainEvents.type, data: domainEvents.data, occurredAt: domainEvents.occurredAt } })
    .from(webhookDeliveries)
    .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
    .innerJoin(domainEvents, eq(domainEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (!row) return { kind: "skipped", reason: "missing" };
  const { delivery, endpoint, event } = row;
  if (delivery.status !== "pending") return { kind: "skipped", reason: "not_pending" };
  if (trigger === "auto" && (delivery.nextAttemptAt === null || delivery.nextAttemptAt.getTime() > now.getTime() + dueSlackMs)) return { kind: "skipped", reason: "not_due" };

  if (!endpoint.enabled) {
    await db
      .update(webhookDeliveries)
      .set({ status: "failed", nextAttemptAt: null, completedAt: now, updatedAt: now, lastError: "endpoint disabled" })
      .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending")));
    return { kind: "endpoint_disabled" };
  }

  const claimed = await db
    .update(webhookDeliveries)
    .set({ attempts: delivery.attempts + 1, nextAttemptAt: new Date(now.getTime() + config.webhooks.attemptTimeoutMs + claimLeaseMs), updatedAt: now })
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, "pending"), eq(webhookDeliveries.attempts, delivery.attempts)))
    .returning({ id: webhookDeliveries.id });
  if (claimed.length === 0) return { kind: "skipped", reason: "claimed" };
  const number = delivery.attempts + 1;

  const body = bodyOf(event);
  const headers = await requestHeaders(config.secretsKey, endpoint, event, body, now);
  const result = await post(endpoint.url, headers.sent, body, deps);
  const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
  const retryAfterS = retryAfterSeconds(result.status, result.retryAfter, now);

  const attemptId = newId("webhookAttempt");
  const settled = await db.transaction(async (tx): Promise<{ retryInS: number | null; disabled: "gone" | "failing" | null; emailIds: string[] }> => {
    await tx.insert(webhookAttempts).values({
      id: attemptId,
      deliveryId,
      spaceId: delivery.spaceId,
      endpointId: endpoint.id,
      number,
      trigger,
      url: endpoint.url,
      requestHeaders: redactAttemptHeaders(headers.sent, headers.customNames),
      requestBody: body,
      responseStatus: result.status,
      responseBody: result.body,
      latencyMs: result.latencyMs,
      error: result.error,
      succeeded,
      startedAt: now,
    });
    const last = { lastStatusCode: result.status, lastError: result.error, updatedAt: now };
    if (succeeded) {
      await tx.update(webhookDeliveries).set({ ...last, status: "succeeded", nextAttemptAt: null, completedAt: now }).where(eq(webhookDeliveries.id, deliveryId));
      await tx.update(webhookEndpoints).set({ failingSince: null, lastSuccessAt: now, updatedAt: now }).where(eq(webhookEndpoints.id, endpoint.id));
      return { retryInS: null, disabled: null, emailIds: [] };
    }
    // The streak starts at the first failure after a success (or ever).
    const [streak] = await tx
      .update(webhookEndpoints)
      .set({ failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
      .where(eq(webhookEndpoints.id, endpoint.id))
      .returning({ failingSince: webhookEndpoints.failingSince });
    const failingTooLong = !!streak?.failingSince && now.getTime() - streak.failingSince.getTime() >= config.webhooks.disableAfterMs;
    const reason: "gone" | "failing" | null = result.status === 410 ? "gone" : failingTooLong ? "failing" : null;
    if (reason) {
      const lastError = reason === "gone" ? "the endpoint answered 410 Gone: disabled" : "the endpoint has failed for too long: disabled";
      await tx.update(webhookDeliveries).set({ ...last, lastError, status: "failed", nextAttemptAt: null, completedAt: now }).where(eq(webhookDeliveries.id, deliveryId));
      const disabled = await disableEndpoint(tx, { endpointId: endpoint.id, reason, now, publicUrl: config.publicUrl });
      return { retryInS: null, disabled: disabled.disabled ? reason : null, emailIds: disabled.emailIds };
    }
    const retryInS = nextRetryDelayS(number, { retryAfterS, random: deps.random });
    if (retryInS === null) {
      await tx.update(webhookDeliveries).set({ ...last, status: "failed", nextAttemptAt: null, completedAt: now }).where(eq(webhookDeliveries.id, deliveryId));
    } else {
      await tx.update(webhookDeliveries).set({ ...last, nextAttemptAt: new Date(now.getTime() + retryInS * 1000) }).where(eq(webhookDeliveries.id, deliveryId));
    }
    return { retryInS, disabled: null, emailIds: [] };
  });

  log.info("webhooks: delivery attempted", { deliveryId, endpointId: endpoint.id, number, trigger, status: result.status, succeeded, retryInS: settled.retryInS, disabled: settled.disabled });
  if (settled.retryInS !== null) {
    try {
      await enqueueDeliver(deps.env, deliveryId, "auto", settled.retryInS);
    } catch (err) {
      // The delivery stays pending with its nextAttemptAt: the cron sweep enqueues it when overdue.
      log.warn("webhooks: next attempt not enqueued; the sweep will", { deliveryId, ...errorFields(err) });
    }
  }
  return { kind: "attempted", attemptId, number, succeeded, responseStatus: result.status, error: result.error, ...settled };
}

interface EndpointRow {
  id: string;
  url: string;
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  customHeaders: string | null;
}

/** The headers of one attempt, and the custom header names (their values are redacted when stored). */
async function requestHeaders(secretsKey: string, endpoint: EndpointRow, event: { id: string; type: string }, body: string, now: Date) {
  const timestampS = Math.floor(now.getTime() / 1000);
  const secrets = [await openSecret(secretsKey, endpoint.id, endpoint.secret)];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > now.getTime()) {
    secrets.push(await openSecret(secretsKey, endpoint.id, endpoint.previousSecret));
  }
  const signatures = await Promise.all(secrets.map((s) => signStandardWebhook(s, event.id, timestampS, body)));
  const sent: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": userAgent,
    "webhook-id": event.id,
    "webhook-timestamp": String(timestampS),
    "webhook-signature": signatures.join(" "),
    "speaknode-event-type": event.type,
    "speaknode-event-version": String(webhookEventVersion),
  };
  // Sealed for the endpoint's URL origin: after the URL moved elsewhere they open to null, and none are sent.
  const custom = endpoint.customHeaders ? ((await openHeaders(secretsKey, endpoint.id, endpoint.url, endpoint.customHeaders)) ?? {}) : {};
  const customNames: string[] = [];
  for (const [name, value] of Object.entries(custom)) {
    // Refused when saved; skipped here too, so they can never override the signature or the id.
    if (isReservedWebhookHeader(name)) continue;
    sent[name.toLowerCase()] = value;
    customNames.push(name.toLowerCase());
  }
  return { sent, customNames };
}

interface PostResult {
  status: number | null;
  body: string | null;
  retryAfter: string | null;
  error: string | null;
  latencyMs: number;
}

/** The POST of one attempt; never throws: every way it can go wrong is a failed attempt. */
async function post(url: string, headers: Record<string, string>, body: string, deps: DeliverDeps): Promise<PostResult> {
  const allow = deps.config.webhooks.allowLoopback;
  const check = checkOutboundUrl(url, { allowLoopback: allow, allowHttp: allow });
  if (!check.ok) return { status: null, body: null, retryAfter: null, error: `blocked destination: ${url} ${check.reason}`.slice(0, 500), latencyMs: 0 };
  const timeoutMs = deps.config.webhooks.attemptTimeoutMs;
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Raced against every await, so a fetch or body that ignores the signal still ends the attempt.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error("timeout"));
      controller.abort();
    }, timeoutMs);
  });
  deadline.catch(() => undefined);
  const startedMs = Date.now();
  try {
    let response: Response;
    try {
      response = await Promise.race([(deps.fetchImpl ?? fetch)(check.url.href, { method: "POST", headers, body, redirect: "manual", signal: controller.signal }), deadline]);
    } catch (err) {
      const latencyMs = Date.now() - startedMs;
      const timedOut = err instanceof Error && err.message === "timeout";
      const error = timedOut ? `no answer within ${timeoutMs} ms` : `request failed: ${err instanceof Error ? err.message : String(err)}`;
      return { status: null, body: null, retryAfter: null, error: error.slice(0, 500), latencyMs };
    }
    const latencyMs = Date.now() - startedMs;
    const text = await readStart(response, (p) => Promise.race([p, deadline]));
    const status = response.status;
    const redirect = response.type === "opaqueredirect" || (status >= 300 && status < 400);
    const error = redirect ? "redirects are not followed" : status >= 200 && status < 300 ? null : `HTTP ${status}`;
    return { status: response.type === "opaqueredirect" ? null : status, body: text, retryAfter: response.headers.get("retry-after"), error, latencyMs };
  } finally {
    clearTimeout(timer);
  }
}

/** The first 4 KiB of the answer as text; whatever arrived before an error or the deadline. */
async function readStart(response: Response, within: <T>(p: Promise<T>) => Promise<T>): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < responseBodyLimitBytes) {
      const { done, value } = await within(reader.read());
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // Keep what was read: the status is the answer, the body only helps the reader of the history.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(total, responseBodyLimitBytes));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - at);
    bytes.set(part, at);
    at += part.length;
    if (at >= bytes.length) break;
  }
  // Postgres text refuses NUL; a multi-byte character cut at the limit decodes to U+FFFD.
  return new TextDecoder().decode(bytes).replace(/\u0000/g, "\uFFFD");
}
