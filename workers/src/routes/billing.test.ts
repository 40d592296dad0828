// A space's billing through the API: the overview's figures from real usage records, plan changes
// (now, at the period's end, archived plans refused, Owners only), and the local ledger's invoices
// (listed, read, downloaded as a printable statement) with no payment portal.
import { beforeAll, describe, expect, it } from "vitest";
import { BillingOverview, Invoice, InvoiceList, Plan, Subscription, newId, type CreatePlanBody } from "@speaknode/contracts";
import { invoices, sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, newUser, withDb, type TestUser, type World } from "../../test/helpers.ts";
import { recordSessionUsage } from "../billing/usage.ts";
import { ledgerPortalDetail } from "./billing-portal.ts";

let admin: TestUser;
beforeAll(async () => {
  admin = await newUser({ roles: ["platform-admin"] });
}, 60_000);

async function createPlan(overrides: Partial<CreatePlanBody>): Promise<Plan> {
  const body: CreatePlanBody = {
    code: `billing-${crypto.randomUUID().slice(0, 8)}`,
    name: "Test plan",
    description: "",
    currency: "USD",
    interval: "monthly",
    price: "20",
    includedMinutes: 2,
    overagePricePerMinute: "0.10",
    rounding: "per_second",
    features: { telephony: true, campaigns: true, byoProviderKeys: true },
    limits: { agents: 10, phoneNumbers: 10, concurrentCalls: 4, campaigns: 10 },
    ...overrides,
  };
  const res = await call("POST", "/v1/admin/plans", { token: admin.token, json: body });
  expect(res.status, res.text).toBe(201);
  return Plan.parse(res.body);
}

async function changePlan(w: World, json: Record<string, unknown>, token = w.owner.token) {
  return call("PUT", `/v1/spaces/${w.spaceId}/subscription`, { token, json });
}

async function overview(w: World, token = w.member.token): Promise<BillingOverview> {
  const res = await call("GET", `/v1/spaces/${w.spaceId}/billing`, { token });
  expect(res.status, res.text).toBe(200);
  return BillingOverview.parse(res.body);
}

interface SessionSpec {
  channel: "api" | "widget" | "test";
  status: "completed" | "failed" | "active";
  /** Active → end; null: never became Active. */
  seconds: number | null;
  endedAt?: Date;
}

/** Session rows as the SessionRoom writes them, each ended one's usage recorded as its write-through does. */
async function sessionsOf(w: World, specs: SessionSpec[]): Promise<void> {
  await withDb(async (db) => {
    for (const s of specs) {
      const id = newId("session");
      const endedAt = s.status === "active" ? null : (s.endedAt ?? new Date(Date.now() - 5_000));
      const startedAt = s.seconds === null ? null : new Date((endedAt ?? new Date()).getTime() - s.seconds * 1000);
      await db.insert(sessions).values({ id, spaceId: w.spaceId, agentId: w.agentId, channel: s.channel, status: s.status, language: "en", mediaDriver: "local", startedAt, endedAt });
      if (endedAt) await recordSessionUsage(db, id, "scale");
    }
  });
}

describe("the billing overview", () => {
  let w: World;
  let plan: Plan;
  beforeAll(async () => {
    w = await makeWorld();
    plan = await createPlan({ includedMinutes: 2, overagePricePerMinute: "0.10", rounding: "per_second" });
    expect((await changePlan(w, { planId: plan.id, effective: "now" })).status).toBe(200);
    await sessionsOf(w, [
      { channel: "api", status: "completed", seconds: 61 },
      { channel: "widget", status: "failed", seconds: 100 },
      // Never billed: a member's dashboard test, a session that never became Active, a live one.
      { channel: "test", status: "completed", seconds: 300 },
      { channel: "api", status: "failed", seconds: null },
      { channel: "api", status: "active", seconds: 30 },
    ]);
  }, 60_000);

  it("shows a Member the plan, this period's billable minutes, the overage so far, live sessions and the space's counts", async () => {
    const o = await overview(w);
    expect(o).toMatchObject({ driver: "ledger", paymentMethod: "none", counts: { agents: 1, phoneNumbers: 0, campaigns: 0 } });
    expect(o.subscription).toMatchObject({ spaceId: w.spaceId, explicit: true, status: "active", pending: null, plan: { id: plan.id } });
    expect(o.usage).toMatchObject({
      source: "ledger",
      usedSeconds: 161,
      usedMinutes: 2.68,
      includedMinutes: 2,
      remainingMinutes: 0,
      overageMinutes: 0.68,
      // 41 s past the included 120 at 0.10 a minute.
      overageAmount: "0.07",
      liveSessions: 1,
      concurrentLimit: 4,
      periodStart: o.subscription.currentPeriodStart,
      periodEnd: o.subscription.currentPeriodEnd,
    });
    expect(o.usage.byAgent).toEqual([{ agentId: w.agentId, agentName: expect.any(String), seconds: 161, sessions: 2 }]);
    expect(o.usage.byDay.reduce((sum, d) => sum + d.seconds, 0)).toBe(161);
    expect(o.usage.byDay.at(-1)?.day).toBe(new Date().toISOString().slice(0, 10));
  });

  it("counts a plan change made now against this period's usage so far", async () => {
    const pro = "pln_00000000000000000000000002";
    const res = await changePlan(w, { planId: pro, effective: "now" });
    expect(res.status, res.text).toBe(200);
    expect(Subscription.parse(res.body)).toMatchObject({ plan: { id: pro, code: "pro" }, pending: null });
    const o = await overview(w);
    expect(o.usage).toMatchObject({ usedSeconds: 161, includedMinutes: 1000, overageMinutes: 0, overageAmount: "0.00", remainingMinutes: 997.32 });
    expect((await changePlan(w, { planId: plan.id, effective: "now" })).status).toBe(200);
  });
});

describe("changing the plan", () => {
  let w: World;
  let plan: Plan;
  let next: Plan;
  beforeAll(async () => {
    w = await makeWorld();
    [plan, next] = [await createPlan({ name: "Current" }), await createPlan({ name: "Next" })];
    expect((await changePlan(w, { planId: plan.id })).status).toBe(200);
  }, 60_000);

  it("sets a pending plan for the period's end, keeps the current one until then, and cancels it by choosing the current plan", async () => {
    const res = await changePlan(w, { planId: next.id, effective: "period_end" });
    expect(res.status, res.text).toBe(200);
    const sub = Subscription.parse(res.body);
    expect(sub.plan.id).toBe(plan.id);
    expect(sub.pending?.plan.id).toBe(next.id);
    expect(sub.pending?.effectiveAt).toBe(sub.currentPeriodEnd);
    expect((await overview(w)).subscription.pending?.plan.id).toBe(next.id);
    const cancelled = Subscription.parse((await changePlan(w, { planId: plan.id, effective: "period_end" })).body);
    expect(cancelled).toMatchObject({ plan: { id: plan.id }, pending: null });
  });

  it("takes a billing time zone, in which the period starts at local midnight on the 1st", async () => {
    const sub = Subscription.parse((await changePlan(w, { planId: plan.id, timeZone: "America/New_York" })).body);
    expect(sub.timeZone).toBe("America/New_York");
    expect(new Date(sub.currentPeriodStart).getUTCHours()).toBeGreaterThanOrEqual(4);
    expect(new Date(sub.currentPeriodStart).getUTCHours()).toBeLessThanOrEqual(5);
    expectProblem(await changePlan(w, { planId: plan.id, timeZone: "Mars/Olympus" }), 400, "validation_failed");
  });

  it("refuses an archived plan (409) and an unknown one (404), and changes nothing", async () => {
    const old = await createPlan({ name: "Legacy" });
    expect((await call("PATCH", `/v1/admin/plans/${old.id}`, { token: admin.token, json: { archived: true } })).status).toBe(200);
    const refused = await changePlan(w, { planId: old.id });
    expectProblem(refused, 409, "conflict");
    expect(refused.body["detail"]).toContain("archived");
    expectProblem(await changePlan(w, { planId: "pln_0000000000000000000000zzzz" }), 404, "not_found");
    expect((await overview(w)).subscription.plan.id).toBe(plan.id);
  });

  it("lets Members read the billing but only Owners change the plan", async () => {
    expect((await overview(w, w.member.token)).subscription.plan.id).toBe(plan.id);
    expectProblem(await changePlan(w, { planId: next.id }, w.member.token), 403, "forbidden");
    expectProblem(await changePlan(w, { planId: next.id }, w.apiKey), 403, "forbidden");
    expect((await overview(w)).subscription.plan.id).toBe(plan.id);
  });
});

describe("the local ledger's invoices", () => {
  let w: World;
  let lastMonth: Date;
  beforeAll(async () => {
    w = await makeWorld();
    const plan = await createPlan({ name: "Ledger", price: "10", includedMinutes: 1, overagePricePerMinute: "0.50", rounding: "per_call_minute" });
    expect((await changePlan(w, { planId: plan.id })).status).toBe(200);
    const now = new Date();
    lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
    // 150 s last month: 3 minutes on a per-call-minute plan, 2 past the one included.
    await sessionsOf(w, [{ channel: "api", status: "completed", seconds: 150, endedAt: new Date(lastMonth.getTime() + 2 * 86_400_000) }]);
    const renamed = await call("PATCH", `/v1/spaces/${w.spaceId}`, { token: w.owner.token, json: { name: `Acme <Ops> & "Co"` } });
    expect(renamed.status, renamed.text).toBe(200);
  }, 60_000);

  async function list(): Promise<Invoice[]> {
    const res = await call("GET", `/v1/spaces/${w.spaceId}/invoices`, { token: w.owner.token });
    expect(res.status, res.text).toBe(200);
    return InvoiceList.parse(res.body).data;
  }

  it("closes last month into one numbered statement when the Owner lists invoices, and lists it again unchanged", async () => {
    const [statement, ...more] = await list();
    expect(more).toEqual([]);
    expect(statement).toMatchObject({ spaceId: w.spaceId, source: "ledger", status: "open", periodStart: lastMonth.toISOString(), usedSeconds: 180, total: "11.00", planName: "Ledger" });
    expect(statement?.number).toMatch(new RegExp(`^SN-${lastMonth.getUTCFullYear()}-\\d{6,}$`));
    expect(statement?.lines.map((l) => [l.kind, l.amount])).toEqual([["subscription", "10.00"], ["included_minutes", "0.00"], ["overage", "1.00"]]);
    expect(statement?.downloadUrl).toMatch(new RegExp(`/v1/invoices/${statement?.id}/download$`));
    expect(await list()).toEqual([statement]);
    const one = await call("GET", `/v1/invoices/${statement?.id}`, { token: w.owner.token });
    expect(one.status, one.text).toBe(200);
    expect(Invoice.parse(one.body)).toEqual(statement);
  });

  it("downloads the statement as a printable HTML attachment with every value escaped", async () => {
    const [statement] = await list();
    const res = await call("GET", `/v1/invoices/${statement?.id}/download`, { token: w.owner.token });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="${statement?.number}.html"`);
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.text).toContain(String(statement?.number));
    expect(res.text).toContain("Acme &lt;Ops&gt; &amp; &quot;Co&quot;");
    expect(res.text).not.toContain("<Ops>");
    expect(res.text).not.toMatch(/<script/i);
  });

  it("keeps invoices from Members", async () => {
    const [statement] = await list();
    expectProblem(await call("GET", `/v1/spaces/${w.spaceId}/invoices`, { token: w.member.token }), 403, "forbidden");
    expectProblem(await call("GET", `/v1/invoices/${statement?.id}`, { token: w.member.token }), 403, "forbidden");
    expectProblem(await call("GET", `/v1/invoices/${statement?.id}/download`, { token: w.member.token }), 403, "forbidden");
  });

  it("has no payment portal: the ledger answers 409 saying why", async () => {
    const res = await call("POST", `/v1/spaces/${w.spaceId}/billing/portal`, { token: w.owner.token });
    expectProblem(res, 409, "conflict");
    expect(res.body["detail"]).toBe(ledgerPortalDetail);
    expect((await overview(w)).paymentMethod).toBe("none");
  });
});

describe("Lago's invoices", () => {
  let w: World;
  beforeAll(async () => {
    w = await makeWorld();
  }, 60_000);

  /** An invoice as Lago's webhooks store it, with the PDF link the payload carried. */
  async function lagoInvoice(pdfUrl: string | null): Promise<string> {
    const id = newId("invoice");
    await withDb((db) =>
      db.insert(invoices).values({
        id,
        spaceId: w.spaceId,
        source: "lago",
        number: `LAGO-${id.slice(-8)}`,
        status: "paid",
        periodStart: new Date("2026-10-01T00:00:00Z"),
        periodEnd: new Date("2026-11-01T00:00:00Z"),
        currency: "USD",
        planName: "Pro",
        lines: [{ kind: "lago", description: "Voice minutes", quantity: "12", unit: "minute", unitPrice: "0.05", amount: "0.60" }],
        total: "49.6",
        issuedAt: new Date("2026-11-01T00:05:00Z"),
        lagoInvoiceId: crypto.randomUUID(),
        pdfUrl,
      }),
    );
    return id;
  }

  it("downloads as a redirect to Lago's https PDF, and never to a link of another scheme", async () => {
    const pdf = "https://lago.example.test/invoices/abc.pdf?sig=1";
    const res = await call("GET", `/v1/invoices/${await lagoInvoice(pdf)}/download`, { token: w.owner.token });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(pdf);
    for (const url of ["http://lago.example.test/x.pdf", "javascript:alert(1)", null]) {
      expectProblem(await call("GET", `/v1/invoices/${await lagoInvoice(url)}/download`, { token: w.owner.token }), 409, "conflict");
    }
  });

  it("reads like any invoice, its total in cents", async () => {
    const id = await lagoInvoice(null);
    const res = await call("GET", `/v1/invoices/${id}`, { token: w.owner.token });
    expect(res.status, res.text).toBe(200);
    expect(Invoice.parse(res.body)).toMatchObject({ id, source: "lago", status: "paid", total: "49.60", planName: "Pro" });
    // Without an https PDF link, the download URL is this API's (which says why there is none).
    expect(Invoice.parse(res.body).downloadUrl).toMatch(new RegExp(`/v1/invoices/${id}/download$`));
  });

  it("hands out Lago's https PDF link itself as the download URL, so a browser opens it without the API token", async () => {
    const pdf = "https://lago.example.test/invoices/def.pdf?sig=2";
    const id = await lagoInvoice(pdf);
    expect(Invoice.parse((await call("GET", `/v1/invoices/${id}`, { token: w.owner.token })).body).downloadUrl).toBe(pdf);
    const plain = await lagoInvoice("http://lago.example.test/y.pdf");
    expect(Invoice.parse((await call("GET", `/v1/invoices/${plain}`, { token: w.owner.token })).body).downloadUrl).toMatch(new RegExp(`/v1/invoices/${plain}/download$`));
  });
});

describe("the billing operations in /openapi.json", () => {
  it("documents each with its request and response schemas", async () => {
    const doc = (await call("GET", "/openapi.json")).body as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    const ops: [string, string][] = [
      ["/v1/plans", "get"],
      ["/v1/admin/plans", "post"],
      ["/v1/admin/plans/{planId}", "patch"],
      ["/v1/spaces/{spaceId}/billing", "get"],
      ["/v1/spaces/{spaceId}/billing/portal", "post"],
      ["/v1/spaces/{spaceId}/subscription", "put"],
      ["/v1/spaces/{spaceId}/invoices", "get"],
      ["/v1/invoices/{invoiceId}", "get"],
      ["/v1/invoices/{invoiceId}/download", "get"],
    ];
    for (const [path, method] of ops) expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Plan", "CreatePlanBody", "UpdatePlanBody", "Subscription", "ChangeSubscriptionBody", "BillingOverview", "BillingUsage", "Invoice", "InvoiceList", "BillingPortal"]));
    expect(JSON.stringify(doc.paths["/v1/invoices/{invoiceId}/download"])).toContain("text/html");
  });
});
