// Contract tests of the real Lago client (lago-javascript-client) against the Lago simulator
// (simulators/lago, started by the global setup): what the platform sends is checked against the
// request shapes of Lago's OpenAPI document (zod schemas written from it below), and the queue
// consumer, the sweep, provisioning and the driver are run end to end.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { newId } from "@speaknode/contracts";
import { spaces, subscriptions, usageRecords } from "@speaknode/db";
import type { LagoConfig } from "../../config.ts";
import { ApiError } from "../../errors.ts";
import { withDb } from "../../../test/helpers.ts";
import { planById } from "../plans.ts";
import { billingStateOf } from "../subscription.ts";
import { lagoClient } from "./client.ts";
import { billingRetryDelayS, consumeBillingMessages, sendUsageToLago } from "./consumer.ts";
import { lagoDriver } from "./driver.ts";
import { lagoPlanInput, perSecondPrice, provisionLago } from "./provision.ts";
import { sweepUnsentUsage } from "./sweep.ts";

const simUrl = (env as unknown as { LAGO_SIM_URL: string }).LAGO_SIM_URL;
// The key workers/test/global-setup.ts starts the simulator with.
const lago: LagoConfig = { apiUrl: simUrl, apiKey: "lago-sim-test-key", metricCode: "voice_seconds", timeoutMs: 5000, webhook: { scheme: "hmac", hmacKey: "h" } };
const client = lagoClient(lago);
const scalePlanId = "pln_00000000000000000000000003";

// Request shapes from Lago's OpenAPI document (EventInput, CustomerCreateInput, SubscriptionCreateInput,
// BillableMetricCreateInput, PlanCreateInput): required fields and their types.
const EventInput = z.strictObject({
  event: z.object({
    transaction_id: z.string().min(1),
    external_subscription_id: z.string().min(1),
    code: z.string().min(1),
    timestamp: z.union([z.number(), z.string()]).optional(),
    properties: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  }),
});
const CustomerCreateInput = z.strictObject({ customer: z.object({ external_id: z.string().min(1), name: z.string().nullish() }) });
const SubscriptionCreateInput = z.strictObject({
  subscription: z.object({ external_customer_id: z.string().min(1), plan_code: z.string().min(1), external_id: z.string().min(1), billing_time: z.enum(["calendar", "anniversary"]).optional() }),
});
const BillableMetricCreateInput = z.strictObject({
  billable_metric: z.object({ name: z.string(), code: z.string(), aggregation_type: z.enum(["count_agg", "sum_agg", "max_agg", "unique_count_agg", "weighted_sum_agg", "latest_agg"]), field_name: z.string().nullish(), recurring: z.boolean().optional() }),
});
const GraduatedRange = z.strictObject({ from_value: z.number().int(), to_value: z.number().int().nullable(), flat_amount: z.string().regex(/^\d+(\.\d+)?$/), per_unit_amount: z.string().regex(/^\d+(\.\d+)?$/) });
const PlanCreateInput = z.strictObject({
  plan: z.object({
    name: z.string(),
    code: z.string(),
    interval: z.enum(["weekly", "monthly", "quarterly", "semiannual", "yearly"]),
    amount_cents: z.number().int(),
    amount_currency: z.string().regex(/^[A-Z]{3}$/),
    pay_in_advance: z.boolean(),
    charges: z.array(z.object({ billable_metric_id: z.string(), charge_model: z.literal("graduated"), properties: z.object({ graduated_ranges: z.array(GraduatedRange).min(1) }) })).optional(),
  }),
});

interface Recorded {
  method: string;
  path: string;
  body: unknown;
  status: number;
}
async function simRequests(contains: string): Promise<Recorded[]> {
  const res = await fetch(`${simUrl}/sim/requests?contains=${encodeURIComponent(contains)}`);
  return ((await res.json()) as { requests: Recorded[] }).requests;
}
async function simFail(rule: { method: string; path: string; status: number; times: number; contains?: string }): Promise<void> {
  await fetch(`${simUrl}/sim/fail`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rule) });
}

async function spaceWithUsage(opts: { recordedAt?: Date } = {}): Promise<{ spaceId: string; sessionId: string }> {
  const spaceId = newId("space");
  const sessionId = newId("session");
  const endedAt = new Date();
  await withDb(async (db) => {
    await db.insert(spaces).values({ id: spaceId, name: "Lago contract space" });
    await db.insert(subscriptions).values({ spaceId, planId: scalePlanId });
    await db.insert(usageRecords).values({
      sessionId,
      spaceId,
      agentId: null,
      channel: "phone",
      direction: "inbound",
      startedAt: new Date(endedAt.getTime() - 61_000),
      endedAt,
      rawSeconds: 61,
      billableSeconds: 61,
      planId: scalePlanId,
      periodStart: new Date(Date.UTC(endedAt.getUTCFullYear(), endedAt.getUTCMonth(), 1)),
      ...(opts.recordedAt ? { recordedAt: opts.recordedAt } : {}),
    });
  });
  return { spaceId, sessionId };
}

const usageRow = (sessionId: string) => withDb(async (db) => (await db.select().from(usageRecords).where(eq(usageRecords.sessionId, sessionId)))[0]);

function fakeMessage(body: unknown, attempts = 1) {
  return { id: crypto.randomUUID(), timestamp: new Date(), body, attempts, ack: vi.fn(), retry: vi.fn() };
}

beforeAll(async () => {
  await withDb((db) => provisionLago(db, client, lago.metricCode));
});

describe("Lago provisioning", () => {
  it("sends the metric and plans in Lago's shapes: included seconds free, then the overage per second", async () => {
    const metric = (await simRequests("/billable_metrics")).filter((r) => r.method !== "GET");
    expect(metric.length).toBeGreaterThan(0);
    for (const r of metric) BillableMetricCreateInput.parse(r.body);
    const plans = (await simRequests("/plans")).filter((r) => r.method !== "GET" && r.status === 200);
    for (const r of plans) PlanCreateInput.parse(r.body);
    const scale = await withDb((db) => planById(db, scalePlanId));
    const input = lagoPlanInput(scale!, "metric-id");
    expect(input.amount_cents).toBe(39900);
    expect(input.charges?.[0]?.properties).toEqual({
      graduated_ranges: [
        { from_value: 0, to_value: 600_000, flat_amount: "0", per_unit_amount: "0" },
        { from_value: 600_001, to_value: null, flat_amount: "0", per_unit_amount: "0.0005" },
      ],
    });
    expect(perSecondPrice("0.05")).toBe("0.0008333333");
  });

  it("updates what an earlier run made", async () => {
    const again = await withDb((db) => provisionLago(db, client, lago.metricCode));
    expect(again.plans.every((p) => p.result === "updated")).toBe(true);
  });
});

describe("Lago usage events", () => {
  it("sends the usage row as an event in Lago's shape after the customer and subscription, and marks it sent", async () => {
    const { spaceId, sessionId } = await spaceWithUsage();
    expect(await withDb((db) => sendUsageToLago(db, client, lago, sessionId, "free"))).toEqual({ kind: "sent" });
    const sent = await simRequests(spaceId);
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /customers", "POST /subscriptions", "POST /events"]);
    CustomerCreateInput.parse(sent[0]?.body);
    expect(SubscriptionCreateInput.parse(sent[1]?.body).subscription).toMatchObject({ external_id: spaceId, external_customer_id: spaceId, plan_code: "scale", billing_time: "calendar" });
    const event = EventInput.parse(sent[2]?.body).event;
    expect(event).toMatchObject({ transaction_id: sessionId, external_subscription_id: spaceId, code: "voice_seconds", properties: { billable_seconds: 61, raw_seconds: 61, channel: "phone", direction: "inbound" } });
    const row = await usageRow(sessionId);
    expect(row?.lagoSentAt).toBeInstanceOf(Date);
    expect(row).toMatchObject({ lagoAttempts: 1, lagoLastError: null });
    const [sub] = await withDb((db) => db.select().from(subscriptions).where(eq(subscriptions.spaceId, spaceId)));
    expect(sub?.lagoPlanCode).toBe("scale");
  });

  it("treats Lago's duplicate transaction as sent", async () => {
    const { sessionId } = await spaceWithUsage();
    await withDb((db) => sendUsageToLago(db, client, lago, sessionId, "free"));
    await withDb((db) => db.update(usageRecords).set({ lagoSentAt: null }).where(eq(usageRecords.sessionId, sessionId)));
    expect(await withDb((db) => sendUsageToLago(db, client, lago, sessionId, "free"))).toEqual({ kind: "duplicate" });
    expect((await usageRow(sessionId))?.lagoSentAt).toBeInstanceOf(Date);
  });

  it("retries a 5xx with backoff and records the attempt, then sends on the next delivery", async () => {
    const { sessionId } = await spaceWithUsage();
    await simFail({ method: "POST", path: "/events", status: 503, times: 1, contains: sessionId });
    const first = fakeMessage({ kind: "usage", sessionId }, 3);
    await withDb((db) => consumeBillingMessages(db, client, lago, "free", [first as unknown as Message<unknown>]));
    expect(first.retry).toHaveBeenCalledWith({ delaySeconds: billingRetryDelayS(3) });
    expect(billingRetryDelayS(3)).toBe(40);
    expect(first.ack).not.toHaveBeenCalled();
    let row = await usageRow(sessionId);
    expect(row).toMatchObject({ lagoSentAt: null, lagoAttempts: 1 });
    expect(row?.lagoLastError).toContain("503");
    const second = fakeMessage({ kind: "usage", sessionId }, 4);
    await withDb((db) => consumeBillingMessages(db, client, lago, "free", [second as unknown as Message<unknown>]));
    expect(second.ack).toHaveBeenCalled();
    row = await usageRow(sessionId);
    expect(row?.lagoSentAt).toBeInstanceOf(Date);
    expect(row?.lagoAttempts).toBe(2);
  });

  it("acks a message it can never read and one whose usage row is gone", async () => {
    const bad = fakeMessage({ kind: "usage", sessionId: "nope" });
    const gone = fakeMessage({ kind: "usage", sessionId: newId("session") });
    await withDb((db) => consumeBillingMessages(db, client, lago, "free", [bad, gone] as unknown as Message<unknown>[]));
    expect(bad.ack).toHaveBeenCalled();
    expect(gone.ack).toHaveBeenCalled();
  });

  it("the sweep enqueues rows still unsent ten minutes after they were recorded", async () => {
    const { sessionId } = await spaceWithUsage({ recordedAt: new Date("2000-01-01T00:00:00Z") });
    const fresh = await spaceWithUsage();
    const sent: unknown[] = [];
    const queue = { sendBatch: vi.fn(async (batch: Iterable<MessageSendRequest<{ kind: "usage"; sessionId: string }>>) => void sent.push(...[...batch].map((m) => m.body))) };
    await withDb((db) => sweepUnsentUsage(db, queue as unknown as Queue<{ kind: "usage"; sessionId: string }>, new Date()));
    expect(sent).toContainEqual({ kind: "usage", sessionId });
    expect(sent).not.toContainEqual({ kind: "usage", sessionId: fresh.sessionId });
  });
});

describe("Lago driver", () => {
  it("reads current usage, invoices and the portal from Lago", async () => {
    const { spaceId, sessionId } = await spaceWithUsage();
    await withDb((db) => sendUsageToLago(db, client, lago, sessionId, "free"));
    const driver = lagoDriver(lago, client);
    const state = await withDb((db) => billingStateOf(db, spaceId, "free"));
    const local = { overageAmount: "9.99" } as unknown as Parameters<typeof driver.currentUsage>[2];
    const usage = await withDb((db) => driver.currentUsage(db, state, local));
    expect(usage).toMatchObject({ source: "lago", overageAmount: "0.00" });
    await fetch(`${simUrl}/sim/invoices`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ invoice: { number: `SIM-${sessionId.slice(-8)}`, issuing_date: "2026-12-01", status: "finalized", payment_status: "succeeded", currency: "USD", total_amount_cents: 39900, file_url: "https://lago.example.test/x.pdf", customer: { external_id: spaceId } } }),
    });
    const listed = await withDb((db) => driver.listInvoices(db, spaceId, "free"));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ source: "lago", status: "paid", total: "399.0000" });
    expect(await withDb((db) => driver.portalUrl(db, spaceId))).toContain("/sim/portal/");
  });

  it("aborts a plan change with 503 when Lago fails, and records the plan Lago took otherwise", async () => {
    const { spaceId } = await spaceWithUsage();
    const driver = lagoDriver(lago, client);
    const pro = await withDb((db) => planById(db, "pln_00000000000000000000000002"));
    await simFail({ method: "POST", path: "/subscriptions", status: 500, times: 1, contains: spaceId });
    const err = await withDb((db) => driver.planChanging(db, spaceId, pro!, "now")).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe("upstream_unavailable");
    await withDb((db) => driver.planChanging(db, spaceId, pro!, "now"));
    const [sub] = await withDb((db) => db.select().from(subscriptions).where(eq(subscriptions.spaceId, spaceId)));
    expect(sub?.lagoPlanCode).toBe("pro");
  });
});
