// The Billing page's store and view without a DOM: what an Owner and a Member load, refusals kept
// with their status, code and request id, a plan change and the overview asked again, statements
// saved under the API's file name; usage in words (a hard stop, overage, the projection), limits
// against counts, the plan picker's choices and sentence, invoice badges, the route and nav rules.
import { describe, expect, it } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import { ApiProblem, createApi, errorMessage, filenameOf } from "../api/client.ts";
import { matchRoute, spacePath } from "../router.ts";
import { fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { invoiceFixture, overviewFixture, planFixture, proPlan, subscriptionFixture, usageFixture } from "./billing-fixtures.ts";
import { changeSummary, formatMoney, invoiceBadge, limitRows, planChoices, planTerms, projection, usageGauge } from "./billing-view.ts";
import { applyBillingEvent, createBillingStore } from "./billing.ts";
import { pageAfterSwitch, permissionsFor } from "./permissions.ts";

const spaceId = newId("space");

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const paths = (requests: Recorded[]) => requests.map((r) => `${r.method} ${new URL(r.url, "http://x.test").pathname}`).sort();

describe("billing store", () => {
  it("loads the overview, the plans and the invoices for an Owner", async () => {
    const free = planFixture();
    const pro = proPlan();
    const invoice = invoiceFixture(spaceId);
    const { api, fetch } = apiWith((req) => {
      if (req.url.endsWith("/billing")) return json(overviewFixture(spaceId, free));
      if (req.url.endsWith("/invoices")) return json({ data: [invoice] });
      return json({ data: [free, pro] });
    });
    const billing = createBillingStore(api);
    await billing.load(spaceId, true);
    expect(paths(fetch.requests)).toEqual(["GET /v1/plans", `GET /v1/spaces/${spaceId}/billing`, `GET /v1/spaces/${spaceId}/invoices`].sort());
    expect(billing.overview.value?.subscription.plan.code).toBe("free");
    expect(billing.plans.value.map((p) => p.code)).toEqual(["free", "pro"]);
    expect(billing.invoices.value?.map((i) => i.number)).toEqual(["SN-2026-000001"]);
    expect([billing.loading.value, billing.problem.value]).toEqual([false, null]);
  });

  it("loads only the overview for a Member (plans and invoices are an Owner's)", async () => {
    const { api, fetch } = apiWith(() => json(overviewFixture(spaceId)));
    const billing = createBillingStore(api);
    await billing.load(spaceId, false);
    expect(paths(fetch.requests)).toEqual([`GET /v1/spaces/${spaceId}/billing`]);
    expect(billing.invoices.value).toBeNull();
  });

  it("keeps a refusal's status, code and request id for the page", async () => {
    const { api } = apiWith(() => problem("forbidden", 403, "only Owners see the invoices"));
    const billing = createBillingStore(api);
    await billing.load(spaceId, false);
    expect(billing.problem.value).toEqual({ message: "only Owners see the invoices", status: 403, code: "forbidden", requestId: "req_test" });
    expect(billing.loading.value).toBe(false);
  });

  it("shows the overview even when the invoices are refused, with their own problem", async () => {
    const { api } = apiWith((req) => (req.url.endsWith("/invoices") ? problem("upstream_unavailable", 503, "Lago did not answer") : req.url.endsWith("/billing") ? json(overviewFixture(spaceId)) : json({ data: [] })));
    const billing = createBillingStore(api);
    await billing.load(spaceId, true);
    expect(billing.overview.value).not.toBeNull();
    expect(billing.problem.value).toBeNull();
    expect(billing.invoicesProblem.value).toMatchObject({ status: 503, code: "upstream_unavailable", message: "Lago did not answer" });
  });

  it("drops an answer for a space since left, and clears another space's figures at once", () => {
    const billing = createBillingStore(apiWith(() => json({})).api);
    applyBillingEvent(billing, { type: "loading", spaceId });
    applyBillingEvent(billing, { type: "loaded", spaceId, overview: overviewFixture(spaceId) });
    const other = newId("space");
    applyBillingEvent(billing, { type: "loading", spaceId: other });
    expect(billing.overview.value).toBeNull();
    applyBillingEvent(billing, { type: "loaded", spaceId, overview: overviewFixture(spaceId) });
    expect(billing.overview.value).toBeNull();
  });

  it("changes the plan with PUT …/subscription and asks for the overview again", async () => {
    const free = planFixture();
    const pro = proPlan();
    let onPro = false;
    const { api, fetch } = apiWith((req) => {
      if (req.method === "PUT") {
        onPro = true;
        return json(subscriptionFixture(spaceId, pro));
      }
      return json(overviewFixture(spaceId, onPro ? pro : free));
    });
    const billing = createBillingStore(api);
    await billing.load(spaceId, false);
    const s = await billing.changePlan(spaceId, { planId: pro.id, effective: "now" });
    expect(s.plan.code).toBe("pro");
    const put = fetch.requests.find((r) => r.method === "PUT");
    expect(put?.url).toBe(`/v1/spaces/${spaceId}/subscription`);
    expect(JSON.parse(put?.body ?? "{}")).toEqual({ planId: pro.id, effective: "now" });
    expect(fetch.requests.at(-1)?.url).toBe(`/v1/spaces/${spaceId}/billing`);
    expect(billing.overview.value?.subscription.plan.code).toBe("pro");
  });

  it("throws the API's refusal of a plan change (an archived plan: 409)", async () => {
    const { api } = apiWith(() => problem("conflict", 409, "the plan Old is archived"));
    const billing = createBillingStore(api);
    await expect(billing.changePlan(spaceId, { planId: newId("plan"), effective: "period_end" })).rejects.toMatchObject({ status: 409, message: "the plan Old is archived" });
  });

  it("downloads a statement under the API's file name, or its number without one", async () => {
    const invoice = invoiceFixture(spaceId);
    let disposition: string | null = 'attachment; filename="SN-2026-000001.html"';
    const { api, fetch } = apiWith(() => new Response("<html>statement</html>", { headers: { "content-type": "text/html", ...(disposition ? { "content-disposition": disposition } : {}) } }));
    const billing = createBillingStore(api);
    const file = await billing.download(invoice);
    expect(fetch.requests[0]?.url).toBe(invoice.downloadUrl);
    expect(fetch.requests[0]?.headers["authorization"]).toBe("Bearer t");
    expect(file.filename).toBe("SN-2026-000001.html");
    expect(await file.blob.text()).toBe("<html>statement</html>");
    disposition = null;
    expect((await billing.download({ ...invoice, number: "SN-2026-000009" })).filename).toBe("SN-2026-000009.html");
  });

  it("asks for the payment provider's portal", async () => {
    const { api, fetch } = apiWith(() => json({ url: "https://billing.example.com/portal/abc" }));
    expect(await createBillingStore(api).portalUrl(spaceId)).toBe("https://billing.example.com/portal/abc");
    expect(fetch.requests[0]).toMatchObject({ method: "POST", url: `/v1/spaces/${spaceId}/billing/portal` });
  });
});

describe("billing view", () => {
  it("writes money with the plan's currency, up to 4 decimals", () => {
    expect(formatMoney("49", "USD")).toBe("$49.00");
    expect(formatMoney("0.0125", "USD")).toBe("$0.0125");
    expect(formatMoney("10.5", "EUR")).toBe("€10.50");
  });

  it("says how the period stands: minutes left, past 80 %, spent on a hard stop, into overage", () => {
    const free = planFixture();
    expect(usageGauge(usageFixture(12, 60), free)).toMatchObject({ state: "ok", percent: 20, headline: "48 min of 60 min left this period." });
    expect(usageGauge(usageFixture(50, 60), free)).toMatchObject({ state: "warning", percent: 83 });
    const spent = usageGauge(usageFixture(60, 60), free);
    expect(spent.state).toBe("exhausted");
    expect(spent.headline).toMatch(/new calls are refused/);
    const pro = proPlan();
    const over = usageGauge(usageFixture(1010, 1000, { overageAmount: "0.50" }), pro);
    expect(over).toMatchObject({ state: "overage", share: 1 });
    expect(over.headline).toBe("10 min past the included minutes, billed at $0.05 a minute: $0.50 so far.");
  });

  it("projects the period's end: within the minutes, the day they run out, or the overage it costs", () => {
    const now = new Date("2026-12-11T00:00:00.000Z"); // 10 days in
    expect(projection(usageFixture(0, 60, { projectedMinutes: 0 }), planFixture(), "UTC", now).sentence).toMatch(/^Nothing used yet/);
    expect(projection(usageFixture(10, 60), planFixture(), "UTC", now)).toMatchObject({ exceeds: false, runsOutAt: null });
    // 30 of 60 minutes in 10 days: they run out after 20 days.
    const hard = projection(usageFixture(30, 60), planFixture(), "UTC", now);
    expect(hard.runsOutAt?.toISOString()).toBe("2026-12-21T00:00:00.000Z");
    expect(hard.sentence).toMatch(/they run out around Dec 21, 2026, and this plan has no overage/);
    const over = projection(usageFixture(400, 1000, { projectedMinutes: 1240 }), proPlan(), "UTC", now);
    expect(over).toMatchObject({ exceeds: true, projectedOverage: "12.00" });
    expect(over.sentence).toMatch(/about \$12\.00 of overage/);
  });

  it("puts the plan's limits beside the space's counts, live calls against calls at once", () => {
    const rows = limitRows({ agents: 3, phoneNumbers: 1, concurrentCalls: 2, campaigns: null }, { agents: 3, phoneNumbers: 0, campaigns: 7 }, 1);
    expect(rows.map((r) => [r.label, r.used, r.limit, r.reached])).toEqual([
      ["Agents", 3, 3, true],
      ["Phone numbers", 0, 1, false],
      ["Campaigns", 7, null, false],
      ["Calls at once", 1, 2, false],
    ]);
  });

  it("offers the active plans cheapest first, the current one marked, and says what a change does", () => {
    const free = planFixture();
    const pro = proPlan();
    const old = proPlan({ code: "old", name: "Old", price: "19", archived: true });
    const sub = subscriptionFixture(spaceId, free, { pending: { plan: pro, effectiveAt: "2027-01-01T00:00:00.000Z" } });
    expect(planChoices([pro, old, free], sub).map((c) => [c.plan.code, c.current, c.pending])).toEqual([
      ["free", true, false],
      ["pro", false, true],
    ]);
    expect(changeSummary(sub, null, "now", [free, pro])).toEqual({ ok: false, sentence: "Choose a plan." });
    expect(changeSummary(sub, free.id, "now", [free, pro]).ok).toBe(false);
    expect(changeSummary(sub, pro.id, "period_end", [free, pro]).ok).toBe(false);
    expect(changeSummary(sub, pro.id, "now", [free, pro]).sentence).toMatch(/^Moves from Free to Pro now/);
    const later = changeSummary({ ...sub, pending: null }, pro.id, "period_end", [free, pro]);
    expect(later).toEqual({ ok: true, sentence: "Moves from Free to Pro on Jan 1, 2027, when this period ends." });
  });

  it("writes a plan's terms and each invoice status as a badge", () => {
    expect(planTerms(proPlan())).toEqual({ price: "$49.00 / month", included: "1,000 min included", overage: "then $0.05 / min", rounding: "Billed per second" });
    expect(planTerms(planFixture()).overage).toMatch(/^No overage/);
    expect(invoiceBadge("paid")).toEqual({ label: "Paid", className: "badge ok" });
    expect(invoiceBadge("failed").className).toBe("badge danger");
  });
});

describe("billing around the dashboard", () => {
  it("points a plan's refusal on any page at the Billing page", () => {
    expect(errorMessage(new ApiProblem(402, "minutes_exhausted", "this space has used its 60 included minutes"))).toBe(
      "this space has used its 60 included minutes The Billing page shows this period's minutes; an Owner can change the plan.",
    );
    expect(errorMessage(new ApiProblem(403, "plan_limit", "the Free plan allows 3 agents; this space has 3"))).toMatch(/limits; an Owner can change the plan\.$/);
    expect(errorMessage(new ApiProblem(403, "forbidden", "Owners only"))).toBe("Owners only");
  });

  it("takes only the last segment of a download's file name", () => {
    expect(filenameOf('attachment; filename="SN-2026-000001.html"')).toBe("SN-2026-000001.html");
    expect(filenameOf('attachment; filename="../../etc/x.html"')).toBe("x.html");
    expect(filenameOf(null)).toBeNull();
  });

  it("routes /spaces/{id}/billing; Owners manage it, and the switcher keeps it for every member", () => {
    expect(matchRoute(spacePath("spc_1", "billing"), "")).toEqual({ name: "billing", spaceId: "spc_1" });
    expect(matchRoute("/app/admin/plans", "")).toEqual({ name: "adminPlans" });
    expect(permissionsFor("owner").manageBilling).toBe(true);
    expect(permissionsFor("member").manageBilling).toBe(false);
    expect(pageAfterSwitch("billing", "member")).toBe("billing");
  });
});
