import { createExecutionContext, createMessageBatch, getQueueResult, type QueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDatabase, domainEvents, webhookDeliveries, type DatabaseHandle } from "@speaknode/db";
import { testEnv } from "../../test/helpers.ts";
import { handleWebhooksBatch, type WebhooksConsumerDeps } from "./consumer.ts";
import { webhooksQueueName } from "./protocol.ts";
import { sweepWebhooks } from "./sweep.ts";
import { deliveryFixture, domainEventFixture, fakeReceiver, recordingQueueEnv, webhookEndpointFixture, webhookSpaceFixture, type ReceiverAnswer } from "./testing.ts";
import { fakeEnv } from "../../test/fake-env.ts";

let handle: DatabaseHandle;
beforeAll(() => {
  handle = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 2 });
});
afterAll(() => handle.close());
const db = () => handle.db;

let seq = 0;
/** Runs one batch through the consumer with a recording queue (nothing it enqueues is consumed). */
async function consume(bodies: unknown[], opts: { answer?: ReceiverAnswer; env?: Record<string, unknown>; deps?: Partial<WebhooksConsumerDeps> } = {}) {
  const queue = recordingQueueEnv();
  const receiver = fakeReceiver(opts.answer);
  const batch = createMessageBatch(webhooksQueueName, bodies.map((body) => ({ id: `msg-${++seq}`, timestamp: new Date(), attempts: 1, body })));
  const ctx = createExecutionContext();
  await handleWebhooksBatch(batch, fakeEnv({ ...env, ...queue.env, ...opts.env }), ctx, { fetchImpl: receiver.fetchImpl, ...opts.deps });
  const result: QueueResult = await getQueueResult(batch, ctx);
  return { result, sent: queue.sent, requests: receiver.requests, ids: batch.messages.map((m) => m.id) };
}

describe("the webhooks queue consumer", () => {
  it("fans an event out and enqueues the first attempt of each new delivery", async () => {
    const { spaceId } = await webhookSpaceFixture(db());
    await webhookEndpointFixture(db(), testEnv.SECRETS_KEY, spaceId);
    await webhookEndpointFixture(db(), testEnv.SECRETS_KEY, spaceId, { eventTypes: ["session.started"] });
    const eventId = await domainEventFixture(db(), spaceId);
    const { result, sent } = await consume([{ kind: "fanout", eventId }]);
    expect(result.explicitAcks).toHaveLength(1);
    const deliveries = await db().select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId));
    expect(deliveries).toHaveLength(2);
    expect(sent.map((m) => m.body).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      deliveries.map((d) => ({ kind: "deliver", deliveryId: d.id, trigger: "auto" })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it("attempts a batch's deliveries concurrently, acks them, and drops an unreadable message", async () => {
    const a = await deliveryFixture(db(), testEnv.SECRETS_KEY);
    const b = await deliveryFixture(db(), testEnv.SECRETS_KEY);
    // The receiver answers only once both requests are in: one at a time would time out the first.
    let release: () => void = () => undefined;
    const bothIn = new Promise<void>((resolve) => (release = resolve));
    const answer: ReceiverAnswer = (_req, n) => {
      if (n === 2) release();
      return "hang";
    };
    const receiver = fakeReceiver(answer);
    const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
      void receiver.fetchImpl(input, init).catch(() => undefined);
      await bothIn;
      return new Response("ok");
    }) as typeof fetch;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { result, ids } = await consume(
      [{ kind: "deliver", deliveryId: a.deliveryId, trigger: "auto" }, { kind: "deliver", deliveryId: b.deliveryId, trigger: "auto" }, { kind: "nonsense" }],
      { env: { WEBHOOK_ATTEMPT_TIMEOUT_MS: "3000" }, deps: { fetchImpl } },
    );
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("webhooks: unreadable queue message dropped"));
    warn.mockRestore();
    expect(result.explicitAcks.sort()).toEqual([...ids].sort());
    expect(result.retryMessages).toEqual([]);
    const rows = await db().select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, [a.deliveryId, b.deliveryId]));
    expect(rows.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
  });

  it("delivers a signature the standardwebhooks package verifies, end to end from the event", async () => {
    const { spaceId } = await webhookSpaceFixture(db());
    const endpoint = await webhookEndpointFixture(db(), testEnv.SECRETS_KEY, spaceId);
    const eventId = await domainEventFixture(db(), spaceId, { type: "session.started" });
    const fanout = await consume([{ kind: "fanout", eventId }]);
    const deliver = await consume(fanout.sent.map((m) => m.body));
    expect(deliver.requests).toHaveLength(1);
    const req = deliver.requests[0]!;
    expect(req.headers["webhook-id"]).toBe(eventId);
    expect(new Webhook(endpoint.secret).verify(req.body, req.headers)).toMatchObject({ type: "session.started" });
  });

  it("retries a message with a delay when the database cannot be reached", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { result, ids } = await consume([{ kind: "fanout", eventId: "evt_00000000000000000000000000" }], { env: { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } });
    errors.mockRestore();
    expect(result.explicitAcks).toEqual([]);
    // (getQueueResult does not report the delay; consumerRetryDelayS gives it.)
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([ids[0]]);
  });
});

describe("the cron sweep", () => {
  it("fans out events missed for a minute and re-enqueues deliveries overdue by two minutes, leaving recent ones", async () => {
    const now = new Date();
    const { spaceId } = await webhookSpaceFixture(db());
    await webhookEndpointFixture(db(), testEnv.SECRETS_KEY, spaceId);
    const missed = await domainEventFixture(db(), spaceId, { occurredAt: new Date(now.getTime() - 90_000) });
    const recent = await domainEventFixture(db(), spaceId, { occurredAt: new Date(now.getTime() - 10_000) });
    const overdue = await deliveryFixture(db(), testEnv.SECRETS_KEY);
    await db().update(webhookDeliveries).set({ nextAttemptAt: new Date(now.getTime() - 3 * 60_000) }).where(eq(webhookDeliveries.id, overdue.deliveryId));
    const onTime = await deliveryFixture(db(), testEnv.SECRETS_KEY);
    await db().update(webhookDeliveries).set({ nextAttemptAt: new Date(now.getTime() - 30_000) }).where(eq(webhookDeliveries.id, onTime.deliveryId));

    const queue = recordingQueueEnv();
    await sweepWebhooks(db(), queue.env, now);
    const [missedDelivery] = await db().select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(eq(webhookDeliveries.eventId, missed));
    const enqueued = queue.sent.map((m) => (m.body.kind === "deliver" ? m.body.deliveryId : null));
    expect(enqueued).toContain(missedDelivery!.id);
    expect(enqueued).toContain(overdue.deliveryId);
    expect(enqueued).not.toContain(onTime.deliveryId);
    const [recentRow] = await db().select().from(domainEvents).where(eq(domainEvents.id, recent));
    expect(recentRow?.fannedOutAt).toBeNull();
    expect(queue.sent.every((m) => m.body.kind === "deliver" && m.body.trigger === "auto")).toBe(true);
  });
});
