// A session's usage through the real room: recorded when the room writes the row terminal, in the
// same transaction, once per session id whatever is replayed; test sessions never billed; the
// alerts the usage triggers follow after the write.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { domainEvents, sessions, usageRecords } from "@speaknode/db";
import { call, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { dispatched, postEvent } from "../runtime/testing.ts";
import { planFixture, putSpaceOnPlan } from "./testing.ts";
import type { PlanRow } from "./plans.ts";
import type { SessionRoom } from "./session-room.ts";
import { recordAnnouncements } from "../webhooks/events/testing.ts";

const { SESSION_ROOM } = env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom> };
const roomOf = (sessionId: string) => SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId));

let world: World;
let plan: PlanRow;
beforeAll(async () => {
  world = await makeWorld();
  // Two included minutes, per call minute: one call of just over a minute bills 120 s, all of them.
  plan = await planFixture({ includedMinutes: 2, rounding: "per_call_minute", overagePricePerMinute: null });
  await putSpaceOnPlan(world.spaceId, plan.code);
});

const usageOf = (sessionId: string) => withDb((db) => db.select().from(usageRecords).where(eq(usageRecords.sessionId, sessionId)));
const rowOf = async (sessionId: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId))))[0];

/** Moves the room's Active time back, as if the call had been live that long. */
const backdateStart = (sessionId: string, ms: number) =>
  runInDurableObject(roomOf(sessionId), (_room, state) => void state.storage.sql.exec("UPDATE session SET started_at = started_at - ?", ms));

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("session usage through the SessionRoom", () => {
  it("records a completed session's usage once, on the space's plan, whatever end is replayed", async () => {
    const { sessionId } = await dispatched(world);
    const announced = await recordAnnouncements(roomOf(sessionId));
    expect((await postEvent(sessionId, "ready", { type: "agent.ready" })).status).toBe(200);
    expect(await usageOf(sessionId)).toEqual([]);
    await backdateStart(sessionId, 61_500);
    const completed = { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 61_500 };
    expect((await postEvent(sessionId, "done", completed)).status).toBe(200);

    const row = await rowOf(sessionId);
    expect(row?.status).toBe("completed");
    const [usage, ...more] = await usageOf(sessionId);
    expect(more).toEqual([]);
    expect(usage).toMatchObject({ spaceId: world.spaceId, agentId: world.agentId, channel: "api", planId: plan.id, billableSeconds: 120 });
    expect(usage?.rawSeconds).toBeGreaterThanOrEqual(62);
    expect(usage?.rawSeconds).toBeLessThan(70);
    expect(usage?.startedAt).toEqual(row?.startedAt);
    expect(usage?.endedAt).toEqual(row?.endedAt);

    // The runtime's end posted again, a second end, and the room rewriting its row from the alarm
    // (what it does after a failed write) record nothing more and change nothing.
    expect((await postEvent(sessionId, "done", completed)).status).toBe(200);
    await postEvent(sessionId, "done-again", { ...completed, durationMs: 999_000 });
    await runInDurableObject(roomOf(sessionId), async (_room, state) => {
      await state.storage.put("rowSyncPending", true);
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(roomOf(sessionId))).toBe(true);
    expect(await runInDurableObject(roomOf(sessionId), (_room, state) => state.storage.get("rowSyncPending"))).toBeUndefined();
    expect(await usageOf(sessionId)).toEqual([usage]);

    // The two minutes are spent: both alerts follow the write (waitUntil), once.
    const events = await waitFor(
      () => withDb((db) => db.select().from(domainEvents).where(and(eq(domainEvents.spaceId, world.spaceId), eq(domainEvents.type, "billing.usage_threshold")))),
      (rows) => rows.length >= 2,
    );
    expect(events.map((e) => (e.data as { thresholdPercent: number }).thresholdPercent).sort()).toEqual([100, 80]);
    // …and their webhook events are announced with the session's own.
    await waitFor(async () => announced.ids.length, (n) => n >= 4);
    announced.restore();
    expect(announced.ids).toEqual(expect.arrayContaining(events.map((e) => e.id)));
  });

  it("never bills a member's test session, even once the plan's minutes are spent", async () => {
    const started = await call("POST", `/v1/agents/${world.agentId}/test-sessions`, { token: world.member.token, json: { variables: { order_id: 42, customer_name: "Ada" } } });
    expect(started.status, started.text).toBe(201);
    const sessionId = String(started.body["sessionId"]);
    expect((await postEvent(sessionId, "ready", { type: "agent.ready" })).status).toBe(200);
    await backdateStart(sessionId, 90_000);
    expect((await postEvent(sessionId, "done", { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 90_000 })).status).toBe(200);
    expect(await rowOf(sessionId)).toMatchObject({ status: "completed", channel: "test" });
    expect(await usageOf(sessionId)).toEqual([]);
  });

  it("bills nothing for a session that failed before it became Active", async () => {
    const other = await makeWorld();
    const { sessionId } = await dispatched(other);
    await roomOf(sessionId).transition({ to: "failed", reason: "agent did not join" });
    expect(await rowOf(sessionId)).toMatchObject({ status: "failed", startedAt: null });
    expect(await usageOf(sessionId)).toEqual([]);
  });
});
