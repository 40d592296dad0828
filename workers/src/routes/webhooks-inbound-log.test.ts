import { beforeAll, describe, expect, it } from "vitest";
import { InboundLogEntry, newId } from "@speaknode/contracts";
import { inboundWebhookLog } from "@speaknode/db";
import { call, expectProblem, makeWorld, newUser, withDb, type World } from "../../test/helpers.ts";

type Row = typeof inboundWebhookLog.$inferInsert;

/** One log row as the receivers write them; ids made in order so "newest first" is known. */
function row(over: Partial<Row>): Row {
  return {
    id: newId("webhookLog"),
    provider: "twilio",
    kind: "status",
    connectionId: null,
    spaceId: null,
    method: "POST",
    url: "https://api.example.test/telephony/twilio/status",
    headers: { "x-twilio-signature": "[redacted]" },
    params: { CallSid: "CA1", CallStatus: "ringing" },
    signatureValid: true,
    outcome: "accepted",
    requestId: "req_test",
    ...over,
  };
}

async function insertInOrder(rows: Row[]): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    // A millisecond apart: ids sort by their creation time.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const id = newId("webhookLog");
    ids.push(id);
    await withDb((db) => db.insert(inboundWebhookLog).values({ ...r, id }));
  }
  return ids;
}

let world: World;
let ids: string[];
const routeId = newId("inboundRoute");

beforeAll(async () => {
  world = await makeWorld();
  const received = new Date(Date.now() - 1000);
  ids = await insertInOrder([
    row({ spaceId: world.spaceId, outcome: "processed", routing: "status queue", receivedAt: received, processedAt: new Date(received.getTime() + 250) }),
    row({ spaceId: world.spaceId, provider: "route", kind: "hook", routeId, payload: { contact: { phone: "+15550001234" } }, outcome: "refused", signatureValid: false, routing: "signature refused" }),
    row({ spaceId: world.spaceId, provider: "route", kind: "hook", routeId, payload: { n: 2 }, outcome: "processed", routing: "call ses_x", processedAt: new Date() }),
    row({ spaceId: world.otherSpaceId, routing: "status queue" }),
  ]);
});

describe("GET /v1/spaces/{spaceId}/webhooks/inbound-log", () => {
  it("shows a member the space's requests newest first, each with its routing and processing time", async () => {
    const res = await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log`, { token: world.member.token });
    expect(res.status).toBe(200);
    const data = (res.body.data ?? []).map((e) => InboundLogEntry.parse(e));
    expect(data.map((e) => e.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(data[2]).toMatchObject({ provider: "twilio", routing: "status queue", outcome: "processed", processingMs: 250, payload: null });
    expect(data[1]).toMatchObject({ provider: "route", kind: "hook", routeId, payload: { contact: { phone: "+15550001234" } }, signatureValid: false, processedAt: null, processingMs: null });
    expect(res.body["nextCursor"]).toBeNull();
  });

  it("filters by provider, outcome, route and time", async () => {
    const list = async (query: string) => {
      const res = await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log?${query}`, { token: world.apiKey });
      expect(res.status).toBe(200);
      return (res.body.data ?? []).map((e) => e["id"]);
    };
    expect(await list("provider=twilio")).toEqual([ids[0]]);
    expect(await list("outcome=refused")).toEqual([ids[1]]);
    expect(await list(`routeId=${routeId}&outcome=processed`)).toEqual([ids[2]]);
    expect(await list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
  });

  it("pages with an opaque cursor until the last page", async () => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 5; pages++) {
      const res = await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { token: world.owner.token });
      expect(res.status).toBe(200);
      seen.push(...(res.body.data ?? []).map((e) => e["id"]));
      cursor = res.body["nextCursor"] as string | null;
      if (!cursor) break;
      expect(cursor).not.toMatch(/^iwh_/);
    }
    expect(seen).toEqual([ids[2], ids[1], ids[0]]);
  });

  it("refuses outsiders, a cursor it did not give and the Admin-only filter", async () => {
    expectProblem(await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log`, { token: world.outsider.token }), 404, "not_found");
    expectProblem(await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log`), 401, "unauthorized");
    expectProblem(await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log?cursor=${btoa("log:nope")}`, { token: world.owner.token }), 400, "validation_failed");
    expectProblem(await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log?cursor=${ids[0]}`, { token: world.owner.token }), 400, "validation_failed");
    expectProblem(await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log?spaceless=true`, { token: world.owner.token }), 400, "validation_failed");
    expectProblem(await call("GET", `/v1/spaces/${world.spaceId}/webhooks/inbound-log?outcome=lost`, { token: world.owner.token }), 400, "validation_failed");
  });
});

describe("GET /v1/admin/webhooks/inbound-log", () => {
  it("shows the platform Admin every request, or only those with no space", async () => {
    const admin = await newUser({ roles: ["platform-admin"] });
    const [spaceless] = await insertInOrder([row({ provider: "lago", kind: "billing", routing: "billing: invoice.created", outcome: "processed", processedAt: new Date() })]);
    // Other tests write to the log meanwhile: page until ours are seen, newest first.
    const collect = async (query: string, want: string[]) => {
      const seen: InboundLogEntry[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 50 && !want.every((id) => seen.some((e) => e.id === id)); pages++) {
        const res = await call("GET", `/v1/admin/webhooks/inbound-log?limit=100${query}${cursor ? `&cursor=${cursor}` : ""}`, { token: admin.token });
        expect(res.status).toBe(200);
        seen.push(...(res.body.data ?? []).map((e) => InboundLogEntry.parse(e)));
        cursor = res.body["nextCursor"] as string | null;
        if (!cursor) break;
      }
      return seen;
    };
    const all = await collect("", [spaceless ?? "", ...ids]);
    expect(all.map((e) => e.id).filter((id) => id === spaceless || ids.includes(id))).toEqual([spaceless, ids[3], ids[2], ids[1], ids[0]]);
    const onlySpaceless = await collect("&spaceless=true", [spaceless ?? ""]);
    expect(onlySpaceless.find((e) => e.id === spaceless)).toMatchObject({ provider: "lago", spaceId: null, routing: "billing: invoice.created" });
    expect(onlySpaceless.every((e) => e.spaceId === null)).toBe(true);
  });

  it("refuses anyone but the platform Admin", async () => {
    expectProblem(await call("GET", "/v1/admin/webhooks/inbound-log", { token: world.owner.token }), 403, "forbidden");
    expectProblem(await call("GET", "/v1/admin/webhooks/inbound-log", { token: world.apiKey }), 403, "forbidden");
  });
});
