import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { webhookEndpoints } from "@speaknode/db";
import { signStandardWebhook } from "@speaknode/signing";
import { call, expectProblem, newUser, testEnv, withDb } from "../test/helpers.ts";
import { generateWebhookSecret, sealSecret } from "./webhooks/secrets.ts";

const box = `t${crypto.randomUUID().slice(0, 8)}`;
const secret = generateWebhookSecret();

/** An endpoint of a space of its own whose URL is this test's box (as an Owner would save it). */
async function endpointAt(url: string, secretOf: string, previous?: { secret: string; expiresAt: Date }): Promise<string> {
  const owner = await newUser();
  const space = await call("POST", "/v1/spaces", { token: owner.token, json: { name: "Inbox space" } });
  const id = newId("webhookEndpoint");
  const sealed = await sealSecret(testEnv.SECRETS_KEY, id, secretOf);
  const sealedPrevious = previous ? await sealSecret(testEnv.SECRETS_KEY, id, previous.secret) : null;
  await withDb((db) =>
    db.insert(webhookEndpoints).values({ id, spaceId: String(space.body["id"]), url, secret: sealed, previousSecret: sealedPrevious, previousSecretExpiresAt: previous?.expiresAt ?? null }),
  );
  return id;
}

async function deliver(path: string, body: string, opts: { id?: string; signWith?: string; type?: string; send?: string } = {}) {
  const id = opts.id ?? newId("domainEvent");
  const ts = Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { "content-type": "application/json", "webhook-id": id, "webhook-timestamp": String(ts), "speaknode-event-type": opts.type ?? "session.started", "speaknode-event-version": "1" };
  headers["webhook-signature"] = await signStandardWebhook(opts.signWith ?? secret, id, ts, body);
  return call("POST", path, { body: opts.send ?? body, headers });
}

type Message = { id: string; box: string; eventType: string | null; webhookId: string | null; headers: Record<string, string>; body: string; signatureValid: boolean | null; answeredStatus: number };

async function inbox(b: string): Promise<Message[]> {
  const res = await call("GET", `/dev/webhook-inbox.json?box=${b}`);
  expect(res.status).toBe(200);
  return res.body.data as unknown as Message[];
}

beforeAll(async () => {
  // Another origin than the one requests arrive at: the inbox compares paths only.
  await endpointAt(`http://localhost:8787/dev/webhook-inbox/${box}?status=503&fail=2`, secret);
});

describe("the dev webhook inbox", () => {
  it("stores a delivery with its headers and says its signature verifies with the endpoint's secret", async () => {
    const body = JSON.stringify({ type: "session.started", timestamp: new Date().toISOString(), data: { sessionId: "ses_x" } });
    const res = await deliver(`/dev/webhook-inbox/${box}`, body, { id: "evt_first" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ box, signatureValid: true, answeredStatus: 200 });
    const [latest] = await inbox(box);
    expect(latest).toMatchObject({ id: res.body["id"], eventType: "session.started", webhookId: "evt_first", body, signatureValid: true, answeredStatus: 200 });
    expect(latest?.headers["webhook-timestamp"]).toMatch(/^\d+$/);
  });

  it("says a signature made with another secret is invalid, and that nothing checks a box no endpoint points at", async () => {
    const forged = await deliver(`/dev/webhook-inbox/${box}`, "{}", { signWith: generateWebhookSecret() });
    expect(forged.body).toMatchObject({ signatureValid: false });
    const tampered = await deliver(`/dev/webhook-inbox/${box}`, "{}", { send: '{"x":1}' });
    expect(tampered.body).toMatchObject({ signatureValid: false, answeredStatus: 200 });
    const other = `u${crypto.randomUUID().slice(0, 8)}`;
    const unknown = await deliver(`/dev/webhook-inbox/${other}`, "{}");
    expect(unknown.body).toMatchObject({ box: other, signatureValid: null });
  });

  it("verifies with the previous secret while the rotation overlap lasts", async () => {
    const rotated = `r${crypto.randomUUID().slice(0, 8)}`;
    const previous = generateWebhookSecret();
    await endpointAt(`http://127.0.0.1:8787/dev/webhook-inbox/${rotated}`, generateWebhookSecret(), { secret: previous, expiresAt: new Date(Date.now() + 3_600_000) });
    expect((await deliver(`/dev/webhook-inbox/${rotated}`, "{}", { signWith: previous })).body).toMatchObject({ signatureValid: true });
  });

  it("answers the asked status to the first n requests of a webhook-id, then 200, to show retries", async () => {
    const path = `/dev/webhook-inbox/${box}?status=503&fail=2`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await deliver(path, "{}", { id: "evt_retried" })).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await deliver(path, "{}", { id: "evt_another" })).status).toBe(503);
    expect((await deliver(`/dev/webhook-inbox/${box}?status=410`, "{}", { id: "evt_gone" })).status).toBe(410);
    const stored = (await inbox(box)).filter((m) => m.webhookId === "evt_retried");
    expect(stored.map((m) => m.answeredStatus)).toEqual([200, 503, 503]);
  });

  it("shows the deliveries as a page, newest first, with everything escaped", async () => {
    const evil = `e${crypto.randomUUID().slice(0, 8)}`;
    await deliver(`/dev/webhook-inbox/${evil}`, JSON.stringify({ type: "<script>alert(1)</script>", data: { n: 1 } }), { type: "<img src=x onerror=alert(2)>" });
    const res = await call("GET", `/dev/webhook-inbox?box=${evil}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.text).not.toContain("<script>alert");
    expect(res.text).not.toContain("<img src=x");
    expect(res.text).toContain("&lt;img src=x onerror=alert(2)&gt;");
    expect(res.text).toContain("&quot;n&quot;: 1");
    expect(res.text).toContain("signature not checked");
  });

  it("empties a box on DELETE and refuses bad box names and statuses", async () => {
    const gone = `d${crypto.randomUUID().slice(0, 8)}`;
    await deliver(`/dev/webhook-inbox/${gone}`, "{}");
    expect(await inbox(gone)).toHaveLength(1);
    expect((await call("DELETE", `/dev/webhook-inbox?box=${gone}`)).status).toBe(204);
    expect(await inbox(gone)).toEqual([]);
    expect((await inbox(box)).length).toBeGreaterThan(0);
    expectProblem(await call("POST", `/dev/webhook-inbox/${"x".repeat(65)}`, { body: "{}" }), 400, "validation_failed");
    expectProblem(await call("GET", `/dev/webhook-inbox.json?box=a%20b`), 400, "validation_failed");
    expectProblem(await call("POST", `/dev/webhook-inbox/${gone}?status=99`, { body: "{}" }), 400, "validation_failed");
  });
});
