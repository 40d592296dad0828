import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { schema } from "@speaknode/db";
import { call, expectProblem, withDb } from "../../test/helpers.ts";
import { env } from "cloudflare:workers";
import { applyRuntimeEvent } from "../runtime/events.ts";
import { dispatched, postEvent, runtimeCall, subscribe } from "../runtime/testing.ts";
import { sessionRoomIn, type SessionRoomStub } from "../sessions/room.ts";

const { sessions, sessionRuntimeEvents, sessionToolCalls, sessionTurns } = schema;

const t0 = Date.parse("2026-11-25T10:00:00Z");
const at = (ms: number) => new Date(t0 + ms).toISOString();
const userTurn = {
  type: "turn",
  turnId: "t1",
  role: "user",
  text: "Where is my order?",
  language: "en-US",
  startedAt: at(0),
  endedAt: at(1500),
  metrics: { endOfUtteranceDelayMs: 320, sttFinalMs: 180 },
};
const agentTurn = {
  type: "turn",
  turnId: "t2",
  role: "agent",
  text: "It ships tomorrow.",
  startedAt: at(2100),
  endedAt: at(3900),
  metrics: { llmTimeToFirstTokenMs: 240, toolMs: 410, ttsTimeToFirstByteMs: 95, voiceToVoiceMs: 850 },
};
const toolCall = { type: "tool.call", toolCallId: "call-1", name: "order_status", turnId: "t2", request: { orderId: 42 }, response: { status: "shipped" }, status: "ok", latencyMs: 410, startedAt: at(1700) };

describe("runtime API: events", () => {
  it("runs a conversation: ready, turns and a tool call, completion; stored in Postgres and seen live", async () => {
    const { world: w, sessionId, eventsUrl } = await dispatched();
    const live = await subscribe(eventsUrl);
    expect(await live.next()).toMatchObject({ type: "welcome", status: "dispatching" });

    expect((await postEvent(sessionId, "e1", { type: "agent.ready" })).body).toEqual({ eventId: "e1", duplicate: false, live: true });
    expect(await live.next()).toMatchObject({ type: "agent.ready" });
    expect(await live.next()).toMatchObject({ type: "session.status", status: "active" });

    expect((await postEvent(sessionId, "e2", { type: "heartbeat" })).body).toEqual({ eventId: "e2", duplicate: false, live: false });
    expect((await postEvent(sessionId, "e3", { type: "transcript.partial", turnId: "t1", role: "user", text: "Where is" })).status).toBe(200);
    expect(await live.next()).toMatchObject({ type: "transcript.partial", turnId: "t1", text: "Where is" });
    expect((await postEvent(sessionId, "e4", userTurn)).body).toEqual({ eventId: "e4", duplicate: false, live: true });
    expect(await live.next()).toMatchObject({ type: "transcript.final", turnId: "t1", role: "user", text: "Where is my order?", language: "en-US" });
    expect((await postEvent(sessionId, "e5", toolCall)).status).toBe(200);
    expect(await live.next()).toMatchObject({ type: "tool.called", toolCallId: "call-1", name: "order_status", status: "ok", latencyMs: 410 });
    expect((await postEvent(sessionId, "e6", agentTurn)).status).toBe(200);
    expect(await live.next()).toMatchObject({ type: "transcript.final", turnId: "t2", role: "agent" });
    const handoff = { type: "agent.transferred", fromAgentId: w.agentId, toAgentId: w.otherAgentId, reason: "the caller asked about invoices", language: "en-US" };
    expect((await postEvent(sessionId, "e6b", handoff)).body).toEqual({ eventId: "e6b", duplicate: false, live: true });
    expect(await live.next()).toMatchObject({ type: "agent.transferred", fromAgentId: w.agentId, toAgentId: w.otherAgentId, language: "en-US" });
    const done = await postEvent(sessionId, "e7", { type: "completed", tokenUsage: { prompt: 1200, completion: 85 }, durationMs: 4000, endReason: "token_limit" });
    expect(done.body).toEqual({ eventId: "e7", duplicate: false, live: true });
    expect(await live.next()).toMatchObject({ type: "session.completed", durationMs: 4000, audioAvailable: false });

    const session = await call("GET", `/v1/sessions/${sessionId}`, { token: w.owner.token });
    expect(session.body).toMatchObject({ status: "completed", endReason: "token_limit", startedAt: expect.any(String), endedAt: expect.any(String) });
    const stored = await withDb(async (db) => ({
      turns: await db.select().from(sessionTurns).where(eq(sessionTurns.sessionId, sessionId)).orderBy(asc(sessionTurns.startedAt)),
      calls: await db.select().from(sessionToolCalls).where(eq(sessionToolCalls.sessionId, sessionId)),
      row: (await db.select().from(sessions).where(eq(sessions.id, sessionId)))[0],
      ledger: await db.select().from(sessionRuntimeEvents).where(eq(sessionRuntimeEvents.sessionId, sessionId)),
    }));
    expect(stored.turns.map((t) => [t.turnId, t.role, t.text])).toEqual([
      ["t1", "user", "Where is my order?"],
      ["t2", "agent", "It ships tomorrow."],
    ]);
    expect(stored.turns[0]).toMatchObject({ language: "en-US", endOfUtteranceDelayMs: 320, sttFinalMs: 180, llmTtftMs: null, startedAt: new Date(t0), endedAt: new Date(t0 + 1500) });
    expect(stored.turns[1]).toMatchObject({ llmTtftMs: 240, toolMs: 410, ttsTtfbMs: 95, voiceToVoiceMs: 850, interrupted: false });
    expect(stored.calls).toEqual([expect.objectContaining({ toolCallId: "call-1", name: "order_status", request: { orderId: 42 }, response: { status: "shipped" }, status: "ok", latencyMs: 410 })]);
    expect(stored.row).toMatchObject({ status: "completed", promptTokens: 1200, completionTokens: 85 });
    // Partial transcripts are live only.
    expect(stored.ledger.map((e) => e.eventId).sort()).toEqual(["e1", "e2", "e4", "e5", "e6", "e6b", "e7"]);
    expect(stored.ledger.find((e) => e.eventId === "e6b")?.detail).toEqual({ fromAgentId: w.agentId, toAgentId: w.otherAgentId, reason: "the caller asked about invoices", language: "en-US" });
  });

  it("has the end reason and usage on the row by the time the room announces completion", async () => {
    const { sessionId } = await dispatched();
    await postEvent(sessionId, "ready", { type: "agent.ready" });
    await withDb(async (db) => {
      const real = sessionRoomIn(env, sessionId);
      let seenAtCompletion: unknown;
      // The room as the Worker sees it, except that it looks at the row just before it completes.
      const room: SessionRoomStub = {
        init: (c) => real.init(c),
        dispatch: (c) => real.dispatch(c),
        transition: (c) => real.transition(c),
        heartbeat: () => real.heartbeat(),
        state: () => real.state(),
        fetch: (r) => real.fetch(r),
        publish: async (c) => {
          if (c.event.type === "session.completed") {
            const [row] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
            seenAtCompletion = row && { endReason: row.endReason, promptTokens: row.promptTokens, completionTokens: row.completionTokens };
          }
          return real.publish(c);
        },
      };
      const [session] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
      if (!session) throw new Error("no session row");
      const body = { eventId: "done", event: { type: "completed" as const, tokenUsage: { prompt: 30, completion: 4 }, durationMs: 900, endReason: "caller_hung_up" } };
      expect(await applyRuntimeEvent({ db, room, session }, body)).toEqual({ eventId: "done", duplicate: false, live: true });
      expect(seenAtCompletion).toEqual({ endReason: "caller_hung_up", promptTokens: 30, completionTokens: 4 });
    });
  });

  it("changes nothing when the same event is delivered twice", async () => {
    const { sessionId } = await dispatched();
    await postEvent(sessionId, "ready", { type: "agent.ready" });
    await postEvent(sessionId, "turn-1", userTurn);
    await postEvent(sessionId, "call-1", toolCall);
    for (const [eventId, event] of [["ready", { type: "agent.ready" }], ["turn-1", userTurn], ["call-1", toolCall]] as const) {
      expect((await postEvent(sessionId, eventId, event)).body).toEqual({ eventId, duplicate: true, live: false });
    }
    const completed = { type: "completed", tokenUsage: { prompt: 10, completion: 2 }, durationMs: 1000 };
    expect((await postEvent(sessionId, "done", completed)).body).toMatchObject({ duplicate: false });
    expect((await postEvent(sessionId, "done", { ...completed, tokenUsage: { prompt: 999, completion: 999 } })).body).toMatchObject({ duplicate: true });
    const counts = await withDb(async (db) => ({
      turns: (await db.select().from(sessionTurns).where(eq(sessionTurns.sessionId, sessionId))).length,
      calls: (await db.select().from(sessionToolCalls).where(eq(sessionToolCalls.sessionId, sessionId))).length,
      row: (await db.select().from(sessions).where(eq(sessions.id, sessionId)))[0],
    }));
    expect(counts).toMatchObject({ turns: 1, calls: 1, row: { status: "completed", promptTokens: 10, completionTokens: 2 } });
    // An id reused for another kind of event is a mistake, not a duplicate.
    expectProblem(await postEvent(sessionId, "turn-1", { type: "heartbeat" }), 409, "conflict");
  });

  it("fails the session on a fatal error and keeps the error with it", async () => {
    const { world: w, sessionId, eventsUrl } = await dispatched();
    await postEvent(sessionId, "ready", { type: "agent.ready" });
    const live = await subscribe(eventsUrl);
    await live.next();
    const minor = await postEvent(sessionId, "err-1", { type: "error", code: "tts_slow", stage: "tts", message: "first byte after 2 s", fatal: false });
    expect(minor.body).toEqual({ eventId: "err-1", duplicate: false, live: false });
    const fatal = await postEvent(sessionId, "err-2", { type: "error", code: "stt_unavailable", stage: "stt", message: "provider returned 503", fatal: true });
    expect(fatal.body).toEqual({ eventId: "err-2", duplicate: false, live: true });
    expect(await live.next()).toMatchObject({ type: "session.failed", reason: "stt error: stt_unavailable" });
    const session = await call("GET", `/v1/sessions/${sessionId}`, { token: w.owner.token });
    expect(session.body).toMatchObject({ status: "failed", failureReason: "stt error: stt_unavailable" });
    const errors = await withDb((db) => db.select().from(sessionRuntimeEvents).where(and(eq(sessionRuntimeEvents.sessionId, sessionId), eq(sessionRuntimeEvents.type, "error"))));
    expect(errors.map((e) => e.detail)).toEqual(
      expect.arrayContaining([
        { code: "tts_slow", stage: "tts", fatal: false, retryable: null, message: "first byte after 2 s" },
        { code: "stt_unavailable", stage: "stt", fatal: true, retryable: null, message: "provider returned 503" },
      ]),
    );
    // The runtime learns that the session is over; a late turn is still kept, not broadcast.
    expectProblem(await postEvent(sessionId, "hb-late", { type: "heartbeat" }), 409, "conflict");
    expect((await postEvent(sessionId, "turn-late", userTurn)).body).toEqual({ eventId: "turn-late", duplicate: false, live: false });
    // Usage still counts for a session that failed before the runtime completed it.
    expect((await postEvent(sessionId, "done", { type: "completed", tokenUsage: { prompt: 5, completion: 1 }, durationMs: 10 })).body).toMatchObject({ live: false });
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(row).toMatchObject({ status: "failed", promptTokens: 5, completionTokens: 1 });
  });

  it("refuses lifecycle events out of order", async () => {
    const { sessionId } = await dispatched();
    expectProblem(await postEvent(sessionId, "hb", { type: "heartbeat" }), 409, "conflict");
    expectProblem(await postEvent(sessionId, "p", { type: "transcript.partial", turnId: "t", role: "user", text: "hi" }), 409, "conflict");
    expectProblem(await postEvent(sessionId, "done", { type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 1, endReason: "early" }), 409, "conflict");
    const [untouched] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(untouched).toMatchObject({ endReason: null, promptTokens: null, completionTokens: null });
    // Nothing was recorded for the refused events, so they can be sent again once it is in order.
    await postEvent(sessionId, "ready", { type: "agent.ready" });
    expect((await postEvent(sessionId, "hb", { type: "heartbeat" })).body).toMatchObject({ duplicate: false });
  });

  it.each([
    ["no eventId", { event: { type: "heartbeat" } }, "body.eventId"],
    ["an unknown event type", { eventId: "x", event: { type: "agent.sleeping" } }, "body.event.type"],
    ["an unknown field", { eventId: "x", event: { type: "heartbeat", extra: 1 } }, "body.event.extra"],
    ["a turn that ends before it starts", { eventId: "x", event: { ...userTurn, endedAt: at(-1) } }, "body.event.endedAt"],
    ["a negative latency metric", { eventId: "x", event: { ...agentTurn, metrics: { voiceToVoiceMs: -5 } } }, "body.event.metrics.voiceToVoiceMs"],
    ["token usage without completion tokens", { eventId: "x", event: { type: "completed", tokenUsage: { prompt: 1 }, durationMs: 1 } }, "body.event.tokenUsage.completion"],
    ["a tool call without a status", { eventId: "x", event: { ...toolCall, status: undefined } }, "body.event.status"],
  ])("refuses %s with a 400 naming the field", async (_what, body, field) => {
    const { sessionId } = await dispatched();
    const res = await runtimeCall("POST", `/sessions/${sessionId}/events`, { json: body });
    expectProblem(res, 400, "validation_failed");
    expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it("answers 404 for an unknown session", async () => {
    expectProblem(await postEvent("ses_01jqz8k3m4n5p6q7r8s9t0v1w2", "e", { type: "heartbeat" }), 404, "not_found");
  });
});
