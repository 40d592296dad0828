import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { Subscription } from "@speaknode/contracts";
import { plans, subscriptions } from "@speaknode/db";
import { call, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { ApiError } from "../errors.ts";
import type { PlanRow } from "./plans.ts";
import { planFixture } from "./testing.ts";
import { billingStateOf, changePlan, toSubscription } from "./subscription.ts";

let world: World;
let basic: PlanRow;
let bigger: PlanRow;
beforeAll(async () => {
  world = await makeWorld();
  basic = await planFixture({ includedMinutes: 60 });
  bigger = await planFixture({ includedMinutes: 600, overagePricePerMinute: "0.02", rounding: "per_second" });
});

async function newSpace(): Promise<string> {
  const res = await call("POST", "/v1/spaces", { token: world.owner.token, json: { name: "Subscription space" } });
  if (res.status !== 201) throw new Error(res.text);
  return String(res.body["id"]);
}

const now = new Date("2026-12-05T13:00:00Z");
const subRow = async (spaceId: string) => (await withDb((db) => db.select().from(subscriptions).where(eq(subscriptions.spaceId, spaceId))))[0];

describe("billing state", () => {
  it("puts a space without a subscription on the default plan in UTC, not explicit", async () => {
    const spaceId = await newSpace();
    const state = await withDb((db) => billingStateOf(db, spaceId, basic.code, now));
    expect(state).toMatchObject({ spaceId, status: "active", timeZone: "UTC", pending: null, explicit: false, period: { start: new Date("2026-12-01T00:00:00Z"), end: new Date("2027-01-01T00:00:00Z") } });
    expect(state.plan.id).toBe(basic.id);
    expect(Subscription.parse(toSubscription(state))).toMatchObject({ plan: { id: basic.id, price: "0.00" }, currentPeriodStart: "2026-12-01T00:00:00.000Z", explicit: false });
    expect(await subRow(spaceId)).toBeUndefined();
  });

  it("changes the plan now: the new plan applies to the current period and the zone can change with it", async () => {
    const spaceId = await newSpace();
    const state = await withDb((db) => changePlan(db, spaceId, { planId: bigger.id, effective: "now", timeZone: "Asia/Kolkata" }, basic.code, now));
    expect(state).toMatchObject({ explicit: true, pending: null, timeZone: "Asia/Kolkata", period: { start: new Date("2026-11-30T18:30:00Z") } });
    expect(state.plan.id).toBe(bigger.id);
    expect(await subRow(spaceId)).toMatchObject({ planId: bigger.id, pendingPlanId: null, timeZone: "Asia/Kolkata" });
  });

  it("schedules a change at the period's end, applies it lazily on the first read after, and a pick of the current plan cancels it", async () => {
    const spaceId = await newSpace();
    await withDb((db) => changePlan(db, spaceId, { planId: basic.id, effective: "now" }, basic.code, now));
    const scheduled = await withDb((db) => changePlan(db, spaceId, { planId: bigger.id, effective: "period_end" }, basic.code, now));
    expect(scheduled.plan.id).toBe(basic.id);
    expect(scheduled.pending?.plan.id).toBe(bigger.id);
    expect(scheduled.pending?.effectiveAt).toEqual(new Date("2027-01-01T00:00:00Z"));
    expect(toSubscription(scheduled).pending).toMatchObject({ plan: { id: bigger.id }, effectiveAt: "2027-01-01T00:00:00.000Z" });

    const cancelled = await withDb((db) => changePlan(db, spaceId, { planId: basic.id, effective: "period_end" }, basic.code, now));
    expect(cancelled.pending).toBeNull();
    await withDb((db) => changePlan(db, spaceId, { planId: bigger.id, effective: "period_end" }, basic.code, now));

    // Still December: the old plan. In January: the pending plan, written onto the row.
    expect((await withDb((db) => billingStateOf(db, spaceId, basic.code, new Date("2026-12-31T23:59:59Z")))).plan.id).toBe(basic.id);
    expect(await subRow(spaceId)).toMatchObject({ planId: basic.id, pendingPlanId: bigger.id });
    const january = await withDb((db) => billingStateOf(db, spaceId, basic.code, new Date("2027-01-01T00:00:00Z")));
    expect(january).toMatchObject({ pending: null, period: { start: new Date("2027-01-01T00:00:00Z"), end: new Date("2027-02-01T00:00:00Z") } });
    expect(january.plan.id).toBe(bigger.id);
    expect(await subRow(spaceId)).toMatchObject({ planId: bigger.id, pendingPlanId: null, pendingEffectiveAt: null });
  });

  it("refuses an archived plan with 409 and an unknown one with 404, changing nothing", async () => {
    const spaceId = await newSpace();
    const archived = await planFixture({});
    await withDb((db) => db.update(plans).set({ archived: true }).where(eq(plans.id, archived.id)));
    const refusal = (planId: string) => withDb((db) => changePlan(db, spaceId, { planId, effective: "now" }, basic.code, now)).then(() => null, (err: unknown) => err);
    const conflict = await refusal(archived.id);
    expect(conflict).toBeInstanceOf(ApiError);
    expect(conflict).toMatchObject({ code: "conflict" });
    expect(await refusal("pln_00000000000000000000000000")).toMatchObject({ code: "not_found" });
    expect(await subRow(spaceId)).toBeUndefined();
  });
});
