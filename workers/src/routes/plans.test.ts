// Plans: the platform Admin creates and changes them; every signed-in user lists the ones a space
// can choose; archived plans stay out of that list.
import { beforeAll, describe, expect, it } from "vitest";
import { Plan, type CreatePlanBody } from "@speaknode/contracts";
import { call, expectProblem, makeWorld, newUser, type TestUser, type World } from "../../test/helpers.ts";

let admin: TestUser;
let world: World;
beforeAll(async () => {
  admin = await newUser({ roles: ["platform-admin"] });
  world = await makeWorld();
}, 60_000);

const planBody = (overrides: Partial<CreatePlanBody> = {}): CreatePlanBody => ({
  code: `test-${crypto.randomUUID().slice(0, 8)}`,
  name: "Team",
  description: "For small teams",
  currency: "EUR",
  interval: "monthly",
  price: "29.5",
  includedMinutes: 500,
  overagePricePerMinute: "0.0450",
  rounding: "per_second",
  features: { telephony: true, campaigns: false, byoProviderKeys: true },
  limits: { agents: 5, phoneNumbers: 2, concurrentCalls: 3, campaigns: 0 },
  ...overrides,
});

async function createPlan(overrides: Partial<CreatePlanBody> = {}): Promise<Plan> {
  const res = await call("POST", "/v1/admin/plans", { token: admin.token, json: planBody(overrides) });
  expect(res.status, res.text).toBe(201);
  return Plan.parse(res.body);
}

async function listed(token: string, query = ""): Promise<Plan[]> {
  const res = await call("GET", `/v1/plans${query}`, { token });
  expect(res.status, res.text).toBe(200);
  return (res.body.data ?? []).map((p) => Plan.parse(p));
}

describe("plans as the platform Admin manages them", () => {
  it("creates a plan with exactly what was asked and lists it for any signed-in user", async () => {
    const body = planBody();
    const plan = await createPlan(body);
    expect(plan).toMatchObject({ code: body.code, name: "Team", currency: "EUR", includedMinutes: 500, rounding: "per_second", archived: false, features: body.features, limits: body.limits });
    expect(Number(plan.price)).toBe(29.5);
    expect(Number(plan.overagePricePerMinute)).toBe(0.045);
    expect(plan.id).toMatch(/^pln_/);
    const seen = await listed(world.member.token);
    expect(seen.find((p) => p.id === plan.id)).toEqual(plan);
  });

  it("lists the seeded free, pro and scale plans, cheapest first", async () => {
    const plans = await listed(world.owner.token);
    const seeded = plans.filter((p) => ["free", "pro", "scale"].includes(p.code)).map((p) => p.code);
    expect(seeded).toEqual(["free", "pro", "scale"]);
    const prices = plans.map((p) => Number(p.price));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  it("refuses a second plan with a code already taken (409) and leaves the first as it was", async () => {
    const first = await createPlan();
    const again = await call("POST", "/v1/admin/plans", { token: admin.token, json: planBody({ code: first.code, name: "Impostor", price: "1" }) });
    expectProblem(again, 409, "conflict");
    expect(again.body["detail"]).toContain(first.code);
    const stored = (await listed(admin.token)).find((p) => p.code === first.code);
    expect(stored).toEqual(first);
  });

  it("applies the defaults of the contract (USD, monthly, per-call minute rounding, empty description)", async () => {
    const { description: _d, currency: _c, interval: _i, rounding: _r, ...minimal } = planBody();
    const res = await call("POST", "/v1/admin/plans", { token: admin.token, json: minimal });
    expect(res.status, res.text).toBe(201);
    expect(Plan.parse(res.body)).toMatchObject({ currency: "USD", interval: "monthly", rounding: "per_call_minute", description: "" });
  });

  it("changes a plan's fields but never its code, and a no-overage plan keeps overage null", async () => {
    const plan = await createPlan();
    const res = await call("PATCH", `/v1/admin/plans/${plan.id}`, {
      token: admin.token,
      json: { name: "Team+", includedMinutes: 900, overagePricePerMinute: null, limits: { ...plan.limits, agents: null } },
    });
    expect(res.status, res.text).toBe(200);
    const changed = Plan.parse(res.body);
    expect(changed).toMatchObject({ id: plan.id, code: plan.code, name: "Team+", includedMinutes: 900, overagePricePerMinute: null, limits: { agents: null, phoneNumbers: 2 } });
    expect(Date.parse(changed.updatedAt)).toBeGreaterThanOrEqual(Date.parse(plan.updatedAt));
    expectProblem(await call("PATCH", `/v1/admin/plans/${plan.id}`, { token: admin.token, json: { code: "renamed" } }), 400, "validation_failed");
  });

  it("hides an archived plan from the picker but shows it to the Admin who asks for archived plans", async () => {
    const plan = await createPlan();
    const archived = await call("PATCH", `/v1/admin/plans/${plan.id}`, { token: admin.token, json: { archived: true } });
    expect(archived.status, archived.text).toBe(200);
    expect(archived.body["archived"]).toBe(true);
    expect((await listed(world.owner.token)).some((p) => p.id === plan.id)).toBe(false);
    expect((await listed(admin.token)).some((p) => p.id === plan.id)).toBe(false);
    expect((await listed(admin.token, "?includeArchived=true")).find((p) => p.id === plan.id)?.archived).toBe(true);
    expectProblem(await call("GET", "/v1/plans?includeArchived=true", { token: world.owner.token }), 403, "forbidden");
    // Restored, it is offered again.
    await call("PATCH", `/v1/admin/plans/${plan.id}`, { token: admin.token, json: { archived: false } });
    expect((await listed(world.owner.token)).some((p) => p.id === plan.id)).toBe(true);
  });

  it("refuses malformed plans with the fields named, and an unknown plan with 404", async () => {
    const bad = async (json: unknown) => {
      const res = await call("POST", "/v1/admin/plans", { token: admin.token, json });
      expectProblem(res, 400, "validation_failed");
      return (res.body["errors"] as { field: string }[]).map((e) => e.field);
    };
    expect(await bad(planBody({ code: "Not A Code" }))).toContain("body.code");
    expect(await bad(planBody({ price: "1.23456" }))).toContain("body.price");
    expect(await bad(planBody({ price: "-1" }))).toContain("body.price");
    expect(await bad(planBody({ currency: "usd" }))).toContain("body.currency");
    expect(await bad(planBody({ includedMinutes: -1 }))).toContain("body.includedMinutes");
    expect(await bad({ ...planBody(), limits: { agents: 1 } })).toEqual(expect.arrayContaining([expect.stringMatching(/^body\.limits\./)]));
    expect(await bad({ ...planBody(), extra: true })).toContain("body.extra");
    expectProblem(await call("PATCH", "/v1/admin/plans/pln_00000000000000000000000009", { token: admin.token, json: {} }), 400, "validation_failed");
    expectProblem(await call("PATCH", "/v1/admin/plans/pln_0000000000000000000000000z", { token: admin.token, json: { name: "x" } }), 404, "not_found");
    expectProblem(await call("PATCH", "/v1/admin/plans/not-a-plan", { token: admin.token, json: { name: "x" } }), 400, "validation_failed");
  });

  it("lets only the platform Admin create or change plans, and only users list them", async () => {
    const plan = await createPlan();
    expectProblem(await call("POST", "/v1/admin/plans", { token: world.owner.token, json: planBody() }), 403, "forbidden");
    expectProblem(await call("PATCH", `/v1/admin/plans/${plan.id}`, { token: world.owner.token, json: { price: "0" } }), 403, "forbidden");
    expectProblem(await call("GET", "/v1/plans", { token: world.apiKey }), 403, "forbidden");
    expect((await listed(world.owner.token)).find((p) => p.id === plan.id)?.price).toBe(plan.price);
  });
});
