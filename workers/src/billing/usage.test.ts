// recordSessionUsage against real Postgres, on session rows written the way the room leaves them.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessions, subscriptions, usageRecords } from "@speaknode/db";
import { call, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { agentBody } from "../../test/fixtures.ts";
import { periodAt } from "./periods.ts";
import type { PlanRow } from "./plans.ts";
import { planFixture, putSpaceOnPlan } from "./testing.ts";
import { billingStateOf } from "./subscription.ts";
import { liveSessionsOf, recordSessionUsage, usageOverview, usedSecondsInPeriod } from "./usage.ts";

let world: World;
let perMinute: PlanRow;
let perSecond: PlanRow;
beforeAll(async () => {
  world = await makeWorld();
  perMinute = await planFixture({ rounding: "per_call_minute" });
  perSecond = await planFixture({ rounding: "per_second", overagePricePerMinute: "0.05" });
});

async function newSpace(): Promise<string> {
  const res = await call("POST", "/v1/spaces", { token: world.owner.token, json: { name: "Billing space" } });
  if (res.status !== 201) throw new Error(res.text);
  return String(res.body["id"]);
}

type SessionValues = Partial<typeof sessions.$inferInsert>;

/** A session row as the room leaves it: ended `seconds` after Active (ms precision). */
async function endedSession(spaceId: string, endedAt: Date, durationMs: number, values: SessionValues = {}): Promise<string> {
  const id = newId("session");
  await withDb((db) =>
    db.insert(sessions).values({
      id,
      spaceId,
      agentId: null,
      status: "completed",
      channel: "api",
      language: "en-US",
      mediaDriver: "local",
      startedAt: new Date(endedAt.getTime() - durationMs),
      endedAt,
      ...values,
    }),
  );
  return id;
}

const rowsOf = (sessionId: string) => withDb((db) => db.select().from(usageRecords).where(eq(usageRecords.sessionId, sessionId)));
const at = (s: string) => new Date(s);

describe("recordSessionUsage", () => {
  it("records a per-call-minute session once: raw seconds rounded up, billable up to the minute, on the space's plan and period", async () => {
    const spaceId = await newSpace();
    await putSpaceOnPlan(spaceId, perMinute.code);
    const sessionId = await endedSession(spaceId, at("2026-06-10T10:00:00Z"), 61_200, { channel: "phone", direction: "inbound", agentId: world.agentId });
    const usage = await withDb((db) => recordSessionUsage(db, sessionId, "scale"));
    expect(usage).toMatchObject({ sessionId, spaceId, agentId: world.agentId, channel: "phone", direction: "inbound", rawSeconds: 62, billableSeconds: 120, planId: perMinute.id, periodStart: at("2026-06-01T00:00:00Z") });
    expect(usage?.endedAt).toEqual(at("2026-06-10T10:00:00Z"));
    // A replayed end (the room's retry, a second terminal write) changes nothing.
    expect(await withDb((db) => recordSessionUsage(db, sessionId, "scale"))).toBeNull();
    const rows = await rowsOf(sessionId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ rawSeconds: 62, billableSeconds: 120, recordedAt: usage?.recordedAt });
  });

  it("leaves per-second sessions unrounded past the whole second, and a zero-length session at zero", async () => {
    const spaceId = await newSpace();
    await putSpaceOnPlan(spaceId, perSecond.code);
    const a = await endedSession(spaceId, at("2026-06-10T10:00:00Z"), 61_200);
    const b = await endedSession(spaceId, at("2026-06-10T11:00:00Z"), 0, { status: "failed", failureReason: "runtime lost" });
    expect(await withDb((db) => recordSessionUsage(db, a, "scale"))).toMatchObject({ rawSeconds: 62, billableSeconds: 62, planId: perSecond.id });
    expect(await withDb((db) => recordSessionUsage(db, b, "scale"))).toMatchObject({ rawSeconds: 0, billableSeconds: 0 });
    expect(await withDb((db) => usedSecondsInPeriod(db, spaceId, at("2026-06-01T00:00:00Z")))).toBe(62);
  });

  it("bills nothing for a test session, one that never became Active, or one not ended", async () => {
    const spaceId = await newSpace();
    const test = await endedSession(spaceId, at("2026-06-10T10:00:00Z"), 90_000, { channel: "test" });
    const neverActive = await endedSession(spaceId, at("2026-06-10T10:00:00Z"), 0, { status: "failed", failureReason: "agent did not join", startedAt: null });
    const live = await endedSession(spaceId, at("2026-06-10T10:00:00Z"), 90_000, { status: "active", endedAt: null });
    for (const id of [test, neverActive, live, "ses_missing"]) {
      expect(await withDb((db) => recordSessionUsage(db, id, "scale"))).toBeNull();
      expect(await rowsOf(id)).toEqual([]);
    }
    expect(await withDb((db) => liveSessionsOf(db, spaceId))).toBe(1);
  });

  it("uses the default plan by code in UTC for a space without a subscription", async () => {
    const spaceId = await newSpace();
    const id = await endedSession(spaceId, at("2026-03-31T23:30:00Z"), 30_000);
    expect(await withDb((db) => recordSessionUsage(db, id, perMinute.code))).toMatchObject({ planId: perMinute.id, billableSeconds: 60, periodStart: at("2026-03-01T00:00:00Z") });
  });

  it("files a session under the period it ended in, in the subscription's time zone", async () => {
    const spaceId = await newSpace();
    await putSpaceOnPlan(spaceId, perSecond.code, { timeZone: "Asia/Kolkata" });
    // 23:59 on January 31 in Kolkata, then 00:15 on February 1.
    const jan = await endedSession(spaceId, at("2026-01-31T18:29:00Z"), 600_000);
    const feb = await endedSession(spaceId, at("2026-01-31T18:45:00Z"), 600_000);
    const ny = await newSpace();
    await putSpaceOnPlan(ny, perSecond.code, { timeZone: "America/New_York" });
    // 23:30 on March 31 in New York (EDT): April in UTC, March's period here.
    const mar = await endedSession(ny, at("2026-04-01T03:30:00Z"), 10_000);
    const recorded = await withDb(async (db) => [await recordSessionUsage(db, jan, "scale"), await recordSessionUsage(db, feb, "scale"), await recordSessionUsage(db, mar, "scale")]);
    expect(recorded.map((u) => u?.periodStart.toISOString())).toEqual(["2025-12-31T18:30:00.000Z", "2026-01-31T18:30:00.000Z", "2026-03-01T05:00:00.000Z"]);
    expect(recorded[2]?.periodStart).toEqual(periodAt("monthly", "America/New_York", at("2026-04-01T03:30:00Z")).start);
  });

  it("applies a pending plan change to sessions that end after it took effect, even before anyone read the subscription", async () => {
    const spaceId = await newSpace();
    const effectiveAt = at("2026-07-01T00:00:00Z");
    await withDb((db) => db.insert(subscriptions).values({ spaceId, planId: perMinute.id, pendingPlanId: perSecond.id, pendingEffectiveAt: effectiveAt }));
    const before = await endedSession(spaceId, new Date(effectiveAt.getTime() - 1000), 61_000);
    const after = await endedSession(spaceId, new Date(effectiveAt.getTime() + 1000), 61_000);
    expect(await withDb((db) => recordSessionUsage(db, before, "scale"))).toMatchObject({ planId: perMinute.id, billableSeconds: 120, periodStart: at("2026-06-01T00:00:00Z") });
    expect(await withDb((db) => recordSessionUsage(db, after, "scale"))).toMatchObject({ planId: perSecond.id, billableSeconds: 61, periodStart: effectiveAt });
  });
});

describe("usageOverview", () => {
  it("sums the period's billable seconds by day in the space's zone and by agent, with the overage and live sessions", async () => {
    const spaceId = await newSpace();
    const small = await planFixture({ rounding: "per_second", includedMinutes: 1, overagePricePerMinute: "0.05", limits: { agents: null, phoneNumbers: null, concurrentCalls: 5, campaigns: null } });
    await putSpaceOnPlan(spaceId, small.code, { timeZone: "America/New_York" });
    const agentRow = await call("POST", `/v1/spaces/${spaceId}/agents`, { token: world.owner.token, json: agentBody({ name: "Billing agent" }) });
    expect(agentRow.status, agentRow.text).toBe(201);
    const agentId = String(agentRow.body["id"]);
    // Two on December 1 (local), one on December 3 at 23:30 local (December 4 in UTC).
    for (const [end, ms] of [["2026-12-01T15:00:00Z", 30_000], ["2026-12-01T16:00:00Z", 45_000], ["2026-12-04T04:30:00Z", 60_000]] as const) {
      const id = await endedSession(spaceId, at(end), ms, { agentId });
      await withDb((db) => recordSessionUsage(db, id, "scale"));
    }
    await endedSession(spaceId, at("2026-12-04T04:40:00Z"), 0, { status: "active", endedAt: null });
    const now = at("2026-12-04T12:00:00Z");
    const state = await withDb((db) => billingStateOf(db, spaceId, "scale", now));
    const usage = await withDb((db) => usageOverview(db, state, now));
    expect(usage).toMatchObject({
      periodStart: "2026-12-01T05:00:00.000Z",
      periodEnd: "2027-01-01T05:00:00.000Z",
      usedSeconds: 135,
      usedMinutes: 2.25,
      includedMinutes: 1,
      remainingMinutes: 0,
      overageMinutes: 1.25,
      overageAmount: "0.06",
      liveSessions: 1,
      concurrentLimit: 5,
    });
    expect(usage.byDay).toEqual([
      { day: "2026-12-01", seconds: 75, sessions: 2 },
      { day: "2026-12-02", seconds: 0, sessions: 0 },
      { day: "2026-12-03", seconds: 60, sessions: 1 },
      { day: "2026-12-04", seconds: 0, sessions: 0 },
    ]);
    expect(usage.byAgent).toEqual([{ agentId, agentName: "Billing agent", seconds: 135, sessions: 3 }]);
    expect(usage.projectedMinutes).toBeGreaterThan(usage.usedMinutes);
  });
});
