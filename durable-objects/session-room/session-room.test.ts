// SessionRoom's RPC surface and alarms, driven through a real stub inside workerd.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { SessionInitCommand } from "@speaknode/contracts";
import type { SessionRoom } from "./index.ts";

const { SESSION_ROOM } = env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom> };

const minute = 60_000;

function newRoom() {
  const sessionId = `ses_${crypto.randomUUID()}`;
  return { sessionId, stub: SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId)) };
}

async function initRoom(timeouts: Partial<SessionInitCommand> = {}) {
  const room = newRoom();
  const init = await room.stub.init({ sessionId: room.sessionId, dispatchTimeoutMs: minute, heartbeatTimeoutMs: minute, maxDurationMs: 60 * minute, ...timeouts });
  expect(init).toMatchObject({ ok: true, status: "pending" });
  return room;
}

async function activeRoom(timeouts: Partial<SessionInitCommand> = {}) {
  const room = await initRoom(timeouts);
  expect(await room.stub.transition({ to: "dispatching" })).toMatchObject({ ok: true, status: "dispatching" });
  expect(await room.stub.publish({ eventId: "ready", event: { type: "agent.ready" } })).toMatchObject({ ok: true, status: "active" });
  return room;
}

function alarmAt(room: ReturnType<typeof newRoom>) {
  return runInDurableObject(room.stub, (_instance, state) => state.storage.getAlarm());
}

/** Moves one of the room's times back by `ms`, as if that much time had passed since. */
function backdate(room: ReturnType<typeof newRoom>, column: "last_heartbeat_at" | "started_at", ms: number) {
  return runInDurableObject(room.stub, (_instance, state) => void state.storage.sql.exec(`UPDATE session SET ${column} = ${column} - ? WHERE id = 1`, ms));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("SessionRoom commands", () => {
  it("creates a pending session on init, and a repeated init changes nothing", async () => {
    const room = await initRoom();
    const again = await room.stub.init({ sessionId: room.sessionId, dispatchTimeoutMs: 5, heartbeatTimeoutMs: 5, maxDurationMs: 5 });
    expect(again).toMatchObject({ ok: true, sessionId: room.sessionId, status: "pending", seq: 0, dispatchTimeoutMs: minute, failureReason: null, startedAt: null });
  });

  it("dispatch creates the room in Dispatching with its event and its one deadline; a repeat is refused and changes nothing", async () => {
    const room = newRoom();
    const before = Date.now();
    const moved = await room.stub.dispatch({ sessionId: room.sessionId, dispatchTimeoutMs: minute, heartbeatTimeoutMs: 2 * minute, maxDurationMs: 60 * minute, campaign: { campaignId: "cmp_1", attemptId: "cat_1" } });
    expect(moved).toMatchObject({ ok: true, sessionId: room.sessionId, status: "dispatching", seq: 1, failureReason: null, heartbeatTimeoutMs: 2 * minute, startedAt: null, endedAt: null });
    // The answer is what the room stored, not just what it was told.
    const state = await room.stub.state();
    expect(state).toEqual(moved);
    const createdAt = state.ok ? Date.parse(state.createdAt) : NaN;
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(await alarmAt(room)).toBe(createdAt + minute);
    const stored = await runInDurableObject(room.stub, (_instance, s) => ({
      events: s.storage.sql.exec<{ json: string }>("SELECT json FROM events ORDER BY seq").toArray().map((r) => JSON.parse(r.json) as { type: string; status?: string; seq: number }),
      link: s.storage.sql.exec("SELECT campaign_id, attempt_id, notice FROM campaign_link").toArray(),
    }));
    expect(stored.events).toMatchObject([{ type: "session.status", status: "dispatching", seq: 1 }]);
    expect(stored.link).toEqual([{ campaign_id: "cmp_1", attempt_id: "cat_1", notice: 0 }]);

    const again = await room.stub.dispatch({ sessionId: room.sessionId, dispatchTimeoutMs: 5, heartbeatTimeoutMs: 5, maxDurationMs: 5 });
    expect(again).toMatchObject({ ok: false, code: "invalid_transition" });
    expect(await room.stub.dispatch({ sessionId: "ses_other", dispatchTimeoutMs: 5, heartbeatTimeoutMs: 5, maxDurationMs: 5 })).toMatchObject({ ok: false, code: "session_mismatch" });
    expect(await room.stub.state()).toEqual(moved);
    expect(await alarmAt(room)).toBe(createdAt + minute);
  });

  it("dispatch refuses a bad command without creating the room", async () => {
    const room = newRoom();
    expect(await room.stub.dispatch({ sessionId: room.sessionId, dispatchTimeoutMs: -1, heartbeatTimeoutMs: minute, maxDurationMs: minute })).toMatchObject({ ok: false, code: "invalid_command" });
    expect(await room.stub.state()).toMatchObject({ ok: false, code: "not_initialized" });
  });

  it("refuses an init for a different session id", async () => {
    const room = await initRoom();
    const other = await room.stub.init({ sessionId: "ses_other", dispatchTimeoutMs: 1, heartbeatTimeoutMs: 1, maxDurationMs: 1 });
    expect(other).toMatchObject({ ok: false, code: "session_mismatch" });
  });

  it("answers commands before init with not_initialized", async () => {
    const { stub } = newRoom();
    expect(await stub.state()).toMatchObject({ ok: false, code: "not_initialized" });
    expect(await stub.transition({ to: "dispatching" })).toMatchObject({ ok: false, code: "not_initialized" });
    expect(await stub.publish({ eventId: "e1", event: { type: "agent.ready" } })).toMatchObject({ ok: false, code: "not_initialized" });
    expect(await stub.heartbeat()).toMatchObject({ ok: false, code: "not_initialized" });
  });

  it("validates every command and names the bad field", async () => {
    const { stub, sessionId } = newRoom();
    const bad = await stub.init({ sessionId, dispatchTimeoutMs: -1, heartbeatTimeoutMs: minute, maxDurationMs: minute });
    expect(bad).toMatchObject({ ok: false, code: "invalid_command" });
    expect(bad.ok === false && bad.message).toMatch(/dispatchTimeoutMs/);
    const room = await initRoom();
    const unknownType = { eventId: "e1", event: { type: "agent.gone" } } as unknown as Parameters<typeof stub.publish>[0];
    expect(await room.stub.publish(unknownType)).toMatchObject({ ok: false, code: "invalid_command" });
  });

  it("moves through dispatching and active to completed, announcing each step", async () => {
    const room = await initRoom();
    expect(await room.stub.transition({ to: "dispatching", reason: "agent requested" })).toMatchObject({ ok: true, status: "dispatching", seq: 1 });
    const active = await room.stub.transition({ to: "active" });
    expect(active).toMatchObject({ ok: true, status: "active", seq: 2 });
    expect(active.ok && active.startedAt).toEqual(expect.any(String));
    const done = await room.stub.transition({ to: "completed" });
    expect(done).toMatchObject({ ok: true, status: "completed", seq: 3, failureReason: null });
    expect(done.ok && done.endedAt).toEqual(expect.any(String));
  });

  it("returns an invalid transition as a result with a code instead of throwing", async () => {
    const room = await initRoom();
    expect(await room.stub.transition({ to: "active" })).toEqual({ ok: false, code: "invalid_transition", message: "cannot move a session from pending to active" });
    expect(await room.stub.transition({ to: "failed" })).toMatchObject({ ok: false, code: "invalid_transition", message: "failing a session needs a reason" });
    expect(await room.stub.transition({ to: "failed", reason: "caller hung up" })).toMatchObject({ ok: true, status: "failed", failureReason: "caller hung up" });
    expect(await room.stub.transition({ to: "completed" })).toMatchObject({ ok: false, code: "invalid_transition", message: "the session is already failed" });
    expect(await room.stub.state()).toMatchObject({ ok: true, status: "failed", failureReason: "caller hung up" });
  });

  it("stores an event published twice under one eventId once, and returns the same seq", async () => {
    const room = await activeRoom();
    const event = { type: "transcript.final", turnId: "t1", role: "user", text: "hello", language: "en" } as const;
    const first = await room.stub.publish({ eventId: "evt-1", event });
    const second = await room.stub.publish({ eventId: "evt-1", event: { ...event, text: "changed" } });
    expect(first).toMatchObject({ ok: true, duplicate: false });
    expect(second).toEqual({ ok: true, seq: first.ok ? first.seq : -1, duplicate: true, status: "active" });
    expect(await room.stub.state()).toMatchObject({ seq: first.ok ? first.seq : -1 });
  });

  it("moves a dispatching session to active on agent.ready, once", async () => {
    const room = await initRoom();
    await room.stub.transition({ to: "dispatching" });
    const ready = await room.stub.publish({ eventId: "ready", event: { type: "agent.ready" } });
    expect(ready).toEqual({ ok: true, seq: 2, duplicate: false, status: "active" });
    const state = await room.stub.state();
    expect(state).toMatchObject({ ok: true, status: "active", seq: 3 });
    expect(state.ok && state.startedAt).toBe(state.ok && state.lastHeartbeatAt);
    expect(await room.stub.publish({ eventId: "ready", event: { type: "agent.ready" } })).toMatchObject({ ok: true, seq: 2, duplicate: true });
    expect(await room.stub.publish({ eventId: "ready-again", event: { type: "agent.ready" } })).toMatchObject({ ok: false, code: "invalid_transition" });
  });

  it("accepts conversation events only while the session is active", async () => {
    const room = await initRoom();
    const partial = { type: "transcript.partial", turnId: "t1", role: "user", text: "hel" } as const;
    expect(await room.stub.publish({ eventId: "p1", event: partial })).toMatchObject({ ok: false, code: "invalid_state" });
    expect(await room.stub.heartbeat()).toMatchObject({ ok: false, code: "invalid_state" });
  });

  it("completes on a published session.completed and keeps its audio flag and duration", async () => {
    const room = await activeRoom();
    const done = await room.stub.publish({ eventId: "end", event: { type: "session.completed", audioAvailable: true, durationMs: 4200 } });
    expect(done).toMatchObject({ ok: true, duplicate: false, status: "completed" });
    expect(await room.stub.publish({ eventId: "end", event: { type: "session.completed", audioAvailable: true } })).toMatchObject({ ok: true, duplicate: true });
    const late = await room.stub.publish({ eventId: "late", event: { type: "tool.called", toolCallId: "c1", name: "lookup", status: "ok", latencyMs: 12 } });
    expect(late).toMatchObject({ ok: false, code: "invalid_state" });
  });
});

describe("SessionRoom alarms", () => {
  it("keeps one alarm at the nearest deadline of the current status, and none once ended", async () => {
    const room = await initRoom({ dispatchTimeoutMs: 2 * minute, heartbeatTimeoutMs: minute, maxDurationMs: 30 * minute });
    const init = await room.stub.state();
    expect(await alarmAt(room)).toBe(Date.parse(init.ok ? init.createdAt : "") + 2 * minute);
    await room.stub.transition({ to: "dispatching" });
    await room.stub.publish({ eventId: "ready", event: { type: "agent.ready" } });
    const active = await room.stub.state();
    expect(await alarmAt(room)).toBe(Date.parse(active.ok && active.lastHeartbeatAt ? active.lastHeartbeatAt : "") + minute);
    await room.stub.transition({ to: "completed" });
    expect(await alarmAt(room)).toBeNull();
    expect(await runDurableObjectAlarm(room.stub)).toBe(false);
  });

  it("fails a session whose agent does not join within the dispatch timeout", async () => {
    const room = await initRoom({ dispatchTimeoutMs: 1 });
    await room.stub.transition({ to: "dispatching" });
    await sleep(20);
    // Miniflare fires due alarms on its own, so this only forces one that has not run yet.
    await runDurableObjectAlarm(room.stub);
    expect(await room.stub.state()).toMatchObject({ ok: true, status: "failed", failureReason: "agent did not join" });
    expect(await alarmAt(room)).toBeNull();
  });

  it("leaves a session alone when the alarm runs before any deadline, and re-arms it", async () => {
    const room = await initRoom({ dispatchTimeoutMs: minute });
    expect(await runDurableObjectAlarm(room.stub)).toBe(true);
    expect(await room.stub.state()).toMatchObject({ ok: true, status: "pending" });
    expect(await alarmAt(room)).toEqual(expect.any(Number));
  });

  it("fails an active session whose runtime stops sending heartbeats", async () => {
    const room = await activeRoom({ heartbeatTimeoutMs: minute });
    expect(await room.stub.heartbeat()).toMatchObject({ ok: true, status: "active" });
    // Time is moved by backdating the room's clock fields, not by sleeping: the row write to Active
    // (a transaction with the Worker's events) takes as long as the database does.
    await backdate(room, "last_heartbeat_at", minute - 10_000);
    await runDurableObjectAlarm(room.stub);
    expect(await room.stub.state()).toMatchObject({ status: "active" });
    await backdate(room, "last_heartbeat_at", 10_001);
    await runDurableObjectAlarm(room.stub);
    expect(await room.stub.state()).toMatchObject({ ok: true, status: "failed", failureReason: "runtime lost" });
  });

  it("fails an active session that runs past its maximum duration even with heartbeats", async () => {
    const room = await activeRoom({ heartbeatTimeoutMs: minute, maxDurationMs: 10 * minute });
    await backdate(room, "started_at", 10 * minute - 10_000);
    expect(await room.stub.heartbeat()).toMatchObject({ ok: true, status: "active" });
    await runDurableObjectAlarm(room.stub);
    expect(await room.stub.state()).toMatchObject({ status: "active" });
    await backdate(room, "started_at", 10_001);
    expect(await room.stub.heartbeat()).toMatchObject({ ok: true, status: "active" });
    await runDurableObjectAlarm(room.stub);
    expect(await room.stub.state()).toMatchObject({ ok: true, status: "failed", failureReason: "maximum duration reached" });
  });
});
