// Billing's production path (BILLING_DRIVER=lago) end to end on one machine, as
// `npm run dev -- --billing lago` runs it: the local stack with the Lago simulator (simulators/lago,
// NOT Lago), provisioned through the admin API by the dev platform Admin. A real call through the
// voice runtime ends; the SessionRoom records its usage and puts the message on the billing queue;
// the Worker's queue consumer (under wrangler dev) sends Lago the usage event. Then a replayed
// delivery (the cron's sweep, run through wrangler's /__scheduled) makes no second event; a signed
// invoice webhook from the simulator becomes the space's invoice; the portal and the overview speak
// Lago. The Worker serves build/public: build first (`npx node scripts/build.ts`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, demoAgentId, usageRecords } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { finishedWebCall } from "./web-call.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import type { LagoSimulator, RecordedRequest } from "../simulators/lago/src/server.ts";
import { token } from "../scripts/bench/api.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-billing-lago-"));

let stack: LocalStack;
let sim: LagoSimulator;
let ownerToken = "";
let sessionId = "";

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort(), lago: { simulatorPort: 0 } });
  if (!stack.lago) throw new Error("the stack started without the Lago simulator");
  sim = stack.lago;
  ownerToken = await token(stack.url);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function call(method: string, path: string): Promise<Response> {
  return fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${ownerToken}` } });
}

async function api<T>(method: string, path: string): Promise<T> {
  const res = await call(method, path);
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function withDb<T>(fn: (db: ReturnType<typeof createDatabase>["db"]) => Promise<T>): Promise<T> {
  const handle = createDatabase({ url: stack.database.databaseUrl, localProxy: stack.database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

const usageRow = () => withDb(async (db) => (await db.select().from(usageRecords).where(eq(usageRecords.sessionId, sessionId)))[0]);
/** The usage events Lago received for the session (the simulator records paths under /api/v1). */
const eventPosts = (): RecordedRequest[] => sim.requests(sessionId).filter((r) => r.method === "POST" && r.path === "/events");

/** A finished call through the runtime (e2e/web-call.ts). */
const finishedCall = () => finishedWebCall({ url: stack.url, agentId: demoAgentId, scratch, statusOf: async (id) => (await api<{ status: string }>("GET", `/v1/sessions/${id}`)).status });

describe("billing through Lago (the simulator) on the local stack", () => {
  it("provisions Lago's metric and plans through the admin API when the stack starts", () => {
    const posted = sim.requests().filter((r) => r.status === 200);
    expect(posted.some((r) => r.method === "POST" && r.path === "/billable_metrics")).toBe(true);
    expect(posted.filter((r) => r.method === "POST" && r.path === "/plans").length).toBeGreaterThan(0);
  });

  it("sends a completed session's usage to Lago from the Worker's queue consumer and marks the row sent", async () => {
    sessionId = await finishedCall();
    await expect.poll(() => eventPosts().filter((r) => r.status === 200).length, { timeout: 30_000, interval: 250 }).toBe(1);
    const [sent] = eventPosts();
    const event = (sent?.body as { event: { transaction_id: string; external_subscription_id: string; code: string; properties: Record<string, unknown> } }).event;
    expect(event).toMatchObject({ transaction_id: sessionId, external_subscription_id: stack.demoSpaceId, code: "voice_seconds" });
    expect(Number(event.properties["billable_seconds"])).toBeGreaterThan(0);
    // The customer and subscription exist at Lago under the space's id before the event.
    expect(sim.requests(stack.demoSpaceId).some((r) => r.method === "POST" && r.path === "/subscriptions" && r.status === 200)).toBe(true);
    await expect.poll(async () => (await usageRow())?.lagoSentAt ?? null, { timeout: 10_000 }).not.toBeNull();
    expect((await usageRow())?.lagoLastError).toBeNull();
  });

  it("a replayed delivery (the cron's sweep of a row that looks unsent) makes no second event", async () => {
    // As if the consumer's write of lago_sent_at had been lost after Lago took the event.
    await withDb((db) => db.update(usageRecords).set({ lagoSentAt: null, recordedAt: sql`now() - interval '11 minutes'` }).where(eq(usageRecords.sessionId, sessionId)));
    const cron = await fetch(`${stack.url}/__scheduled?cron=${encodeURIComponent("*/10 * * * *")}`);
    expect(cron.status, await cron.text()).toBe(200);
    await expect.poll(() => eventPosts().length, { timeout: 30_000, interval: 250 }).toBe(2);
    // Lago refused the second as a transaction it already has; the consumer took that as sent.
    expect(eventPosts().map((r) => r.status)).toEqual([200, 422]);
    await expect.poll(async () => (await usageRow())?.lagoSentAt ?? null, { timeout: 10_000 }).not.toBeNull();
    const row = await usageRow();
    expect(row?.lagoAttempts).toBe(2);
    expect(row?.lagoLastError).toBeNull();
  });

  it("takes the simulator's signed invoice webhook as the space's invoice, status mapped, once", async () => {
    const lagoId = randomUUID();
    const number = `SIM-${lagoId.slice(0, 8)}`;
    const invoice = {
      lago_id: lagoId,
      number,
      issuing_date: new Date().toISOString().slice(0, 10),
      invoice_type: "subscription",
      status: "finalized",
      payment_status: "succeeded",
      currency: "USD",
      total_amount_cents: 4900,
      file_url: `${sim.url}/sim/invoices/${lagoId}.pdf`,
      customer: { lago_id: randomUUID(), external_id: stack.demoSpaceId },
    };
    const uniqueKey = randomUUID();
    const webhook = { url: `${stack.url}/billing/lago/webhooks`, algorithm: "hmac" as const, uniqueKey, body: { webhook_type: "invoice.created", object_type: "invoice", invoice } };
    expect((await sim.sendWebhook(webhook)).status).toBe(200);
    const listed = async () => (await api<{ data: { number: string; status: string; source: string; total: { amount: string } | string }[] }>("GET", `/v1/spaces/${stack.demoSpaceId}/invoices`)).data.filter((i) => i.number === number);
    const [row] = await listed();
    expect(row).toMatchObject({ number, status: "paid", source: "lago" });
    // The same delivery again (Lago's retry: the same X-Lago-Unique-Key) changes nothing.
    expect((await sim.sendWebhook(webhook)).status).toBe(200);
    expect(await listed()).toHaveLength(1);
    // An unsigned request is refused.
    const forged = await fetch(`${stack.url}/billing/lago/webhooks`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(webhook.body) });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).toMatch(/problem\+json/);
  });

  it("hands the Owner the simulator's customer portal and reports the usage as Lago's", async () => {
    const portal = await api<{ url: string }>("POST", `/v1/spaces/${stack.demoSpaceId}/billing/portal`);
    expect(portal.url).toBe(`${sim.url}/sim/portal/${encodeURIComponent(stack.demoSpaceId)}`);
    expect((await fetch(portal.url)).status).toBe(200);
    const overview = await api<{ driver: string; paymentMethod: string; usage: { source: string; usedSeconds: number } }>("GET", `/v1/spaces/${stack.demoSpaceId}/billing`);
    expect(overview).toMatchObject({ driver: "lago", paymentMethod: "portal", usage: { source: "lago" } });
    expect(overview.usage.usedSeconds).toBeGreaterThan(0);
    expect(sim.requests(stack.demoSpaceId).some((r) => r.method === "GET" && r.path.endsWith("/current_usage") && r.status === 200)).toBe(true);
  });
});
