// Delivery history, replay and the test event through the API. Replays and tests are observed on
// a recording WEBHOOKS_QUEUE injected into the app, so no attempt leaves the test.
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { newId, type WebhooksMessage } from "@speaknode/contracts";
import { domainEvents, webhookAttempts, webhookDeliveries, webhookEndpoints } from "@speaknode/db";
import { buildRequest, call, expectProblem, makeWorld, readResult, withDb, type CallOptions, type CallResult, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";
import { createApp } from "../app.ts";
import { testEventMessage } from "../webhooks/test-event.ts";

const app = createApp();
const hooks = (spaceId: string) => `/v1/spaces/${spaceId}/webhooks`;

interface RecordingQueue {
  queue: Queue<WebhooksMessage>;
  sent: WebhooksMessage[];
}

function recordingWebhooksQueue(): RecordingQueue {
  const rec: RecordingQueue = { queue: undefined as unknown as Queue<WebhooksMessage>, sent: [] };
  rec.queue = {
    send: async (body: WebhooksMessage) => {
      rec.sent.push(structuredClone(body));
    },
    sendBatch: async (messages: Iterable<MessageSendRequest<WebhooksMessage>>) => {
      for (const m of messages) rec.sent.push(structuredClone(m.body));
    },
  } as unknown as Queue<WebhooksMessage>;
  return rec;
}

/** A request through the app with the recording queue as WEBHOOKS_QUEUE. */
async function send(method: string, path: string, opts: CallOptions, queue: RecordingQueue): Promise<CallResult> {
  return readResult(await app.request(buildRequest(method, path, opts), undefined, { ...env, WEBHOOKS_QUEUE: queue.queue }));
}

async function endpoint(w: World, json: Record<string, unknown> = {}, spaceId = w.spaceId, token = w.owner.token): Promise<string> {
  const res = await call("POST", `${hooks(spaceId)}/endpoints`, { token, json: { url: `https://hooks.example.com/${crypto.randomUUID()}`, ...json } });
  if (res.status !== 201) throw new Error(`endpoint: ${res.status} ${res.text}`);
  return String(res.body["id"]);
}

interface DeliveryFixture {
  spaceId: string;
  endpointId: string;
  type?: string;
  status?: "pending" | "succeeded" | "failed";
  createdAt?: Date;
  attempts?: number;
}

/** An event and its delivery, written as fan-out and the consumer would have left them. */
async function delivery(f: DeliveryFixture): Promise<string> {
  const createdAt = f.createdAt ?? new Date();
  const eventId = newId("domainEvent", createdAt.getTime());
  const id = newId("webhookDelivery", createdAt.getTime());
  const type = f.type ?? "session.completed";
  await withDb(async (db) => {
    await db.insert(domainEvents).values({ id: eventId, spaceId: f.spaceId, type, data: { sessionId: "ses_00000000000000000000000000", n: 1 }, fannedOutAt: createdAt, occurredAt: createdAt });
    const status = f.status ?? "failed";
    await db.insert(webhookDeliveries).values({
      id,
      spaceId: f.spaceId,
      endpointId: f.endpointId,
      eventId,
      eventType: type,
      status,
      attempts: f.attempts ?? (status === "pending" ? 1 : 12),
      nextAttemptAt: status === "pending" ? new Date(Date.now() + 3_600_000) : null,
      lastStatusCode: status === "failed" ? 500 : 200,
      lastError: status === "failed" ? "answered 500" : null,
      createdAt,
      updatedAt: createdAt,
      completedAt: status === "pending" ? null : createdAt,
    });
  });
  return id;
}

const deliveryRow = async (id: string) => {
  const [row] = await withDb((db) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)));
  if (!row) throw new Error("no delivery row");
  return row;
};

describe("webhook delivery history", () => {
  it("lists a space's deliveries newest first, filtered, a page at a time, to every member", async () => {
    const w = await makeWorld();
    const a = await endpoint(w);
    const b = await endpoint(w);
    const t0 = Date.now() - 60_000;
    const d1 = await delivery({ spaceId: w.spaceId, endpointId: a, status: "succeeded", createdAt: new Date(t0) });
    const d2 = await delivery({ spaceId: w.spaceId, endpointId: b, status: "failed", type: "call.voicemail", createdAt: new Date(t0 + 1000) });
    const d3 = await delivery({ spaceId: w.spaceId, endpointId: a, status: "failed", createdAt: new Date(t0 + 2000) });
    const d4 = await delivery({ spaceId: w.spaceId, endpointId: a, status: "pending", createdAt: new Date(t0 + 3000) });
    const theirs = await endpoint(w, {}, w.otherSpaceId, w.outsider.token);
    await delivery({ spaceId: w.otherSpaceId, endpointId: theirs, createdAt: new Date(t0 + 4000) });

    const ids = (res: CallResult) => res.body.data?.map((d) => d["id"]);
    for (const token of [w.owner.token, w.member.token, w.apiKey]) {
      const all = await call("GET", `${hooks(w.spaceId)}/deliveries`, { token });
      expect(all.status).toBe(200);
      expect(ids(all)).toEqual([d4, d3, d2, d1]);
      expect(all.body["nextCursor"]).toBeNull();
    }
    const t = w.owner.token;
    expect(ids(await call("GET", `${hooks(w.spaceId)}/deliveries?endpointId=${a}`, { token: t }))).toEqual([d4, d3, d1]);
    expect(ids(await call("GET", `${hooks(w.spaceId)}/deliveries?status=failed`, { token: t }))).toEqual([d3, d2]);
    expect(ids(await call("GET", `${hooks(w.spaceId)}/deliveries?eventType=call.voicemail`, { token: t }))).toEqual([d2]);
    expect(ids(await call("GET", `${hooks(w.spaceId)}/deliveries?endpointId=${a}&status=failed`, { token: t }))).toEqual([d3]);
    expect(ids(await call("GET", `${hooks(w.spaceId)}/endpoints/${a}/deliveries?status=failed`, { token: w.member.token }))).toEqual([d3]);
    expect(ids(await call("GET", `${hooks(w.spaceId)}/deliveries?endpointId=${theirs}`, { token: t }))).toEqual([]);

    const first = await call("GET", `${hooks(w.spaceId)}/deliveries?limit=3`, { token: t });
    expect(ids(first)).toEqual([d4, d3, d2]);
    const cursor = String(first.body["nextCursor"]);
    expect(cursor).not.toContain("whd_");
    const second = await call("GET", `${hooks(w.spaceId)}/deliveries?limit=3&cursor=${encodeURIComponent(cursor)}`, { token: t });
    expect(ids(second)).toEqual([d1]);
    expect(second.body["nextCursor"]).toBeNull();
    const perEndpoint = await call("GET", `${hooks(w.spaceId)}/endpoints/${a}/deliveries?limit=2`, { token: t });
    expect(ids(perEndpoint)).toEqual([d4, d3]);
    const rest = await call("GET", `${hooks(w.spaceId)}/endpoints/${a}/deliveries?limit=2&cursor=${encodeURIComponent(String(perEndpoint.body["nextCursor"]))}`, { token: t });
    expect(ids(rest)).toEqual([d1]);

    expectProblem(await call("GET", `${hooks(w.spaceId)}/deliveries?cursor=${d1}`, { token: t }), 400, "validation_failed");
    expectProblem(await call("GET", `${hooks(w.spaceId)}/deliveries?status=lost`, { token: t }), 400, "validation_failed");
    expectProblem(await call("GET", `${hooks(w.spaceId)}/deliveries?limit=0`, { token: t }), 400, "validation_failed");
    expectProblem(await call("GET", `${hooks(w.spaceId)}/deliveries?unknown=1`, { token: t }), 400, "validation_failed");
    expectProblem(await call("GET", `${hooks(w.spaceId)}/endpoints/${theirs}/deliveries`, { token: t }), 404, "not_found");
    expectProblem(await call("GET", `${hooks(w.otherSpaceId)}/deliveries`, { token: t }), 404, "not_found");
  });

  it("shows one delivery with the payload its attempts send and every attempt in order", async () => {
    const w = await makeWorld();
    const a = await endpoint(w);
    const createdAt = new Date(Date.now() - 5000);
    const id = await delivery({ spaceId: w.spaceId, endpointId: a, createdAt, attempts: 2 });
    const attempt = (number: number, succeeded: boolean) => ({
      id: newId("webhookAttempt"),
      deliveryId: id,
      spaceId: w.spaceId,
      endpointId: a,
      number,
      trigger: "auto" as const,
      url: "https://hooks.example.com/x",
      requestHeaders: { "webhook-signature": "[redacted]", "content-type": "application/json" },
      requestBody: "{}",
      responseStatus: succeeded ? 200 : 503,
      responseBody: succeeded ? "ok" : "busy",
      latencyMs: 12,
      error: succeeded ? null : "answered 503",
      succeeded,
    });
    // Written out of order: the detail orders them by number.
    await withDb((db) => db.insert(webhookAttempts).values([attempt(2, true), attempt(1, false)]));
    for (const token of [w.owner.token, w.member.token]) {
      const got = await call("GET", `${hooks(w.spaceId)}/deliveries/${id}`, { token });
      expect(got.status).toBe(200);
      expect(got.body["payload"]).toEqual({ type: "session.completed", timestamp: createdAt.toISOString(), data: { sessionId: "ses_00000000000000000000000000", n: 1 } });
      const log = got.body["attemptLog"] as Record<string, unknown>[];
      expect(log.map((x) => [x["number"], x["succeeded"], x["responseStatus"], x["error"]])).toEqual([
        [1, false, 503, "answered 503"],
        [2, true, 200, null],
      ]);
      expect(log[0]?.["requestHeaders"]).toEqual({ "webhook-signature": "[redacted]", "content-type": "application/json" });
    }
    const theirs = await delivery({ spaceId: w.otherSpaceId, endpointId: await endpoint(w, {}, w.otherSpaceId, w.outsider.token) });
    const foreign = await call("GET", `${hooks(w.spaceId)}/deliveries/${theirs}`, { token: w.owner.token });
    expectProblem(foreign, 404, "not_found");
    expect(foreign.body["detail"]).toBe("webhook delivery not found");
    expectProblem(await call("GET", `${hooks(w.spaceId)}/deliveries/whd_00000000000000000000000000`, { token: w.owner.token }), 404, "not_found");
  });
});

describe("webhook replay", () => {
  it("puts a failed delivery back to pending and queues one replay attempt; its attempt count continues", async () => {
    const w = await makeWorld();
    const a = await endpoint(w);
    const id = await delivery({ spaceId: w.spaceId, endpointId: a, status: "failed", attempts: 12 });
    const q = recordingWebhooksQueue();
    const before = Date.now();
    const res = await send("POST", `${hooks(w.spaceId)}/deliveries/${id}/replay`, { token: w.owner.token }, q);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id, status: "pending", attempts: 12, completedAt: null });
    expect(q.sent).toEqual([{ kind: "deliver", deliveryId: id, trigger: "replay" }]);
    const row = await deliveryRow(id);
    expect(row.status).toBe("pending");
    expect(row.nextAttemptAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Pending again: a second replay would start a second attempt chain.
    const again = await send("POST", `${hooks(w.spaceId)}/deliveries/${id}/replay`, { token: w.owner.token }, q);
    expectProblem(again, 409, "conflict");
    expect(q.sent).toHaveLength(1);
  });

  it("replays a succeeded delivery too, but not one whose endpoint is disabled, and only for Owners", async () => {
    const w = await makeWorld();
    const a = await endpoint(w);
    const ok = await delivery({ spaceId: w.spaceId, endpointId: a, status: "succeeded" });
    const q = recordingWebhooksQueue();
    expectProblem(await send("POST", `${hooks(w.spaceId)}/deliveries/${ok}/replay`, { token: w.member.token }, q), 403, "forbidden");
    expect((await send("POST", `${hooks(w.spaceId)}/deliveries/${ok}/replay`, { token: w.owner.token }, q)).status).toBe(202);

    const b = await endpoint(w);
    const failed = await delivery({ spaceId: w.spaceId, endpointId: b });
    await call("PATCH", `${hooks(w.spaceId)}/endpoints/${b}`, { token: w.owner.token, json: { enabled: false } });
    const refused = await send("POST", `${hooks(w.spaceId)}/deliveries/${failed}/replay`, { token: w.owner.token }, q);
    expectProblem(refused, 409, "conflict");
    expect(String(refused.body["detail"])).toContain("disabled");
    expect((await deliveryRow(failed)).status).toBe("failed");
    expect(q.sent.map((m) => (m.kind === "deliver" ? m.deliveryId : ""))).toEqual([ok]);

    const theirs = await delivery({ spaceId: w.otherSpaceId, endpointId: await endpoint(w, {}, w.otherSpaceId, w.outsider.token) });
    expectProblem(await send("POST", `${hooks(w.spaceId)}/deliveries/${theirs}/replay`, { token: w.owner.token }, q), 404, "not_found");
    expect((await deliveryRow(theirs)).status).toBe("failed");
  });

  it("replays every failed delivery since a time, of the space or one endpoint, skipping disabled endpoints", async () => {
    const w = await makeWorld();
    const a = await endpoint(w);
    const b = await endpoint(w);
    const off = await endpoint(w);
    const since = new Date(Date.now() - 3_600_000);
    const old = await delivery({ spaceId: w.spaceId, endpointId: a, createdAt: new Date(since.getTime() - 60_000) });
    const a1 = await delivery({ spaceId: w.spaceId, endpointId: a, createdAt: new Date(since.getTime() + 1000) });
    const a2 = await delivery({ spaceId: w.spaceId, endpointId: a });
    await delivery({ spaceId: w.spaceId, endpointId: a, status: "succeeded" });
    await delivery({ spaceId: w.spaceId, endpointId: a, status: "pending" });
    const b1 = await delivery({ spaceId: w.spaceId, endpointId: b });
    const offFailed = await delivery({ spaceId: w.spaceId, endpointId: off });
    await withDb((db) => db.update(webhookEndpoints).set({ enabled: false, disabledReason: "gone", disabledAt: new Date() }).where(eq(webhookEndpoints.id, off)));
    const theirs = await delivery({ spaceId: w.otherSpaceId, endpointId: await endpoint(w, {}, w.otherSpaceId, w.outsider.token) });

    const bulk = `${hooks(w.spaceId)}/deliveries/replay`;
    const q = recordingWebhooksQueue();
    expectProblem(await send("POST", bulk, { token: w.member.token, json: { since: since.toISOString() } }, q), 403, "forbidden");
    const one = await send("POST", bulk, { token: w.owner.token, json: { since: since.toISOString(), endpointId: b } }, q);
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ replayed: 1 });
    expect(q.sent).toEqual([{ kind: "deliver", deliveryId: b1, trigger: "replay" }]);

    const all = await send("POST", bulk, { token: w.owner.token, json: { since: since.toISOString() } }, q);
    expect(all.body).toEqual({ replayed: 2 });
    expect(q.sent.slice(1).map((m) => (m.kind === "deliver" ? m.deliveryId : "")).sort()).toEqual([a1, a2].sort());
    const statuses = await withDb((db) => db.select({ id: webhookDeliveries.id, status: webhookDeliveries.status }).from(webhookDeliveries).where(and(eq(webhookDeliveries.status, "failed"), eq(webhookDeliveries.spaceId, w.spaceId))));
    expect(statuses.map((s) => s.id).sort()).toEqual([old, offFailed].sort());
    expect((await deliveryRow(theirs)).status).toBe("failed");

    // Nothing failed is left since then; the disabled endpoint named is a conflict, another space's a 404.
    expect((await send("POST", bulk, { token: w.owner.token, json: { since: since.toISOString() } }, q)).body).toEqual({ replayed: 0 });
    expectProblem(await send("POST", bulk, { token: w.owner.token, json: { since: since.toISOString(), endpointId: off } }, q), 409, "conflict");
    expectProblem(await send("POST", bulk, { token: w.owner.token, json: { since: "yesterday" } }, q), 400, "validation_failed");
    expect(q.sent).toHaveLength(3);
  });
});

describe("webhook test event", () => {
  it("writes a webhook.test event and one delivery to this endpoint only, queued as a test", async () => {
    const w = await makeWorld();
    const target = await endpoint(w, { eventTypes: ["session.completed"] });
    const other = await endpoint(w);
    const q = recordingWebhooksQueue();
    const res = await send("POST", `${hooks(w.spaceId)}/endpoints/${target}/test`, { token: w.owner.token }, q);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ spaceId: w.spaceId, endpointId: target, eventType: "webhook.test", status: "pending", attempts: 0 });
    const id = String(res.body["id"]);
    expect(q.sent).toEqual([{ kind: "deliver", deliveryId: id, trigger: "test" }]);

    const rows = await withDb((db) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.spaceId, w.spaceId)));
    expect(rows.map((r) => [r.id, r.endpointId])).toEqual([[id, target]]);
    expect(rows.some((r) => r.endpointId === other)).toBe(false);
    const [event] = await withDb((db) => db.select().from(domainEvents).where(eq(domainEvents.id, String(res.body["eventId"]))));
    expect(event).toMatchObject({ spaceId: w.spaceId, type: "webhook.test", data: { endpointId: target, message: testEventMessage } });
    // Already fanned out: the sweep leaves it, so no other endpoint ever receives it.
    expect(event?.fannedOutAt).toBeInstanceOf(Date);

    const detail = await call("GET", `${hooks(w.spaceId)}/deliveries/${id}`, { token: w.member.token });
    expect(detail.body["payload"]).toMatchObject({ type: "webhook.test", data: { endpointId: target, message: testEventMessage } });
  });

  it("refuses a test to a disabled endpoint", async () => {
    const w = await makeWorld();
    const id = await endpoint(w, { enabled: false });
    const q = recordingWebhooksQueue();
    expectProblem(await send("POST", `${hooks(w.spaceId)}/endpoints/${id}/test`, { token: w.owner.token }, q), 409, "conflict");
    expect(q.sent).toEqual([]);
    expect(await withDb((db) => db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id)))).toEqual([]);
  });
});

let world: World;
let own = "";
let foreign = "";
beforeAll(async () => {
  world = await makeWorld();
  own = await delivery({ spaceId: world.spaceId, endpointId: await endpoint(world) });
  foreign = await delivery({ spaceId: world.otherSpaceId, endpointId: await endpoint(world, {}, world.otherSpaceId, world.outsider.token) });
});

const deliveryCases: RouteCase[] = [
  { name: "webhook deliveries list", method: "GET", path: (w) => `${hooks(w.spaceId)}/deliveries`, foreignPath: (w) => `${hooks(w.otherSpaceId)}/deliveries`, need: "member" },
  { name: "webhook delivery get", method: "GET", path: (w) => `${hooks(w.spaceId)}/deliveries/${own}`, foreignPath: (w) => `${hooks(w.spaceId)}/deliveries/${foreign}`, need: "member" },
  { name: "webhook delivery replay", method: "POST", path: (w) => `${hooks(w.spaceId)}/deliveries/${own}/replay`, foreignPath: (w) => `${hooks(w.spaceId)}/deliveries/${foreign}/replay`, need: "owner" },
  { name: "webhook deliveries bulk replay", method: "POST", path: (w) => `${hooks(w.spaceId)}/deliveries/replay`, foreignPath: (w) => `${hooks(w.otherSpaceId)}/deliveries/replay`, json: { since: "2020-01-01T00:00:00Z" }, need: "owner" },
];
securitySuite(deliveryCases, () => world);
