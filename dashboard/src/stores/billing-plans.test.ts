// The platform Admin's plans store without a DOM: the form's text turned into the API's bodies
// (empty limits unlimited, an empty overage a hard stop), refusals keyed by the same fields as the
// API's errors[], an edit sending only what changed, archive and restore, the list's order.
import { describe, expect, it } from "vitest";
import { createApi } from "../api/client.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { fieldsHeadline, formErrors } from "../ui/forms.ts";
import { planFixture, proPlan } from "./billing-fixtures.ts";
import { createAdminPlansStore, createPlanBodyFrom, emptyPlanDraft, planDraftOf, updatePlanBodyFrom, type PlanDraft } from "./billing-plans.ts";

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const draft = (patch: Partial<PlanDraft> = {}): PlanDraft => ({
  ...emptyPlanDraft(),
  code: "team",
  name: "Team",
  price: "99",
  includedMinutes: "3000",
  overagePricePerMinute: "0.04",
  limits: { agents: "10", phoneNumbers: "", concurrentCalls: "5", campaigns: "" },
  ...patch,
});

describe("plan form", () => {
  it("turns the form's text into the create body: empty limits unlimited, empty overage a hard stop", () => {
    expect(createPlanBodyFrom(draft())).toEqual({
      code: "team",
      name: "Team",
      description: "",
      currency: "USD",
      interval: "monthly",
      price: "99",
      includedMinutes: 3000,
      overagePricePerMinute: "0.04",
      rounding: "per_call_minute",
      features: { telephony: true, campaigns: false, byoProviderKeys: false },
      limits: { agents: 10, phoneNumbers: null, concurrentCalls: 5, campaigns: null },
    });
    expect(createPlanBodyFrom(draft({ overagePricePerMinute: " ", currency: "eur" }))).toMatchObject({ overagePricePerMinute: null, currency: "EUR" });
  });

  it("names each wrong field as the API would, before sending", () => {
    const tryDraft = (patch: Partial<PlanDraft>) => {
      try {
        createPlanBodyFrom(draft(patch));
        return {};
      } catch (err) {
        return formErrors(err).fields;
      }
    };
    expect(Object.keys(tryDraft({ code: "Team Plan", price: "12.345678", limits: { agents: "ten", phoneNumbers: "", concurrentCalls: "-1", campaigns: "" } })).sort()).toEqual(
      ["code", "limits.agents", "limits.concurrentCalls", "price"].sort(),
    );
    expect(tryDraft({ includedMinutes: "1.5" })).toEqual({ includedMinutes: "must be a whole number of minutes" });
    expect(tryDraft({ name: "  " })).toHaveProperty("name");
  });

  it("sends only what an edit changed (49 and 49.00 are the same price)", () => {
    const pro = proPlan();
    expect(updatePlanBodyFrom(pro, { ...planDraftOf(pro), price: "49" })).toBeNull();
    const d = planDraftOf(pro);
    expect(updatePlanBodyFrom(pro, { ...d, includedMinutes: "1500", overagePricePerMinute: "", limits: { ...d.limits, agents: "" } })).toEqual({
      includedMinutes: 1500,
      overagePricePerMinute: null,
      limits: { agents: null, phoneNumbers: 10, concurrentCalls: 20, campaigns: 50 },
    });
  });
});

describe("admin plans store", () => {
  it("lists every plan with archived ones, active first, cheapest first", async () => {
    const free = planFixture();
    const pro = proPlan();
    const old = proPlan({ code: "old", name: "Old", price: "5", archived: true });
    const { api, fetch } = apiWith(() => json({ data: [old, pro, free] }));
    const plans = createAdminPlansStore(api);
    await plans.load();
    expect(fetch.requests[0]?.url).toBe("/v1/plans?includeArchived=true");
    expect(plans.plans.value.map((p) => p.code)).toEqual(["free", "pro", "old"]);
  });

  it("creates a plan with POST /v1/admin/plans and lists it", async () => {
    const made = proPlan({ code: "team", name: "Team", price: "99.00" });
    const { api, fetch } = apiWith(() => json(made, 201));
    const plans = createAdminPlansStore(api);
    await plans.create(draft());
    expect(fetch.requests[0]).toMatchObject({ method: "POST", url: "/v1/admin/plans" });
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toMatchObject({ code: "team", includedMinutes: 3000 });
    expect(plans.plans.value.map((p) => p.code)).toEqual(["team"]);
  });

  it("puts the API's field errors (errors[]) under the form's fields, and a duplicate code's 409 as the message", async () => {
    const { api } = apiWith(() => problem("validation_failed", 400, "The request did not pass validation.", [{ field: "body.limits.agents", message: "must be at most 1000000" }]));
    const err: unknown = await createAdminPlansStore(api).create(draft()).catch((e: unknown) => e);
    expect(formErrors(err)).toEqual({ fields: { "limits.agents": "must be at most 1000000" }, message: fieldsHeadline });
    const dup = await createAdminPlansStore(apiWith(() => problem("conflict", 409, "a plan with the code team exists")).api).create(draft()).catch((e: unknown) => e);
    expect(formErrors(dup)).toEqual({ fields: {}, message: "a plan with the code team exists" });
  });

  it("archives and restores with PATCH, and an unchanged edit sends nothing", async () => {
    const pro = proPlan();
    const { api, fetch } = apiWith((req) => json({ ...pro, ...(JSON.parse(req.body ?? "{}") as object) }));
    const plans = createAdminPlansStore(api);
    const archived = await plans.setArchived(pro.id, true);
    expect(fetch.requests[0]).toMatchObject({ method: "PATCH", url: `/v1/admin/plans/${pro.id}`, body: '{"archived":true}' });
    expect(archived.archived).toBe(true);
    expect(await plans.update(pro, planDraftOf(pro))).toBe(pro);
    expect(fetch.requests).toHaveLength(1);
  });
});
