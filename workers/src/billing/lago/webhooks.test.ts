// Lago's webhooks: signatures by Lago's documented schemes (hmac: base64 HMAC-SHA256 of the raw
// body; jwt: RS256 of {data: body, iss: Lago's API URL}), the log, de-duplication on
// X-Lago-Unique-Key, invoices and payment status.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { newId } from "@speaknode/contracts";
import { inboundWebhookLog, invoices, spaces, subscriptions } from "@speaknode/db";
import type { LagoConfig } from "../../config.ts";
import { ApiError } from "../../errors.ts";
import { createApp } from "../../app.ts";
import { call, origin, withDb } from "../../../test/helpers.ts";
import { receiveLagoWebhook, verifyLagoSignature } from "./webhooks.ts";

const apiUrl = "https://lago.example.test";
const hmacKey = "lago-hmac-test-key";
const hmacConfig: LagoConfig = { apiUrl, apiKey: "k", metricCode: "voice_seconds", timeoutMs: 2000, webhook: { scheme: "hmac", hmacKey } };

async function hmacOf(body: string, key = hmacKey): Promise<string> {
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(body)));
  return btoa(String.fromCharCode(...mac));
}

async function newSpace(): Promise<string> {
  const id = newId("space");
  await withDb((db) => db.insert(spaces).values({ id, name: "Lago webhook space" }));
  return id;
}

function invoiceBody(spaceId: string, lagoId: string, over: Record<string, unknown> = {}, type = "invoice.created") {
  return {
    webhook_type: type,
    object_type: "invoice",
    organization_id: "org-1",
    invoice: {
      lago_id: lagoId,
      number: `LAG-${lagoId.slice(0, 8)}`,
      issuing_date: "2026-12-01",
      invoice_type: "subscription",
      status: "finalized",
      payment_status: "pending",
      currency: "USD",
      total_amount_cents: 4950,
      file_url: "https://lago.example.test/invoice.pdf",
      customer: { lago_id: "c-1", external_id: spaceId },
      fees: [{ units: "600", amount_cents: 50, precise_unit_amount: "0.0008", from_date: "2026-11-01T00:00:00Z", to_date: "2026-11-30T23:59:59Z", item: { code: "voice_seconds", name: "Voice seconds" } }],
      ...over,
    },
  };
}

async function deliver(config: LagoConfig, body: unknown, headers: Record<string, string>) {
  const rawBody = JSON.stringify(body);
  const h = new Headers({ "content-type": "application/json", ...headers });
  return withDb((db) => receiveLagoWebhook(db, config, "free", { method: "POST", url: "http://127.0.0.1:8787/billing/lago/webhooks", headers: h, rawBody, requestId: newId("request") }));
}

async function signedHmac(body: unknown, uniqueKey: string = crypto.randomUUID()) {
  return deliver(hmacConfig, body, { "x-lago-signature": await hmacOf(JSON.stringify(body)), "x-lago-signature-algorithm": "hmac", "x-lago-unique-key": uniqueKey });
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("Lago webhook signatures", () => {
  it("accepts the hmac of Lago's scheme (a fixed vector) and refuses a changed body or another algorithm", async () => {
    const body = '{"webhook_type":"invoice.created","object_type":"invoice"}';
    // base64(HMAC-SHA256("lago-hmac-test-key", body)), computed outside the Worker.
    const vector = "xXBoiwSvMtaXAkLZnpfilp57akwgWxPTwvD05g/z0Fw=";
    expect(await hmacOf(body)).toBe(vector);
    expect(await verifyLagoSignature(hmacConfig, new Headers({ "x-lago-signature": vector, "x-lago-signature-algorithm": "hmac" }), body)).toEqual({ ok: true });
    expect((await verifyLagoSignature(hmacConfig, new Headers({ "x-lago-signature": vector }), body.replace("created", "voided"))).ok).toBe(false);
    expect((await verifyLagoSignature(hmacConfig, new Headers({ "x-lago-signature": vector, "x-lago-signature-algorithm": "jwt" }), body)).ok).toBe(false);
    expect((await verifyLagoSignature(hmacConfig, new Headers({ "x-lago-signature": "not base64 !!" }), body)).ok).toBe(false);
  });

  it("accepts an RS256 jwt of {data: body, iss: Lago's API URL} and refuses another key, issuer or body", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    const other = await generateKeyPair("RS256", { extractable: true });
    const config: LagoConfig = { ...hmacConfig, webhook: { scheme: "jwt", publicKey: btoa(await exportSPKI(publicKey)) } };
    const body = JSON.stringify({ webhook_type: "customer.created", object_type: "customer" });
    const jwt = (data: string, key: CryptoKey, iss = apiUrl) => new SignJWT({ data }).setProtectedHeader({ alg: "RS256" }).setIssuer(iss).sign(key);
    const headers = (token: string) => new Headers({ "x-lago-signature": token, "x-lago-signature-algorithm": "jwt" });
    expect(await verifyLagoSignature(config, headers(await jwt(body, privateKey)), body)).toEqual({ ok: true });
    expect((await verifyLagoSignature(config, headers(await jwt(body, other.privateKey)), body)).ok).toBe(false);
    expect((await verifyLagoSignature(config, headers(await jwt(body, privateKey, "https://evil.test")), body)).ok).toBe(false);
    expect((await verifyLagoSignature(config, headers(await jwt('{"webhook_type":"x"}', privateKey)), body)).ok).toBe(false);
  });

  it("refuses a bad or missing signature with 401 and logs the request as refused with the signature redacted", async () => {
    const key = crypto.randomUUID();
    const bad = await refusal(deliver(hmacConfig, { webhook_type: "invoice.created" }, { "x-lago-signature": await hmacOf("other body"), "x-lago-unique-key": key }));
    expect(bad.status).toBe(401);
    const missing = await refusal(deliver(hmacConfig, { webhook_type: "invoice.created" }, { "x-lago-unique-key": key }));
    expect(missing.status).toBe(401);
    const rows = await withDb((db) => db.select().from(inboundWebhookLog).where(and(eq(inboundWebhookLog.provider, "lago"), eq(inboundWebhookLog.dedupeKey, key))));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({ outcome: "refused", signatureValid: false, kind: "billing" });
      expect(row.routing).toMatch(/^nowhere: /);
    }
    expect(rows.find((r) => r.headers["x-lago-signature"])?.headers["x-lago-signature"]).toBe("[redacted]");
  });
});

describe("Lago webhook effects", () => {
  it("upserts the invoice with its status mapped, and a payment status update changes the same row", async () => {
    const spaceId = await newSpace();
    const lagoId = crypto.randomUUID();
    expect((await signedHmac(invoiceBody(spaceId, lagoId))).outcome).toBe("processed");
    let [row] = await withDb((db) => db.select().from(invoices).where(eq(invoices.lagoInvoiceId, lagoId)));
    expect(row).toMatchObject({ spaceId, source: "lago", status: "open", total: "49.5000", currency: "USD", usedSeconds: 600, pdfUrl: "https://lago.example.test/invoice.pdf" });
    expect(row?.lines[0]).toMatchObject({ kind: "lago", description: "Voice seconds", amount: "0.50" });
    await signedHmac(invoiceBody(spaceId, lagoId, { payment_status: "succeeded" }, "invoice.payment_status_updated"));
    const rows = await withDb((db) => db.select().from(invoices).where(eq(invoices.lagoInvoiceId, lagoId)));
    expect(rows).toHaveLength(1);
    [row] = rows;
    expect(row?.status).toBe("paid");
    await signedHmac(invoiceBody(spaceId, lagoId, { status: "voided" }, "invoice.voided"));
    [row] = await withDb((db) => db.select().from(invoices).where(eq(invoices.lagoInvoiceId, lagoId)));
    expect(row?.status).toBe("void");
  });

  it("changes nothing when the same X-Lago-Unique-Key comes again", async () => {
    const spaceId = await newSpace();
    const lagoId = crypto.randomUUID();
    const key = crypto.randomUUID();
    expect((await signedHmac(invoiceBody(spaceId, lagoId), key)).outcome).toBe("processed");
    // A replay under the same key, even with another body, is logged and ignored.
    const replay = await signedHmac(invoiceBody(spaceId, lagoId, { payment_status: "succeeded" }, "invoice.payment_status_updated"), key);
    expect(replay).toMatchObject({ outcome: "ignored", detail: "duplicate" });
    const [row] = await withDb((db) => db.select().from(invoices).where(eq(invoices.lagoInvoiceId, lagoId)));
    expect(row?.status).toBe("open");
    const logged = await withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.dedupeKey, key)));
    expect(logged.map((r) => r.outcome).sort()).toEqual(["ignored", "processed"]);
    const first = logged.find((r) => r.outcome === "processed");
    expect(first?.routing).toBe("billing: invoice.created");
    expect(logged.find((r) => r.outcome === "ignored")?.routing).toBe(`nowhere: a duplicate of ${first?.id}`);
  });

  it("sets the subscription past_due on a payment failure and active again when a payment succeeds", async () => {
    const spaceId = await newSpace();
    const lagoId = crypto.randomUUID();
    await signedHmac(invoiceBody(spaceId, lagoId));
    await signedHmac({
      webhook_type: "invoice.payment_failure",
      object_type: "payment_provider_invoice_payment_error",
      payment_provider_invoice_payment_error: { lago_invoice_id: lagoId, lago_customer_id: "c-1", external_customer_id: spaceId, payment_provider: "stripe" },
    });
    const status = async () => (await withDb((db) => db.select().from(subscriptions).where(eq(subscriptions.spaceId, spaceId))))[0]?.status;
    expect(await status()).toBe("past_due");
    const [failed] = await withDb((db) => db.select().from(invoices).where(eq(invoices.lagoInvoiceId, lagoId)));
    expect(failed?.status).toBe("failed");
    await signedHmac(invoiceBody(spaceId, lagoId, { payment_status: "succeeded" }, "invoice.payment_status_updated"));
    expect(await status()).toBe("active");
  });

  it("ignores an invoice of a customer that is no space here", async () => {
    const result = await signedHmac(invoiceBody(newId("space"), crypto.randomUUID()));
    expect(result.outcome).toBe("ignored");
  });
});

describe("POST /billing/lago/webhooks", () => {
  it("answers 404 problem+json while billing runs on the local ledger", async () => {
    const res = await call("POST", "/billing/lago/webhooks", { json: { webhook_type: "invoice.created" }, headers: { "x-lago-signature": "x" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.body["code"]).toBe("not_found");
  });
});

describe("POST /billing/lago/webhooks in a Worker with BILLING_DRIVER=lago", () => {
  const lagoEnv = { ...env, BILLING_DRIVER: "lago", LAGO_API_URL: apiUrl, LAGO_API_KEY: "k", LAGO_WEBHOOK_SIGNATURE: "hmac", LAGO_WEBHOOK_HMAC_KEY: hmacKey };
  const post = async (body: string, headers: Record<string, string>) => {
    const res = await createApp().fetch(new Request(`${origin}/billing/lago/webhooks`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }), lagoEnv);
    return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as Record<string, unknown> };
  };

  it("applies a signed webhook (200) and refuses an unsigned one with 401 problem+json", async () => {
    const spaceId = await newSpace();
    const lagoId = crypto.randomUUID();
    const body = JSON.stringify(invoiceBody(spaceId, lagoId));
    const ok = await post(body, { "x-lago-signature": await hmacOf(body), "x-lago-signature-algorithm": "hmac", "x-lago-unique-key": crypto.randomUUID() });
    expect(ok).toMatchObject({ status: 200, body: { outcome: "processed" } });
    const [row] = await withDb((db) => db.select().from(invoices).where(eq(invoices.lagoInvoiceId, lagoId)));
    expect(row?.spaceId).toBe(spaceId);
    const unsigned = await post(body, { "x-lago-unique-key": crypto.randomUUID() });
    expect(unsigned.status).toBe(401);
    expect(unsigned.type).toContain("application/problem+json");
    expect(unsigned.body["code"]).toBe("unauthorized");
  });
});
