import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, origin, testEnv, withDb } from "../../test/helpers.ts";
import { verifySessionToken } from "@speaknode/tokens";
import { subscribe } from "../runtime/testing.ts";
import type { SessionRoom } from "../../../durable-objects/session-room/index.ts";

const dispatch = (token: string, agentId: string, json: unknown) => call("POST", `/v1/agents/${agentId}/sessions`, { token, json });

describe("sessions: dispatch", () => {
  it("dispatches a draft agent: row with coerced variables, a local media token, and live events", async () => {
    const w = await makeWorld();
    const res = await dispatch(w.apiKey, w.agentId, { variables: { order_id: 42 }, channel: { type: "api", callerId: "crm-7" } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "dispatching", agentId: w.agentId, agentVersion: null, language: "en-US" });
    const sessionId = String(res.body["sessionId"]);
    expect(sessionId).toMatch(/^ses_/);
    const media = res.body["media"] as { driver: string; url: string; token: string; sampleRateHz: number };
    expect(media).toMatchObject({ driver: "local", sampleRateHz: 16000 });
    expect(await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, media.token, "media")).toMatchObject({ sessionId, agentId: w.agentId });
    // A media token does not open the events channel, and vice versa.
    expect(await verifySessionToken(testEnv.RUNTIME_TOKEN_SECRET, media.token, "events")).toBeNull();

    const session = await call("GET", `/v1/sessions/${sessionId}`, { token: w.member.token });
    expect(session.body).toMatchObject({ status: "dispatching", channel: "api", caller: "crm-7", variables: { customer_name: "there", order_id: 42 } });

    const events = await subscribe(String(res.body["eventsUrl"]));
    const welcome = await events.next();
    expect(welcome).toMatchObject({ type: "welcome", sessionId, status: "dispatching" });
    events.ws.close(1000);
  });

  it("writes the room's status changes through to the session's row", async () => {
    const w = await makeWorld();
    const res = await dispatch(w.owner.token, w.agentId, { variables: { order_id: 5 } });
    const sessionId = String(res.body["sessionId"]);
    const { env } = await import("cloudflare:workers");
    const ns = (env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom> }).SESSION_ROOM;
    const room = ns.get(ns.idFromName(sessionId));
    expect(await room.publish({ eventId: "evt-ready-1", event: { type: "agent.ready" } })).toMatchObject({ ok: true, status: "active" });
    const active = await call("GET", `/v1/sessions/${sessionId}`, { token: w.owner.token });
    expect(active.body).toMatchObject({ status: "active", startedAt: expect.any(String), endedAt: null });
    await room.transition({ to: "failed", reason: "caller hung up during a test" });
    const failed = await call("GET", `/v1/sessions/${sessionId}`, { token: w.owner.token });
    expect(failed.body).toMatchObject({ status: "failed", failureReason: "caller hung up during a test", endedAt: expect.any(String) });
  });

  it("runs the published version when there is one", async () => {
    const w = await makeWorld();
    await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token });
    const res = await dispatch(w.owner.token, w.agentId, { variables: { order_id: 1 } });
    expect(res.body["agentVersion"]).toBe(1);
  });

  it.each([
    ["a variable of the wrong type", { variables: { order_id: "forty-two" } }, "body.variables.order_id"],
    ["a missing required variable", { variables: {} }, "body.variables.order_id"],
    ["an undeclared variable", { variables: { order_id: 1, vip: true } }, "body.variables.vip"],
    ["a language the agent does not speak", { variables: { order_id: 1 }, language: "fr" }, "body.language"],
  ])("refuses %s naming the field, and creates no session", async (_what, body, field) => {
    const w = await makeWorld();
    const res = await dispatch(w.owner.token, w.agentId, body);
    expectProblem(res, 400, "validation_failed");
    expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
    const rows = await withDb((db) => db.select().from(sessions).where(eq(sessions.agentId, w.agentId)));
    expect(rows).toHaveLength(0);
  });

  it("refuses the live channel without a valid token for that very session", async () => {
    const w = await makeWorld();
    const a = await dispatch(w.owner.token, w.agentId, { variables: { order_id: 1 } });
    const b = await dispatch(w.owner.token, w.agentId, { variables: { order_id: 2 } });
    const tokenOfB = new URL(String(b.body["eventsUrl"])).searchParams.get("token") ?? "";
    const upgrade = { upgrade: "websocket" };
    expectProblem(await call("GET", `/live/sessions/${String(a.body["sessionId"])}?token=${tokenOfB}`, { headers: upgrade }), 401, "unauthorized");
    expectProblem(await call("GET", `/live/sessions/${String(a.body["sessionId"])}?token=nope`, { headers: upgrade }), 401, "unauthorized");
    expectProblem(await call("GET", `/live/sessions/${String(a.body["sessionId"])}`), 400, "malformed_request");
  });
});

describe("sessions: history", () => {
  it("lists newest first with filters and stable cursor paging", async () => {
    const w = await makeWorld();
    const ids: string[] = [];
    for (const [i, caller] of ["alice", "bob", "alice"].entries()) {
      const res = await dispatch(w.owner.token, w.agentId, { variables: { order_id: i }, channel: { type: "api", callerId: caller } });
      ids.push(String(res.body["sessionId"]));
    }
    const base = `/v1/spaces/${w.spaceId}/sessions`;
    const first = await call("GET", `${base}?limit=2`, { token: w.member.token });
    expect(first.body.data?.map((s) => s["id"])).toEqual([ids[2], ids[1]]);
    const second = await call("GET", `${base}?limit=2&cursor=${String(first.body["nextCursor"])}`, { token: w.member.token });
    expect(second.body.data?.map((s) => s["id"])).toEqual([ids[0]]);
    expect(second.body["nextCursor"]).toBeNull();
    const alice = await call("GET", `${base}?caller=alice&agentId=${w.agentId}&status=dispatching&channel=api`, { token: w.member.token });
    expect(alice.body.data?.map((s) => s["id"])).toEqual([ids[2], ids[0]]);
    const future = await call("GET", `${base}?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: w.member.token });
    expect(future.body.data).toEqual([]);
    expectProblem(await call("GET", `${base}?status=running`, { token: w.member.token }), 400, "validation_failed");
    const other = await call("GET", `/v1/spaces/${w.otherSpaceId}/sessions`, { token: w.outsider.token });
    expect(other.body.data).toEqual([]);
  });
});
