import { asc, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, webhookAttempts, webhookDeliveries, webhookEndpoints, type DatabaseHandle } from "@speaknode/db";
import { testEnv } from "../../test/helpers.ts";
import { readConfig, type Config } from "../config.ts";
import { attemptDelivery, type DeliverDeps } from "./deliver.ts";
import { deliveryFixture, fakeReceiver, recordingQueueEnv, type ReceiverAnswer } from "./testing.ts";

let handle: DatabaseHandle;
let config: Config;
beforeAll(() => {
  handle = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 2 });
  config = readConfig(testEnv);
});
afterAll(() => handle.close());

const db = () => handle.db;
const fixture = (opts: Parameters<typeof deliveryFixture>[2] = {}) => deliveryFixture(db(), testEnv.SECRETS_KEY, opts);

/** Deps with a fake receiver, a recording queue and no jitter (random 0.5 is the delay itself). */
function harness(answer?: ReceiverAnswer, overrides: Partial<DeliverDeps> = {}) {
  const receiver = fakeReceiver(answer);
  const queue = recordingQueueEnv();
  const deps: DeliverDeps = { db: db(), config, env: queue.env, fetchImpl: receiver.fetchImpl, random: () => 0.5, ...overrides };
  return { deps, requests: receiver.requests, sent: queue.sent };
}

const deliveryRow = async (id: string) => (await db().select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)))[0]!;
const endpointRow = async (id: string) => (await db().select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0]!;
const attemptRows = (deliveryId: string) => db().select().from(webhookAttempts).where(eq(webhookAttempts.deliveryId, deliveryId)).orderBy(asc(webhookAttempts.number));

describe("a delivery attempt", () => {
  it("sends the event signed as Standard Webhooks (verified by the standardwebhooks package) and records it", async () => {
    const f = await fixture({ headers: { "X-Api-Key": "receiver-key-123" } });
    const { deps, requests, sent } = harness(() => new Response("thanks", { status: 200 }));
    const outcome = await attemptDelivery(deps, f.deliveryId, "auto");
    expect(outcome).toMatchObject({ kind: "attempted", number: 1, succeeded: true, responseStatus: 200, retryInS: null, disabled: null });

    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe(f.url);
    expect(req.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "Speaknode-Webhooks/1",
      "webhook-id": f.eventId,
      "speaknode-event-type": "session.started",
      "speaknode-event-version": "1",
      "x-api-key": "receiver-key-123",
    });
    expect(req.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const payload = new Webhook(f.secret).verify(req.body, req.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload.type).toBe("session.started");
    expect(Object.keys(payload).sort()).toEqual(["data", "timestamp", "type"]);

    const [attempt] = await attemptRows(f.deliveryId);
    expect(attempt).toMatchObject({ number: 1, trigger: "auto", url: f.url, requestBody: req.body, responseStatus: 200, responseBody: "thanks", error: null, succeeded: true });
    expect(attempt!.requestHeaders["webhook-signature"]).toBe("[redacted]");
    expect(attempt!.requestHeaders["x-api-key"]).toBe("[redacted]");
    expect(attempt!.requestHeaders["webhook-id"]).toBe(f.eventId);
    expect(JSON.stringify(attempt!.requestHeaders)).not.toContain("receiver-key-123");

    const delivery = await deliveryRow(f.deliveryId);
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 1, nextAttemptAt: null, lastStatusCode: 200, lastError: null });
    expect(delivery.completedAt).not.toBeNull();
    const endpoint = await endpointRow(f.endpointId);
    expect(endpoint.failingSince).toBeNull();
    expect(endpoint.lastSuccessAt).not.toBeNull();
    expect(sent).toEqual([]);
  });

  it("retries a receiver that fails twice on the schedule (5 s, then 5 min) and succeeds on the third attempt", async () => {
    const f = await fixture();
    let t = Date.now();
    const { deps, requests, sent } = harness((_req, n) => (n <= 2 ? new Response("down", { status: 500 }) : new Response(null, { status: 204 })), { now: () => new Date(t) });

    const first = await attemptDelivery(deps, f.deliveryId, "auto");
    expect(first).toMatchObject({ kind: "attempted", number: 1, succeeded: false, responseStatus: 500, error: "HTTP 500", retryInS: 5 });
    expect(sent).toEqual([{ body: { kind: "deliver", deliveryId: f.deliveryId, trigger: "auto" }, delaySeconds: 5 }]);
    let delivery = await deliveryRow(f.deliveryId);
    expect(delivery).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500, lastError: "HTTP 500" });
    expect(delivery.nextAttemptAt?.getTime()).toBe(t + 5_000);
    const failingSince = (await endpointRow(f.endpointId)).failingSince;
    expect(failingSince?.getTime()).toBe(t);

    t += 5_000;
    const second = await attemptDelivery(deps, f.deliveryId, "auto");
    expect(second).toMatchObject({ number: 2, succeeded: false, retryInS: 300 });
    expect(sent[1]?.delaySeconds).toBe(300);
    expect((await deliveryRow(f.deliveryId)).nextAttemptAt?.getTime()).toBe(t + 300_000);
    // The streak keeps its start.
    expect((await endpointRow(f.endpointId)).failingSince?.getTime()).toBe(failingSince?.getTime());

    t += 300_000;
    const third = await attemptDelivery(deps, f.deliveryId, "auto");
    expect(third).toMatchObject({ number: 3, succeeded: true, responseStatus: 204, retryInS: null });
    expect(sent).toHaveLength(2);

    delivery = await deliveryRow(f.deliveryId);
    expect(delivery).toMatchObject({ status: "succeeded", attempts: 3, nextAttemptAt: null, lastStatusCode: 204, lastError: null });
    const attempts = await attemptRows(f.deliveryId);
    expect(attempts.map((a) => [a.number, a.responseStatus, a.succeeded])).toEqual([
      [1, 500, false],
      [2, 500, false],
      [3, 204, true],
    ]);
    // One event: the same id and bytes at every attempt, each timestamped (and signed) anew.
    expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([f.eventId]));
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    expect(requests.map((r) => Number(r.headers["webhook-timestamp"]))).toEqual([0, 5, 305].map((s) => Math.floor((t - 305_000) / 1000) + s));
    expect((await endpointRow(f.endpointId)).failingSince).toBeNull();
  });

  it("skips a stale auto message: one that arrives before its delivery is due, or after it completed", async () => {
    const f = await fixture();
    const t = Date.now();
    const { deps, requests } = harness((_req, n) => (n === 1 ? new Response("", { status: 502 }) : new Response("ok")), { now: () => new Date(t) });
    await attemptDelivery(deps, f.deliveryId, "auto"); // next due in 5 s: within the slack of an early message
    await db().update(webhookDeliveries).set({ nextAttemptAt: new Date(t + 60_000) }).where(eq(webhookDeliveries.id, f.deliveryId));
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toEqual({ kind: "skipped", reason: "not_due" });
    expect(requests).toHaveLength(1);
    // A replay is not held to the schedule.
    expect(await attemptDelivery(deps, f.deliveryId, "replay")).toMatchObject({ kind: "attempted", number: 2, succeeded: true });
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toEqual({ kind: "skipped", reason: "not_pending" });
    expect(requests).toHaveLength(2);
    expect((await attemptRows(f.deliveryId)).map((a) => a.trigger)).toEqual(["auto", "replay"]);
  });

  it("makes one attempt when two messages for the same delivery arrive together", async () => {
    const f = await fixture();
    const { deps, requests } = harness(() => new Response("ok"));
    const outcomes = await Promise.all([attemptDelivery(deps, f.deliveryId, "auto"), attemptDelivery(deps, f.deliveryId, "auto")]);
    expect(outcomes.filter((o) => o.kind === "attempted")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "skipped")).toHaveLength(1);
    expect(requests).toHaveLength(1);
    expect(await attemptRows(f.deliveryId)).toHaveLength(1);
  });

  it("waits as long as a 429's Retry-After asks when that is longer than the schedule", async () => {
    const f = await fixture();
    const t = Date.now();
    const { deps, sent } = harness(() => new Response("slow down", { status: 429, headers: { "retry-after": "120" } }), { now: () => new Date(t) });
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ responseStatus: 429, retryInS: 120 });
    expect(sent[0]?.delaySeconds).toBe(120);
    expect((await deliveryRow(f.deliveryId)).nextAttemptAt?.getTime()).toBe(t + 120_000);
  });

  it("does not follow a redirect: the 3xx is a failed attempt and its location is never requested", async () => {
    const f = await fixture();
    const { deps, requests } = harness(() => new Response(null, { status: 302, headers: { location: "https://elsewhere.example.test/hooks" } }));
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ succeeded: false, responseStatus: 302, error: "redirects are not followed", retryInS: 5 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.redirect).toBe("manual");
  });

  it.each(["http://169.254.169.254/latest/meta-data/", "https://10.0.0.1/hooks", "https://metadata.google.internal/"])(
    "refuses %s at delivery time (the URL changed in the row) without any request",
    async (url) => {
      const f = await fixture();
      await db().update(webhookEndpoints).set({ url }).where(eq(webhookEndpoints.id, f.endpointId));
      const { deps, requests, sent } = harness();
      const outcome = await attemptDelivery(deps, f.deliveryId, "auto");
      expect(outcome).toMatchObject({ kind: "attempted", succeeded: false, responseStatus: null, retryInS: 5 });
      expect(outcome.kind === "attempted" && outcome.error).toMatch(/^blocked destination: /);
      expect(requests).toEqual([]);
      expect(sent).toHaveLength(1);
      const [attempt] = await attemptRows(f.deliveryId);
      expect(attempt).toMatchObject({ url, responseStatus: null, succeeded: false, latencyMs: 0 });
    },
  );

  it("gives up an attempt that gets no answer within the timeout and schedules the next", async () => {
    const f = await fixture();
    const { deps } = harness(() => "hang", { config: { ...config, webhooks: { ...config.webhooks, attemptTimeoutMs: 100 } } });
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ succeeded: false, responseStatus: null, error: "no answer within 100 ms", retryInS: 5 });
  });

  it("records a network failure as a failed attempt", async () => {
    const f = await fixture();
    const { deps } = harness(() => "unreachable");
    const outcome = await attemptDelivery(deps, f.deliveryId, "auto");
    expect(outcome).toMatchObject({ succeeded: false, responseStatus: null, retryInS: 5 });
    expect(outcome.kind === "attempted" && outcome.error).toMatch(/^request failed: /);
  });

  it("keeps only the first 4 KiB of the answer's body", async () => {
    const f = await fixture();
    const { deps } = harness(() => new Response("x".repeat(10_000) + "\u0000", { status: 500 }));
    await attemptDelivery(deps, f.deliveryId, "auto");
    const [attempt] = await attemptRows(f.deliveryId);
    expect(attempt!.responseBody).toBe("x".repeat(4096));
  });

  it("reaches a real server over the network and records its answer", async () => {
    // The foreign OIDC issuer of the global setup answers 404 `{}` to any other path.
    const url = `${new URL(testEnv.FOREIGN_ISSUER).origin}/hooks/speaknode`;
    const f = await fixture({ url });
    const queue = recordingQueueEnv();
    const outcome = await attemptDelivery({ db: db(), config, env: queue.env }, f.deliveryId, "auto");
    expect(outcome).toMatchObject({ kind: "attempted", succeeded: false, responseStatus: 404, error: "HTTP 404" });
    expect((await attemptRows(f.deliveryId))[0]?.responseBody).toBe("{}");
  });

  it("fails the delivery when the schedule is spent (the twelfth attempt failed)", async () => {
    const f = await fixture();
    await db().update(webhookDeliveries).set({ attempts: 11 }).where(eq(webhookDeliveries.id, f.deliveryId));
    const { deps, sent } = harness(() => new Response("", { status: 500 }));
    expect(await attemptDelivery(deps, f.deliveryId, "auto")).toMatchObject({ number: 12, succeeded: false, retryInS: null });
    expect(sent).toEqual([]);
    const delivery = await deliveryRow(f.deliveryId);
    expect(delivery).toMatchObject({ status: "failed", attempts: 12, nextAttemptAt: null, lastStatusCode: 500 });
    expect(delivery.completedAt).not.toBeNull();
  });
});
