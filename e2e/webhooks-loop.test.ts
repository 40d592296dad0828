// Webhooks both ways on the local stack, as a developer sees them on a laptop: an Owner points two
// endpoints at the Worker's own dev inbox (/dev/webhook-inbox/{box}; dev tools on, so a loopback
// http URL passes the SSRF guard), one of them told to answer 503 to the first attempt of each
// event. A real web call through the voice runtime runs and ends; its session.started and
// session.completed arrive signed (verified here with the `standardwebhooks` package and the secret
// answered at create), the completed payload's transcript link serves the transcript, the flaky
// endpoint's delivery shows the failed attempt and the retry 5 s later, and the deliveries API
// lists both with their attempts. Then an inbound route (action dispatch, bearer verification):
// the same Idempotency-Key twice starts one session and replays the answer; a wrong bearer is
// refused and logged. The Worker serves build/public: build first (`npx node scripts/build.ts`).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, count, eq, gte } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevInboxMessage, InboundHookResult, InboundLogEntry, WebhookDelivery, WebhookDeliveryDetail } from "@speaknode/contracts";
import { inbox as devInbox } from "./dev-inbox.ts";
import { createDatabase, demoAgentId, sessions } from "@speaknode/db";
import { ws } from "@speaknode/db/node";
import { finishedWebCall } from "./web-call.ts";
import { freePort, startLocalStack, type LocalStack } from "../scripts/lib.ts";
import { token } from "../scripts/bench/api.ts";

const scratch = mkdtempSync(join(tmpdir(), "speaknode-e2e-webhooks-"));

let stack: LocalStack;
let ownerToken = "";
let spaceId = "";
const endpoints = { inbox: { id: "", secret: "" }, flaky: { id: "", secret: "" } };
let sessionId = "";

beforeAll(async () => {
  stack = await startLocalStack({ port: await freePort(), workDir: join(scratch, "stack"), quiet: true, runtimeMediaPort: await freePort() });
  ownerToken = await token(stack.url);
  spaceId = stack.demoSpaceId;
});

afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${stack.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function api<T>(method: string, path: string, body?: unknown, status?: number): Promise<T> {
  const res = await call(method, path, body);
  const text = await res.text();
  if (status ? res.status !== status : !res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

async function withDb<T>(fn: (db: ReturnType<typeof createDatabase>["db"]) => Promise<T>): Promise<T> {
  const handle = createDatabase({ url: stack.database.databaseUrl, localProxy: stack.database.localProxy, webSocketConstructor: ws.WebSocket as unknown as typeof WebSocket, max: 1 });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

const hooks = () => `/v1/spaces/${spaceId}/webhooks`;

const inbox = (box: string) => devInbox(stack.url, box);

const sessionOf = (m: DevInboxMessage): string | null => {
  const data = (JSON.parse(m.body) as { data?: { sessionId?: unknown } }).data;
  return typeof data?.sessionId === "string" ? data.sessionId : null;
};

/** The call's messages in a box, oldest first. */
const callMessages = async (box: string) => (await inbox(box)).filter((m) => sessionOf(m) === sessionId).reverse();

/** Verifies with the standardwebhooks package, as a customer's receiver would; throws when it does not verify. */
function verified(secret: string, m: DevInboxMessage): { type: string; timestamp: string; data: Record<string, unknown> } {
  const h = m.headers;
  return new Webhook(secret).verify(m.body, { "webhook-id": h["webhook-id"] ?? "", "webhook-timestamp": h["webhook-timestamp"] ?? "", "webhook-signature": h["webhook-signature"] ?? "" }) as never;
}

describe("webhooks both ways on the local stack", () => {
  it("an Owner creates endpoints at the dev inbox and is shown each signing secret once", async () => {
    for (const [key, box] of [["inbox", "e2e"], ["flaky", "flaky?status=503&fail=1"]] as const) {
      const created = await api<{ id: string; secret: string; secretHint: string; url: string }>(
        "POST",
        `${hooks()}/endpoints`,
        { url: `${stack.url}/dev/webhook-inbox/${box}`, description: `e2e ${key}`, eventTypes: ["session.started", "session.completed"] },
        201,
      );
      expect(created.secret).toMatch(/^whsec_/);
      // The hint is the secret's last characters (after an ellipsis), all a later read shows.
      expect(created.secret.endsWith(created.secretHint.replace(/^…/, ""))).toBe(true);
      endpoints[key] = { id: created.id, secret: created.secret };
      // Never again: reads carry the hint only.
      const read = await api<Record<string, unknown>>("GET", `${hooks()}/endpoints/${created.id}`);
      expect(read).not.toHaveProperty("secret");
    }
  });

  it("delivers a real call's session.started and session.completed, signed, to the inbox", async () => {
    sessionId = await finishedWebCall({ url: stack.url, agentId: demoAgentId, scratch, statusOf: async (id) => (await api<{ status: string }>("GET", `/v1/sessions/${id}`)).status });
    await expect.poll(async () => (await callMessages("e2e")).map((m) => m.eventType).sort(), { timeout: 30_000, interval: 250 }).toEqual(["session.completed", "session.started"]);
    const messages = await callMessages("e2e");
    for (const m of messages) {
      const payload = verified(endpoints.inbox.secret, m);
      expect(payload.type).toBe(m.eventType);
      expect(payload.data["sessionId"]).toBe(sessionId);
      expect(m.webhookId).toMatch(/^evt_/);
      expect(m.headers).toMatchObject({ "content-type": "application/json", "speaknode-event-type": m.eventType, "speaknode-event-version": "1" });
      expect(m.headers["user-agent"]).toMatch(/^Speaknode-Webhooks\//);
      // The inbox checked it too, against the endpoint's stored secret.
      expect(m.signatureValid).toBe(true);
      expect(m.answeredStatus).toBe(200);
    }
    // A body altered in transit no longer verifies.
    const [first] = messages;
    if (!first) throw new Error("no message");
    expect(() => verified(endpoints.inbox.secret, { ...first, body: first.body.replace(sessionId, "ses_00000000000000000000000000") })).toThrow();
  });

  it("the completed payload links the transcript, which serves the call's turns", async () => {
    const completed = (await callMessages("e2e")).find((m) => m.eventType === "session.completed");
    if (!completed) throw new Error("no session.completed in the inbox");
    const { data } = verified(endpoints.inbox.secret, completed);
    expect(data).toMatchObject({ sessionId, agentId: demoAgentId, channel: "widget" });
    expect(data["durationSeconds"]).toEqual(expect.any(Number));
    expect(Date.parse(String(data["linksExpireAt"]))).toBeGreaterThan(Date.now() + 6 * 24 * 3600_000);
    const transcriptUrl = String(data["transcriptUrl"]);
    const res = await fetch(transcriptUrl);
    expect(res.status, transcriptUrl).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/json/);
    const transcript = (await res.json()) as { sessionId: string; turns: { role: string; text: string }[] };
    expect(transcript.sessionId).toBe(sessionId);
    expect(transcript.turns.map((t) => t.role)).toContain("user");
    // The agent greeted the caller by the variable the call was made with.
    expect(transcript.turns.find((t) => t.role === "agent")?.text).toMatch(/Ada/);
    // The link is signed: a tampered signature is refused.
    const forged = new URL(transcriptUrl);
    forged.searchParams.set("sig", `${forged.searchParams.get("sig")?.slice(0, -2) ?? ""}xx`);
    expect((await fetch(forged)).status).toBeGreaterThanOrEqual(400);
  });

  it("retries the endpoint that answered 503: a failed first attempt, then a success about 5 s later", async () => {
    const completed = (await callMessages("e2e")).find((m) => m.eventType === "session.completed");
    const eventId = completed?.webhookId;
    if (!eventId) throw new Error("no session.completed event id");
    const deliveryOf = async () => (await api<{ data: WebhookDelivery[] }>("GET", `${hooks()}/endpoints/${endpoints.flaky.id}/deliveries`)).data.find((d) => d.eventId === eventId);
    await expect.poll(async () => (await deliveryOf())?.status, { timeout: 45_000, interval: 500 }).toBe("succeeded");
    const delivery = await deliveryOf();
    if (!delivery) throw new Error("no delivery");
    expect(delivery.attempts).toBe(2);
    const detail = await api<WebhookDeliveryDetail>("GET", `${hooks()}/deliveries/${delivery.id}`);
    const attempts = [...detail.attemptLog].sort((a, b) => a.number - b.number);
    expect(attempts.map((a) => [a.responseStatus, a.succeeded])).toEqual([
      [503, false],
      [200, true],
    ]);
    const gapMs = Date.parse(attempts[1]?.startedAt ?? "") - Date.parse(attempts[0]?.startedAt ?? "");
    expect(gapMs).toBeGreaterThanOrEqual(4000);
    expect(gapMs).toBeLessThan(30_000);
    // Stored as sent, the signature redacted; the same bytes both times.
    expect(attempts[0]?.requestHeaders["webhook-signature"]).toBe("[redacted]");
    expect(attempts[0]?.requestHeaders["webhook-id"]).toBe(eventId);
    expect(attempts[0]?.requestBody).toBe(attempts[1]?.requestBody);
    // The inbox saw the same two requests, both signed with the flaky endpoint's secret.
    const seen = (await callMessages("flaky")).filter((m) => m.webhookId === eventId);
    expect(seen.map((m) => m.answeredStatus)).toEqual([503, 200]);
    for (const m of seen) expect(verified(endpoints.flaky.secret, m).type).toBe("session.completed");
  });

  it("lists the call's deliveries per space and per endpoint, with their attempts", async () => {
    const messages = await callMessages("e2e");
    const eventIds = messages.map((m) => m.webhookId);
    const ofInbox = (await api<{ data: WebhookDelivery[] }>("GET", `${hooks()}/deliveries?endpointId=${endpoints.inbox.id}`)).data.filter((d) => eventIds.includes(d.eventId));
    expect(ofInbox.map((d) => d.eventType).sort()).toEqual(["session.completed", "session.started"]);
    for (const d of ofInbox) expect(d).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, endpointId: endpoints.inbox.id });
    const completed = (await api<{ data: WebhookDelivery[] }>("GET", `${hooks()}/deliveries?eventType=session.completed`)).data.filter((d) => eventIds.includes(d.eventId));
    expect(completed.map((d) => d.endpointId).sort()).toEqual([endpoints.inbox.id, endpoints.flaky.id].sort());
    const detail = await api<WebhookDeliveryDetail>("GET", `${hooks()}/deliveries/${ofInbox[0]?.id}`);
    expect(detail.attemptLog).toHaveLength(1);
    expect(detail.attemptLog[0]).toMatchObject({ number: 1, responseStatus: 200, succeeded: true, trigger: "auto" });
    expect(detail.payload).toMatchObject({ type: detail.eventType, data: { sessionId } });
  });

  describe("an inbound route that dispatches a web session, verified by a bearer secret", () => {
    let route = { id: "", secret: "", url: "" };
    const hookPath = () => `/hooks/${spaceId}/e2e-dispatch`;
    const post = (bearer: string, idempotencyKey: string) =>
      fetch(`${stack.url}${hookPath()}`, { method: "POST", headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", "idempotency-key": idempotencyKey }, body: JSON.stringify({ contact: { name: "Grace" } }) });
    const routeLog = async (outcome?: string) => (await api<{ data: InboundLogEntry[] }>("GET", `${hooks()}/inbound-log?routeId=${route.id}${outcome ? `&outcome=${outcome}` : ""}`)).data;

    it("creates the route and answers its URL and secret", async () => {
      const created = await api<{ id: string; secret: string; url: string }>(
        "POST",
        `${hooks()}/routes`,
        { name: "e2e-dispatch", verification: { method: "bearer" }, action: "dispatch", agentId: demoAgentId, mapping: { variables: { customer_name: "/contact/name" } } },
        201,
      );
      expect(created.url).toBe(`${stack.url}${hookPath()}`);
      expect(created.secret.length).toBeGreaterThanOrEqual(16);
      route = created;
    });

    it("the same Idempotency-Key twice starts one session and replays the first answer", async () => {
      const before = new Date(Date.now() - 1000);
      const first = await post(route.secret, "crm-record-42");
      const firstBody = (await first.json()) as InboundHookResult;
      expect(first.status, JSON.stringify(firstBody)).toBe(201);
      expect(firstBody).toMatchObject({ routeId: route.id, action: "dispatch", replayed: false });
      expect(firstBody.sessionId).toMatch(/^ses_/);
      expect(firstBody.joinUrl).toEqual(expect.any(String));
      const second = await post(route.secret, "crm-record-42");
      const secondBody = (await second.json()) as InboundHookResult;
      expect(second.status, JSON.stringify(secondBody)).toBe(200);
      expect(secondBody).toMatchObject({ routeId: route.id, replayed: true, sessionId: firstBody.sessionId });
      const started = await withDb(async (db) => (await db.select({ n: count() }).from(sessions).where(and(eq(sessions.spaceId, spaceId), gte(sessions.createdAt, before))))[0]?.n);
      expect(started).toBe(1);
      const session = await api<{ variables: Record<string, unknown>; channel: string }>("GET", `/v1/sessions/${firstBody.sessionId}`);
      expect(session).toMatchObject({ channel: "api", variables: { customer_name: "Grace" } });
      // Both requests were logged: one processed, one ignored as a replay.
      expect((await routeLog("processed")).map((r) => r.sessionId)).toEqual([firstBody.sessionId]);
      expect(await routeLog("ignored")).toHaveLength(1);
    });

    it("a wrong bearer is refused with 401 and logged as refused", async () => {
      const res = await post(`${route.secret}-wrong`, "crm-record-43");
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      const refused = await routeLog("refused");
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ provider: "route", signatureValid: false, sessionId: null });
      // The secret sent is not in the log.
      expect(JSON.stringify(refused[0])).not.toContain(route.secret);
    });
  });
});
