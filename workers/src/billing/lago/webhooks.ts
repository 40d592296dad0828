// Lago's webhooks (https://getlago.com/docs/api-reference/webhooks/format---signature): a POST of
// `{webhook_type, object_type, <object>}` with three headers:
// - `X-Lago-Signature-Algorithm`: `hmac` or `jwt`, as the webhook endpoint was created;
// - `X-Lago-Signature`: hmac = base64 of HMAC-SHA256 of the raw body with the HMAC key;
//   jwt = an RS256 JWT of `{data: <the raw body>, iss: <Lago's API URL>}` under Lago's key
//   (GET /webhooks/public_key, a base64 PEM);
// - `X-Lago-Unique-Key`: the same for every retry of one webhook.
// Every request is logged in inbound_webhook_log (provider lago, the signature redacted) before
// anything acts on it; an unsigned or badly signed one is refused (401) and logged as refused; a
// key seen before is logged as ignored and changes nothing.
import { and, eq, inArray, ne, sql } from "drizzle-orm";
import { importSPKI, jwtVerify } from "jose";
import { z } from "zod";
import { newId, text, toStorable } from "@speaknode/contracts";
import { inboundWebhookLog, invoices, spaces, subscriptions, type Database } from "@speaknode/db";
import { verifyHmacSignature } from "@speaknode/signing";
import type { LagoConfig } from "../../config.ts";
import { ApiError } from "../../errors.ts";
import { markWebhookLog, redacted, redactHeaders, redactUrl } from "../../telephony/webhook-log.ts";
import { billingStateOf } from "../subscription.ts";
import { LagoInvoice, upsertLagoInvoice } from "./invoices.ts";

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | null {
  try {
    return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

const publicKeys = new Map<string, Promise<CryptoKey>>();

/** LAGO_WEBHOOK_PUBLIC_KEY is Lago's base64 of a PEM; a PEM pasted as is works too. */
function publicKeyOf(configured: string): Promise<CryptoKey> {
  let key = publicKeys.get(configured);
  if (!key) {
    const pem = configured.includes("BEGIN") ? configured : new TextDecoder().decode(base64Bytes(configured) ?? new Uint8Array());
    key = importSPKI(pem, "RS256");
    publicKeys.set(configured, key);
  }
  return key;
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return false;
  }
}

async function verifyJwt(publicKey: string, issuer: string, token: string, rawBody: string): Promise<SignatureCheck> {
  let payload: Record<string, unknown>;
  try {
    payload = (await jwtVerify(token, await publicKeyOf(publicKey), { algorithms: ["RS256"] })).payload;
  } catch {
    return { ok: false, reason: "the jwt signature does not verify with the configured public key" };
  }
  // Lago's own clients check the issuer: the Lago API the organization lives on.
  if (typeof payload["iss"] !== "string" || trimSlash(payload["iss"]) !== trimSlash(issuer)) return { ok: false, reason: "the jwt issuer is not the configured Lago API" };
  const data = payload["data"];
  if (typeof data !== "string" || (data !== rawBody && !sameJson(data, rawBody))) return { ok: false, reason: "the jwt does not sign this body" };
  return { ok: true };
}

/** Checks the request's signature by the scheme configured (LAGO_WEBHOOK_SIGNATURE). */
export async function verifyLagoSignature(lago: Pick<LagoConfig, "webhook" | "apiUrl">, headers: Headers, rawBody: string): Promise<SignatureCheck> {
  const signature = headers.get("x-lago-signature");
  if (!signature) return { ok: false, reason: "no X-Lago-Signature header" };
  const algorithm = headers.get("x-lago-signature-algorithm") ?? lago.webhook.scheme;
  if (algorithm !== lago.webhook.scheme) return { ok: false, reason: `signature algorithm ${algorithm.slice(0, 20)} is not the configured ${lago.webhook.scheme}` };
  if (lago.webhook.scheme === "hmac") return (await verifyHmacSignature({ secret: lago.webhook.hmacKey, algorithm: "sha256", encoding: "base64", signature, body: rawBody })) ? { ok: true } : { ok: false, reason: "the hmac signature does not match the body" };
  return verifyJwt(lago.webhook.publicKey, lago.apiUrl, signature, rawBody);
}

const Envelope = z.object({ webhook_type: text().min(1).max(100), object_type: text().max(100).optional() }).passthrough();
const PaymentFailure = z.object({ lago_invoice_id: text().optional(), external_customer_id: text() }).passthrough();

export interface LagoWebhookRequest {
  method: string;
  url: string;
  headers: Headers;
  rawBody: string;
  requestId: string;
}

export interface LagoWebhookResult {
  outcome: "processed" | "ignored";
  detail: string;
  logId: string;
}

type Applied = { outcome: "processed" | "ignored"; detail: string; spaceId?: string };

async function setSubscriptionStatus(db: Database, spaceId: string, status: "active" | "past_due", defaultPlanCode: string): Promise<void> {
  if (status === "active") {
    // Only a space Lago made past_due comes back; a canceled one stays canceled.
    await db.update(subscriptions).set({ status, updatedAt: sql`now()` }).where(and(eq(subscriptions.spaceId, spaceId), eq(subscriptions.status, "past_due")));
    return;
  }
  const state = await billingStateOf(db, spaceId, defaultPlanCode);
  await db
    .insert(subscriptions)
    .values({ spaceId, planId: state.plan.id, status })
    .onConflictDoUpdate({ target: subscriptions.spaceId, set: { status, updatedAt: sql`now()` } });
}

async function spaceExists(db: Database, spaceId: string): Promise<boolean> {
  const [row] = await db.select({ id: spaces.id }).from(spaces).where(eq(spaces.id, spaceId));
  return row !== undefined;
}

async function apply(db: Database, lago: LagoConfig, defaultPlanCode: string, body: z.infer<typeof Envelope>): Promise<Applied> {
  const type = body.webhook_type;
  if (type === "invoice.payment_failure") {
    const failure = PaymentFailure.safeParse(body["payment_provider_invoice_payment_error"]);
    if (!failure.success) return { outcome: "ignored", detail: "payment failure without its object" };
    const spaceId = failure.data.external_customer_id;
    if (!(await spaceExists(db, spaceId))) return { outcome: "ignored", detail: "no such space" };
    if (failure.data.lago_invoice_id) {
      await db.update(invoices).set({ status: "failed", updatedAt: sql`now()` }).where(and(eq(invoices.lagoInvoiceId, failure.data.lago_invoice_id), eq(invoices.spaceId, spaceId)));
    }
    await setSubscriptionStatus(db, spaceId, "past_due", defaultPlanCode);
    return { outcome: "processed", detail: "payment failed: subscription past_due", spaceId };
  }
  if (type.startsWith("invoice.") && body["invoice"] !== undefined) {
    const invoice = LagoInvoice.safeParse(body["invoice"]);
    if (!invoice.success) return { outcome: "ignored", detail: "invoice without the fields read" };
    const row = await upsertLagoInvoice(db, invoice.data, lago.metricCode);
    if (!row) return { outcome: "ignored", detail: "the invoice's customer is no space here" };
    const payment = invoice.data.payment_status;
    if (type === "invoice.payment_status_updated" && (payment === "failed" || payment === "succeeded")) {
      await setSubscriptionStatus(db, row.spaceId, payment === "failed" ? "past_due" : "active", defaultPlanCode);
    }
    return { outcome: "processed", detail: `invoice ${row.number} ${row.status}`, spaceId: row.spaceId };
  }
  return { outcome: "ignored", detail: `${type.slice(0, 100)} is not used` };
}

function loggedParams(body: Record<string, unknown> | null): Record<string, string> {
  if (!body) return {};
  const out: Record<string, string> = {};
  for (const key of ["webhook_type", "object_type"]) if (typeof body[key] === "string") out[key] = String(body[key]).slice(0, 100);
  const invoice = body["invoice"];
  if (typeof invoice === "object" && invoice !== null) {
    const parsed = LagoInvoice.safeParse(invoice);
    if (parsed.success) out["lago_invoice_id"] = parsed.data.lago_id;
  }
  return out;
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Logs, verifies, de-duplicates and applies one webhook request. Throws ApiError `unauthorized`
 * (signature) or `validation_failed` (not a Lago webhook); returns what became of it otherwise.
 */
export async function receiveLagoWebhook(db: Database, lago: LagoConfig, defaultPlanCode: string, req: LagoWebhookRequest): Promise<LagoWebhookResult> {
  const check = await verifyLagoSignature(lago, req.headers, req.rawBody);
  const json = check.ok ? parseJson(req.rawBody) : null;
  const envelope = json ? Envelope.safeParse(json) : null;
  const uniqueKey = req.headers.get("x-lago-unique-key")?.slice(0, 300) || null;
  const headers = redactHeaders(req.headers);
  if (headers["x-lago-signature"] !== undefined) headers["x-lago-signature"] = redacted;
  const logId = newId("webhookLog");
  const refusal = !check.ok ? check.reason : !envelope?.success ? "the body is not a Lago webhook" : null;
  await db.insert(inboundWebhookLog).values({
    id: logId,
    provider: "lago",
    kind: "billing",
    connectionId: null,
    spaceId: null,
    method: req.method.slice(0, 10),
    url: redactUrl(req.url),
    headers,
    params: toStorable(loggedParams(json)),
    signatureValid: check.ok,
    outcome: refusal ? "refused" : "accepted",
    detail: refusal,
    dedupeKey: uniqueKey ? toStorable(uniqueKey) : null,
    requestId: req.requestId,
    routing: refusal ? `nowhere: ${refusal}`.slice(0, 300) : envelope?.success ? `billing: ${envelope.data.webhook_type}` : null,
  });
  if (!check.ok) throw new ApiError("unauthorized", `the Lago webhook is refused: ${check.reason}`);
  if (!envelope?.success) throw new ApiError("validation_failed", "the body is not a Lago webhook ({webhook_type, object_type, …})");
  if (uniqueKey) {
    const [earlier] = await db
      .select({ id: inboundWebhookLog.id })
      .from(inboundWebhookLog)
      .where(
        and(
          eq(inboundWebhookLog.provider, "lago"),
          eq(inboundWebhookLog.dedupeKey, uniqueKey),
          eq(inboundWebhookLog.signatureValid, true),
          inArray(inboundWebhookLog.outcome, ["processed", "ignored"]),
          ne(inboundWebhookLog.id, logId),
        ),
      )
      .limit(1);
    if (earlier) {
      await markWebhookLog(db, logId, { outcome: "ignored", detail: "duplicate: this X-Lago-Unique-Key was received before", processed: true, routing: `nowhere: a duplicate of ${earlier.id}` });
      return { outcome: "ignored", detail: "duplicate", logId };
    }
  }
  try {
    const applied = await apply(db, lago, defaultPlanCode, envelope.data);
    await db
      .update(inboundWebhookLog)
      .set({ outcome: applied.outcome, detail: applied.detail.slice(0, 500), processedAt: new Date(), ...(applied.spaceId ? { spaceId: applied.spaceId } : {}) })
      .where(eq(inboundWebhookLog.id, logId));
    return { outcome: applied.outcome, detail: applied.detail, logId };
  } catch (err) {
    // Lago sends it again (3 tries); the failed row does not count as seen.
    await markWebhookLog(db, logId, { outcome: "failed", detail: "processing failed" });
    throw err;
  }
}
