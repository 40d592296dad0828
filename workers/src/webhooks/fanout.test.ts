import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, domainEvents, webhookDeliveries, type DatabaseHandle } from "@speaknode/db";
import { testEnv } from "../../test/helpers.ts";
import { fanOutEvent } from "./fanout.ts";
import { domainEventFixture, webhookEndpointFixture, webhookSpaceFixture } from "./testing.ts";

let handle: DatabaseHandle;
beforeAll(() => {
  handle = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 2 });
});
afterAll(() => handle.close());

describe("fanOutEvent", () => {
  it("creates one pending delivery per enabled endpoint subscribed to the event's type (none listed: all types)", async () => {
    const db = handle.db;
    const { spaceId } = await webhookSpaceFixture(db);
    const all = await webhookEndpointFixture(db, testEnv.SECRETS_KEY, spaceId);
    const sessions = await webhookEndpointFixture(db, testEnv.SECRETS_KEY, spaceId, { eventTypes: ["session.started", "session.completed"] });
    await webhookEndpointFixture(db, testEnv.SECRETS_KEY, spaceId, { eventTypes: ["campaign.completed"] });
    await webhookEndpointFixture(db, testEnv.SECRETS_KEY, spaceId, { enabled: false });
    const { spaceId: otherSpaceId } = await webhookSpaceFixture(db);
    await webhookEndpointFixture(db, testEnv.SECRETS_KEY, otherSpaceId);
    const eventId = await domainEventFixture(db, spaceId, { type: "session.started" });

    const ids = await fanOutEvent(db, eventId);
    expect(ids).toHaveLength(2);
    const rows = await db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids));
    expect(rows.map((r) => r.endpointId).sort()).toEqual([all.endpointId, sessions.endpointId].sort());
    for (const r of rows) {
      expect(r).toMatchObject({ spaceId, eventId, eventType: "session.started", status: "pending", attempts: 0 });
      expect(r.nextAttemptAt).not.toBeNull();
    }
    const [event] = await db.select().from(domainEvents).where(eq(domainEvents.id, eventId));
    expect(event?.fannedOutAt).not.toBeNull();
  });

  it("is idempotent: a second fan-out of the event creates nothing", async () => {
    const db = handle.db;
    const { spaceId } = await webhookSpaceFixture(db);
    const { endpointId } = await webhookEndpointFixture(db, testEnv.SECRETS_KEY, spaceId);
    const eventId = await domainEventFixture(db, spaceId);
    const [first, second] = await Promise.all([fanOutEvent(db, eventId), fanOutEvent(db, eventId)]);
    expect([...(first ?? []), ...(second ?? [])]).toHaveLength(1);
    expect(await fanOutEvent(db, eventId)).toEqual([]);
    const rows = await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.eventId, eventId)));
    expect(rows).toHaveLength(1);
  });

  it("never fans out webhook.test, even to endpoints subscribed to every type", async () => {
    const db = handle.db;
    const { spaceId } = await webhookSpaceFixture(db);
    const { endpointId } = await webhookEndpointFixture(db, testEnv.SECRETS_KEY, spaceId);
    const eventId = await domainEventFixture(db, spaceId, { type: "webhook.test", data: { endpointId, message: "A test event from Speaknode" } });
    expect(await fanOutEvent(db, eventId)).toEqual([]);
    expect(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.eventId, eventId))).toEqual([]);
  });

  it("creates nothing for an unknown event", async () => {
    expect(await fanOutEvent(handle.db, "evt_00000000000000000000000000")).toEqual([]);
  });
});
