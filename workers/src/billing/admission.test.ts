// The plan's admission of a session (in the row's transaction, under the space's advisory lock) and
// its limits on creating resources, against real Postgres.
import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb } from "../../test/helpers.ts";
import { ApiError } from "../errors.ts";
import { admitSession, requirePlanAllows } from "./admission.ts";
import { onOwnPlan, spendSeconds } from "./enforcement-testing.ts";

const admit = (spaceId: string) => withDb((db) => db.transaction((tx) => admitSession(tx, spaceId, "scale")));
const refusal = async (p: Promise<unknown>): Promise<ApiError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
};
const dispatch = (token: string, agentId: string) => call("POST", `/v1/agents/${agentId}/sessions`, { token, json: { variables: { order_id: 1 } } });
const liveOf = (spaceId: string) => withDb((db) => db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.spaceId, spaceId), inArray(sessions.status, ["pending", "dispatching", "active"]))));

describe("admitSession", () => {
  it("admits until the hard-stop plan's included minutes are spent, then refuses with 402 naming the plan", async () => {
    const w = await makeWorld();
    const plan = await onOwnPlan(w.spaceId, { name: "Starter", includedMinutes: 60, overagePricePerMinute: null });
    await spendSeconds(w.spaceId, plan.id, 3599);
    await expect(admit(w.spaceId)).resolves.toBeUndefined();
    await spendSeconds(w.spaceId, plan.id, 1);
    const err = await refusal(admit(w.spaceId));
    expect(err.code).toBe("minutes_exhausted");
    expect(err.status).toBe(402);
    expect(err.message).toContain("the Starter plan includes 60 voice minutes");
  });

  it("never refuses for minutes on a plan with overage, however much is used", async () => {
    const w = await makeWorld();
    const plan = await onOwnPlan(w.spaceId, { includedMinutes: 1, overagePricePerMinute: "0.05" });
    await spendSeconds(w.spaceId, plan.id, 100_000);
    await expect(admit(w.spaceId)).resolves.toBeUndefined();
  });

  it("refuses a session past the plan's concurrent sessions with 429 and retry-after 30, not counting dashboard tests", async () => {
    const w = await makeWorld();
    await onOwnPlan(w.spaceId, { name: "Duo", limits: { concurrentCalls: 2 } });
    // A member's test does not hold a slot.
    expect((await call("POST", `/v1/agents/${w.agentId}/test-sessions`, { token: w.member.token, json: { variables: { order_id: 1 } } })).status).toBe(201);
    expect((await dispatch(w.apiKey, w.agentId)).status).toBe(201);
    expect((await dispatch(w.apiKey, w.agentId)).status).toBe(201);
    const err = await refusal(admit(w.spaceId));
    expect(err.code).toBe("concurrency_limit");
    expect(err.headers).toEqual({ "retry-after": "30" });
    expect(err.message).toContain("the Duo plan allows 2 concurrent sessions");
  });

  it("lets parallel dispatches racing for the last slots take exactly the plan's limit, leaving no row for the refused", async () => {
    const w = await makeWorld();
    await onOwnPlan(w.spaceId, { limits: { concurrentCalls: 2 } });
    const answers = await Promise.all(Array.from({ length: 6 }, () => dispatch(w.apiKey, w.agentId)));
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 429, 429, 429, 429]);
    for (const r of answers.filter((a) => a.status === 429)) expectProblem(r, 429, "concurrency_limit");
    const live = await liveOf(w.spaceId);
    expect(live.map((s) => s.id).sort()).toEqual(answers.filter((r) => r.status === 201).map((r) => String(r.body["sessionId"])).sort());
    const all = await withDb((db) => db.select({ id: sessions.id }).from(sessions).where(eq(sessions.spaceId, w.spaceId)));
    expect(all).toHaveLength(2);
  });
});

describe("requirePlanAllows", () => {
  it("refuses a feature the plan lacks and a count it would exceed, naming the limit and the plan", async () => {
    const w = await makeWorld();
    await onOwnPlan(w.spaceId, { name: "Tiny", features: { campaigns: false }, limits: { agents: 1, phoneNumbers: 3 } });
    const allows = (check: Parameters<typeof requirePlanAllows>[3]) => withDb((db) => requirePlanAllows(db, w.spaceId, "scale", check));
    const feature = await refusal(allows({ feature: "campaigns" }));
    expect([feature.code, feature.status]).toEqual(["plan_limit", 403]);
    expect(feature.message).toContain("the Tiny plan does not include campaigns");
    const agents = await refusal(allows({ limit: "agents" }));
    expect(agents.message).toBe("the Tiny plan allows 1 agents; this space has 1");
    await expect(allows({ feature: "telephony" })).resolves.toBeUndefined();
    await expect(allows({ limit: "phoneNumbers", adding: 3 })).resolves.toBeUndefined();
    expect((await refusal(allows({ limit: "phoneNumbers", adding: 4 }))).message).toBe("the Tiny plan allows 3 phone numbers; this space has 0");
    // Several checks at once stop at the first refused.
    expect((await refusal(allows([{ feature: "telephony" }, { limit: "agents" }]))).message).toContain("1 agents");
  });
});
