import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { signStandardWebhook, verifyStandardWebhook } from "./standard-webhooks.ts";

// The vector published with the Standard Webhooks specification and its reference libraries.
const vector = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestampS: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const headersOf = (signature: string, timestampS = vector.timestampS) => ({ id: vector.id, timestamp: String(timestampS), signature });

describe("Standard Webhooks signing", () => {
  it("signs the specification's published vector to its published signature", async () => {
    expect(await signStandardWebhook(vector.secret, vector.id, vector.timestampS, vector.body)).toBe(vector.signature);
  });

  it("signs body bytes the same as the body's text", async () => {
    const bytes = new TextEncoder().encode(vector.body);
    expect(await signStandardWebhook(vector.secret, vector.id, vector.timestampS, bytes)).toBe(vector.signature);
  });

  it("verifies the published vector at its timestamp", async () => {
    const verdict = await verifyStandardWebhook(vector.secret, headersOf(vector.signature), vector.body, { nowS: vector.timestampS + 10 });
    expect(verdict).toEqual({ ok: true });
  });

  it("verifies when one of several space-separated signatures matches (a rotation's overlap)", async () => {
    const other = await signStandardWebhook("whsec_" + btoa("another key of some length"), vector.id, vector.timestampS, vector.body);
    const verdict = await verifyStandardWebhook(vector.secret, headersOf(`${other} ${vector.signature}`), vector.body, { nowS: vector.timestampS });
    expect(verdict.ok).toBe(true);
  });

  it("refuses a tampered body", async () => {
    const verdict = await verifyStandardWebhook(vector.secret, headersOf(vector.signature), '{"test": 2432232315}', { nowS: vector.timestampS });
    expect(verdict).toEqual({ ok: false, reason: "no matching signature" });
  });

  it("refuses a signature made with another secret", async () => {
    const verdict = await verifyStandardWebhook("whsec_" + btoa("a different secret key!!"), headersOf(vector.signature), vector.body, { nowS: vector.timestampS });
    expect(verdict.ok).toBe(false);
  });

  it("refuses a timestamp older or newer than five minutes, even with a valid signature", async () => {
    const stale = await verifyStandardWebhook(vector.secret, headersOf(vector.signature), vector.body, { nowS: vector.timestampS + 301 });
    expect(stale).toEqual({ ok: false, reason: "webhook-timestamp is outside the tolerance" });
    const future = await verifyStandardWebhook(vector.secret, headersOf(vector.signature), vector.body, { nowS: vector.timestampS - 301 });
    expect(future.ok).toBe(false);
    const edge = await verifyStandardWebhook(vector.secret, headersOf(vector.signature), vector.body, { nowS: vector.timestampS + 300 });
    expect(edge.ok).toBe(true);
  });

  it("refuses missing headers, a non-numeric timestamp and a secret that is not base64", async () => {
    expect((await verifyStandardWebhook(vector.secret, { id: vector.id, timestamp: null, signature: vector.signature }, vector.body)).ok).toBe(false);
    expect((await verifyStandardWebhook(vector.secret, headersOf(vector.signature, NaN), vector.body)).ok).toBe(false);
    expect((await verifyStandardWebhook("whsec_not base64!", headersOf(vector.signature), vector.body, { nowS: vector.timestampS })).ok).toBe(false);
  });
});

describe("interoperability with the standardwebhooks package", () => {
  const secret = "whsec_" + btoa("interop-secret-24-bytes!");
  const body = JSON.stringify({ type: "session.completed", timestamp: "2025-01-01T00:00:00.000Z", data: { sessionId: "ses_1", emoji: "é☎" } });

  it("signs what the package verifies", async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const signature = await signStandardWebhook(secret, "evt_interop", nowS, body);
    const parsed = new Webhook(secret).verify(body, { "webhook-id": "evt_interop", "webhook-timestamp": String(nowS), "webhook-signature": signature });
    expect(parsed).toEqual(JSON.parse(body));
  });

  it("verifies what the package signs", async () => {
    const now = new Date();
    const signature = new Webhook(secret).sign("evt_interop", now, body);
    const nowS = Math.floor(now.getTime() / 1000);
    expect(await verifyStandardWebhook(secret, { id: "evt_interop", timestamp: String(nowS), signature }, body)).toEqual({ ok: true });
  });
});
