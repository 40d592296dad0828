// The sessions pages' stores without a DOM: list filters and cursor paging against a fake fetch,
// the live-poll refresh, the live events reducer (`applyEvent`), the events socket with a fake
// WebSocket, the detail store and its pure helpers, and the two new routes.
import { afterEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { Session } from "../../../packages/contracts/src/sessions.ts";
import type { SessionEvent, SessionWelcome } from "../../../packages/contracts/src/session-protocol.ts";
import { createApi } from "../api/client.ts";
import { matchRoute, sessionPath, spacePath } from "../router.ts";
import { FakeSocket, fakeFetch, json, problem, type Recorded } from "../test-support.ts";
import { formatDuration } from "../ui/session-format.ts";
import { applySessionsListEvent, createSessionsListStore, createSessionsStores, filtersQuery, noFilters, sessionsPageSize, withFilter, type SessionFilters } from "./sessions.ts";
import { createSessionDetailStore, laterStatus, latencyScale, mergeTranscript, turnNotes, turnOffsetMs, type SessionDetailData } from "./sessions-detail.ts";
import { applyEvent, applyWelcome, connectLive, createLiveState, liveReconnects, parseServerFrame, reset } from "./sessions-live.ts";

const spaceId = newId("space");
const agentId = newId("agent");
const at = "2026-11-01T10:00:00.000Z";

/** Ids are time-ordered: each new session is a second newer than the last. */
let clock = Date.parse("2026-11-01T10:00:00.000Z");
function session(patch: Partial<Session> = {}): Session {
  clock += 1000;
  const id = newId("session", clock);
  return { id, spaceId, agentId, agentVersion: 1, status: "completed", failureReason: null, endReason: "caller_hung_up", channel: "web", caller: null, language: "en", variables: {}, createdAt: at, startedAt: at, endedAt: at, durationMs: 1000, direction: null, phone: null, analysis: { status: "not_configured", passed: null, score: null }, ...patch };
}

function detailOf(s: Session, patch: Partial<SessionDetailData> = {}): SessionDetailData {
  return { ...s, turns: [], toolCalls: [], errors: [], tokenUsage: { prompt: null, completion: null }, recordings: [], waveform: null, callStatuses: [], phoneEvents: [], analysisDetail: { status: "not_configured", reason: null, result: null, attempts: 0, model: null, completedAt: null }, ...patch };
}

function apiWith(handler: (req: Recorded) => Response | Promise<Response>) {
  const fetch = fakeFetch(handler);
  return { fetch, api: createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} }) };
}

const urlOf = (req: Recorded) => new URL(req.url, "http://x.test");
const listPath = `/v1/spaces/${spaceId}/sessions`;

afterEach(() => {
  vi.useRealTimers();
});

describe("sessions list: filters and paging", () => {
  it("maps the filter form to the API's query (dates local and inclusive; `to` is exclusive there)", () => {
    expect(filtersQuery(noFilters)).toEqual({ agentId: undefined, status: undefined, channel: undefined, direction: undefined, caller: undefined, from: undefined, to: undefined, analysisStatus: undefined, success: undefined });
    const q = filtersQuery({ agentId, status: "failed", channel: "phone", direction: "inbound", caller: " +33 1 23 ", from: "2026-11-01", to: "2026-11-03", analysisStatus: "completed", success: "false" });
    expect(q).toEqual({
      agentId,
      status: "failed",
      channel: "phone",
      direction: "inbound",
      caller: "+33 1 23",
      from: new Date(2026, 10, 1).toISOString(),
      to: new Date(2026, 10, 4).toISOString(),
      analysisStatus: "completed",
      success: "false",
    });
    expect(filtersQuery({ ...noFilters, from: "not-a-date" }).from).toBeUndefined();
  });

  it("keeps the analysis filters consistent: a verdict belongs to completed analyses only", () => {
    const failedOnes = withFilter({ ...noFilters, analysisStatus: "pending" }, "success", "false");
    expect(failedOnes).toMatchObject({ analysisStatus: "", success: "false" });
    expect(withFilter({ ...noFilters, analysisStatus: "completed" }, "success", "true")).toMatchObject({ analysisStatus: "completed", success: "true" });
    expect(withFilter(failedOnes, "analysisStatus", "failed")).toMatchObject({ analysisStatus: "failed", success: "" });
  });

  it("loads the first page with the filters, then pages on with nextCursor until there is none", async () => {
    const rows = [session(), session(), session()].reverse(); // newest first, like the API
    const { api, fetch } = apiWith((req) => {
      const cursor = urlOf(req).searchParams.get("cursor");
      if (!cursor) return json({ data: rows.slice(0, 2), nextCursor: rows[1]?.id });
      return json({ data: rows.slice(2), nextCursor: null });
    });
    const list = createSessionsListStore(api);
    const filters: SessionFilters = { ...noFilters, status: "completed", agentId };
    await list.load(spaceId, filters);
    const first = urlOf(fetch.requests[0]!);
    expect(first.pathname).toBe(listPath);
    expect(Object.fromEntries(first.searchParams)).toEqual({ status: "completed", agentId, limit: String(sessionsPageSize) });
    expect(list.sessions.value.map((s) => s.id)).toEqual(rows.slice(0, 2).map((s) => s.id));
    expect(list.nextCursor.value).toBe(rows[1]?.id);
    expect(list.loading.value).toBe(false);

    await list.loadMore();
    const second = urlOf(fetch.requests[1]!);
    expect(second.searchParams.get("cursor")).toBe(rows[1]?.id);
    expect(second.searchParams.get("status")).toBe("completed"); // the same filters page on
    expect(list.sessions.value.map((s) => s.id)).toEqual(rows.map((s) => s.id));
    expect(list.nextCursor.value).toBeNull();

    await list.loadMore(); // nothing more: no request
    expect(fetch.requests).toHaveLength(2);
  });

  it("drops a late answer for filters that were replaced", async () => {
    const old = session({ status: "failed" });
    const fresh = session({ status: "completed" });
    let releaseOld: (r: Response) => void = () => {};
    const { api } = apiWith((req) => {
      if (urlOf(req).searchParams.get("status") === "failed") return new Promise<Response>((resolve) => (releaseOld = resolve));
      return json({ data: [fresh], nextCursor: null });
    });
    const list = createSessionsListStore(api);
    const slow = list.load(spaceId, { ...noFilters, status: "failed" });
    await list.load(spaceId, { ...noFilters, status: "completed" });
    releaseOld(json({ data: [old], nextCursor: null }));
    await slow;
    expect(list.sessions.value.map((s) => s.id)).toEqual([fresh.id]);
    expect(list.filters.value.status).toBe("completed");
  });

  it("keeps the error of a failed page and clears it on the next load", async () => {
    let fail = true;
    const { api } = apiWith(() => (fail ? problem("forbidden", 403, "not a member") : json({ data: [], nextCursor: null })));
    const list = createSessionsListStore(api);
    await expect(list.load(spaceId)).rejects.toThrow("not a member");
    expect(list.error.value).toBe("not a member");
    expect(list.loading.value).toBe(false);
    fail = false;
    await list.load(spaceId);
    expect(list.error.value).toBeNull();
  });
});

describe("sessions list: live refresh (polling)", () => {
  it("updates statuses from the first page, adds new sessions, and fetches live ones further down", async () => {
    const deep = session({ status: "active", endedAt: null, durationMs: null });
    const mid = session();
    const top = session({ status: "dispatching", endedAt: null, durationMs: null });
    const arriving = session({ status: "dispatching" });
    let phase = "initial";
    const { api, fetch } = apiWith((req) => {
      const url = urlOf(req);
      if (url.pathname === `/v1/sessions/${deep.id}`) return json(detailOf({ ...deep, status: "completed", durationMs: 4000 }));
      if (url.searchParams.get("cursor")) return json({ data: [deep], nextCursor: null });
      if (phase === "initial") return json({ data: [top, mid], nextCursor: mid.id });
      return json({ data: [arriving, { ...top, status: "active" }], nextCursor: top.id });
    });
    const list = createSessionsListStore(api);
    await list.load(spaceId);
    await list.loadMore();
    expect(list.hasLive.value).toBe(true);

    phase = "later";
    await list.refresh();
    expect(list.sessions.value.map((s) => [s.id, s.status])).toEqual([
      [arriving.id, "dispatching"],
      [top.id, "active"],
      [mid.id, "completed"],
      [deep.id, "completed"],
    ]);
    // The extra fields of SessionDetail are dropped: rows stay Session-shaped.
    expect(Object.keys(list.sessions.value[3]!)).not.toContain("turns");
    // Only the live session missing from the first page was fetched on its own.
    const singles = fetch.requests.filter((r) => urlOf(r).pathname.startsWith("/v1/sessions/"));
    expect(singles.map((r) => urlOf(r).pathname)).toEqual([`/v1/sessions/${deep.id}`]);
    expect(list.hasLive.value).toBe(true); // `arriving` and `top` are still live
  });

  it("does not pull rows older than the loaded range into a partially loaded list", () => {
    const older = session();
    const newest = session({ status: "active" });
    const list = createSessionsListStore(apiWith(() => json({})).api);
    // Loaded: only `newest`, with more pages after it.
    applySessionsListEvent(list, { type: "loading", key: "k", spaceId, filters: noFilters });
    applySessionsListEvent(list, { type: "loaded", key: "k", sessions: [newest], nextCursor: newest.id, append: false });
    applySessionsListEvent(list, { type: "refreshed", key: "k", head: [{ ...newest, status: "completed" }, older], updated: [] });
    expect(list.sessions.value.map((s) => [s.id, s.status])).toEqual([[newest.id, "completed"]]);
    // Answers for another key change nothing.
    applySessionsListEvent(list, { type: "refreshed", key: "other", head: [older], updated: [] });
    expect(list.sessions.value).toHaveLength(1);
  });
});

describe("live events: applyEvent", () => {
  let seq = 0;
  const ev = <T extends SessionEvent["type"]>(e: Omit<Extract<SessionEvent, { type: T }>, "seq" | "at"> & { type: T; seq?: number }): SessionEvent =>
    ({ at, ...e, seq: e.seq ?? ++seq }) as SessionEvent;

  it("replaces a partial transcript by its final, and a late partial never overwrites the final", () => {
    const live = createLiveState();
    applyEvent(live, ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "hel" }));
    applyEvent(live, ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "hello the" }));
    expect(live.turns.value).toEqual([{ turnId: "u1", role: "user", text: "hello the", final: false, language: null, at }]);
    applyEvent(live, ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Hello there.", language: "en" }));
    expect(live.turns.value).toEqual([{ turnId: "u1", role: "user", text: "Hello there.", final: true, language: "en", at }]);
    applyEvent(live, ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "hello" }));
    expect(live.turns.value[0]?.text).toBe("Hello there.");
    applyEvent(live, ev({ type: "transcript.final", turnId: "a1", role: "agent", text: "Hi! How can I help?" }));
    expect(live.turns.value.map((t) => t.turnId)).toEqual(["u1", "a1"]);
  });

  it("ignores a duplicate or older seq", () => {
    const live = createLiveState();
    const called = ev({ type: "tool.called", toolCallId: "tc1", name: "lookup", status: "ok", latencyMs: 42 });
    applyEvent(live, called);
    applyEvent(live, called);
    expect(live.toolCalls.value).toHaveLength(1);
    const final = ev({ type: "transcript.final", turnId: "u1", role: "user", text: "new" });
    applyEvent(live, final);
    applyEvent(live, { ...final, text: "replayed with the same seq" } as SessionEvent);
    applyEvent(live, ev({ type: "transcript.final", turnId: "u1", role: "user", text: "older", seq: 1 }));
    expect(live.turns.value[0]?.text).toBe("new");
    expect(live.seq.value).toBe(final.seq);
  });

  it("follows the lifecycle: ready → active, completed → completed and settled", () => {
    const live = createLiveState();
    applyEvent(live, ev({ type: "session.status", status: "dispatching" }));
    expect(live.status.value).toBe("dispatching");
    applyEvent(live, ev({ type: "agent.ready" }));
    expect(live.status.value).toBe("active");
    applyEvent(live, ev({ type: "session.completed", audioAvailable: true, durationMs: 61_000 }));
    expect(live.status.value).toBe("completed");
    expect(live.completed.value).toEqual({ audioAvailable: true, durationMs: 61_000 });
    applyEvent(live, ev({ type: "session.status", status: "active" }));
    expect(live.status.value).toBe("completed");
  });

  it("records a failure with its reason", () => {
    const live = createLiveState();
    applyEvent(live, ev({ type: "session.status", status: "active" }));
    applyEvent(live, ev({ type: "session.failed", reason: "runtime lost" }));
    expect([live.status.value, live.failureReason.value]).toEqual(["failed", "runtime lost"]);
  });

  it("applies a welcome: recent events once each (also on a reconnect), then the room's status", () => {
    const live = createLiveState();
    const sessionId = newId("session");
    reset(live, sessionId);
    const recent = [
      { type: "session.status", status: "active", seq: 1, at },
      { type: "transcript.final", turnId: "u1", role: "user", text: "Hi", seq: 2, at },
      { type: "tool.called", toolCallId: "t1", name: "crm", status: "error", latencyMs: 5, seq: 3, at },
    ] satisfies SessionEvent[];
    const welcome: SessionWelcome = { type: "welcome", protocolVersion: 1, sessionId, status: "active", failureReason: null, seq: 3, recent };
    applyWelcome(live, welcome);
    applyWelcome(live, welcome); // reconnect: the same replay
    expect(live.turns.value).toHaveLength(1);
    expect(live.toolCalls.value).toHaveLength(1);
    expect([live.status.value, live.seq.value]).toEqual(["active", 3]);
    // A welcome for another session starts over.
    applyWelcome(live, { ...welcome, sessionId: newId("session"), recent: [], seq: 0, status: "dispatching" });
    expect([live.turns.value.length, live.status.value]).toEqual([0, "dispatching"]);
  });

  it("parses server frames and refuses anything else", () => {
    expect(parseServerFrame(JSON.stringify({ type: "pong" }))).toEqual({ type: "pong" });
    expect(parseServerFrame(JSON.stringify({ type: "transcript.partial", turnId: "u1", role: "user", text: "x", seq: 1, at }))?.type).toBe("transcript.partial");
    expect(parseServerFrame("{nope")).toBeNull();
    expect(parseServerFrame(JSON.stringify({ type: "transcript.partial", seq: 0 }))).toBeNull();
    expect(parseServerFrame(new ArrayBuffer(2))).toBeNull();
  });
});


describe("live events: connectLive", () => {
  it("applies the welcome and events, pings, reconnects a few times, and stops when the session ends", () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    const live = createLiveState();
    const sessionId = newId("session");
    reset(live, sessionId);
    const states: boolean[] = [];
    const stop = connectLive("wss://x.test/live/sessions/s?token=t", live, (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    }, (c) => states.push(c));
    const first = sockets[0]!;
    first.open();
    first.receive({ type: "welcome", protocolVersion: 1, sessionId, status: "active", failureReason: null, seq: 1, recent: [{ type: "transcript.partial", turnId: "u1", role: "user", text: "he", seq: 1, at }] });
    first.receive({ type: "transcript.final", turnId: "u1", role: "user", text: "Hello", seq: 2, at });
    first.receive({ type: "pong" });
    expect(live.turns.value.map((t) => [t.text, t.final])).toEqual([["Hello", true]]);
    vi.advanceTimersByTime(25_000);
    expect(first.sent).toEqual([JSON.stringify({ type: "ping" })]);

    for (let i = 1; i <= liveReconnects; i++) {
      sockets.at(-1)!.drop();
      vi.advanceTimersByTime(1000 * 2 ** i);
      expect(sockets).toHaveLength(i + 1);
    }
    sockets.at(-1)!.drop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(liveReconnects + 1); // gave up: polling carries on
    expect(states).toEqual([true, false, false, false, false]);
    stop();
  });

  it("does not reconnect after the session completed, and unsubscribing closes the socket", () => {
    vi.useFakeTimers();
    const sockets: FakeSocket[] = [];
    const live = createLiveState();
    const open = (url: string) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    };
    connectLive("wss://a", live, open);
    sockets[0]!.open();
    sockets[0]!.receive({ type: "session.completed", audioAvailable: false, seq: 1, at });
    sockets[0]!.drop();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);

    const other = createLiveState();
    const stop = connectLive("wss://b", other, open);
    sockets[1]!.open();
    stop();
    expect(sockets[1]!.closed).toBe(1000);
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(2);
  });
});

describe("session detail", () => {
  it("merges stored turns with live ones not stored yet", () => {
    const s = session({ status: "active" });
    const metrics = { endOfUtteranceDelayMs: 300, sttFinalMs: 120, llmTtftMs: 450, toolMs: null, ttsTtfbMs: 200, voiceToVoiceMs: 1100 };
    const d = detailOf(s, { turns: [{ turnId: "u1", role: "user", text: "Hi", language: "en", interrupted: false, startedAt: at, endedAt: at, metrics }] });
    const turns = mergeTranscript(d, [
      { turnId: "u1", role: "user", text: "Hi", final: true, language: null, at },
      { turnId: "a1", role: "agent", text: "Hello!", final: true, language: null, at },
      { turnId: "u2", role: "user", text: "I need", final: false, language: null, at },
    ]);
    expect(turns.map((t) => [t.turnId, t.partial, t.metrics !== null])).toEqual([
      ["u1", false, true],
      ["a1", false, false],
      ["u2", true, false],
    ]);
    expect(latencyScale(turns)).toBe(1100);
    expect(latencyScale([])).toBe(1);
  });

  it("seeks a turn to its start minus the conversation's, never before zero", () => {
    const d = { createdAt: "2026-11-01T10:00:00.000Z", startedAt: "2026-11-01T10:00:02.000Z" };
    expect(turnOffsetMs(d, "2026-11-01T10:00:14.500Z")).toBe(12_500);
    expect(turnOffsetMs(d, "2026-11-01T10:00:01.000Z")).toBe(0);
    expect(turnOffsetMs({ ...d, startedAt: null }, "2026-11-01T10:00:01.000Z")).toBe(1000);
    expect(formatDuration(12_500)).toBe("0:12");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatDuration(null)).toBe("—");
  });

  it("takes the further-along status of the polled row and the live events", () => {
    expect(laterStatus("active", "completed")).toBe("completed");
    expect(laterStatus("completed", "active")).toBe("completed");
    expect(laterStatus("dispatching", null)).toBe("dispatching");
  });

  it("loads a session, drops a late answer for another one, and follows its live events when its URL is known", async () => {
    const a = session({ status: "active", endedAt: null, durationMs: null });
    const b = session();
    const { api } = apiWith((req) => json(detailOf(urlOf(req).pathname.endsWith(a.id) ? a : b)));
    const sockets: FakeSocket[] = [];
    const detail = createSessionDetailStore(api, (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    });
    const slow = detail.load(b.id);
    await detail.load(a.id);
    await slow;
    expect(detail.session.value?.id).toBe(a.id);
    expect(detail.status.value).toBe("active");

    expect(detail.watchLive()).toBeTypeOf("function"); // no URL known and the API gives none: nothing opened
    await new Promise((r) => setTimeout(r, 0));
    expect(sockets).toHaveLength(0);
    detail.rememberEventsUrl(a.id, "wss://x.test/live/sessions/a?token=t");
    const stop = detail.watchLive();
    sockets[0]!.open();
    expect(detail.liveConnected.value).toBe(true);
    sockets[0]!.receive({ type: "transcript.partial", turnId: "u1", role: "user", text: "hi th", seq: 1, at });
    expect(detail.transcript.value.map((t) => [t.text, t.partial])).toEqual([["hi th", true]]);
    sockets[0]!.receive({ type: "session.failed", reason: "agent did not join", seq: 2, at });
    expect([detail.status.value, detail.failureReason.value]).toEqual(["failed", "agent did not join"]);
    stop();
    expect(detail.liveConnected.value).toBe(false);
  });

  it("asks the API for a live subscription when it did not dispatch the session itself", async () => {
    const a = session({ status: "active", endedAt: null, durationMs: null });
    const asked: string[] = [];
    const { api } = apiWith((req) => {
      const path = urlOf(req).pathname;
      asked.push(`${req.method} ${path}`);
      if (path.endsWith("/events-token")) return json({ eventsUrl: "wss://x.test/live/sessions/a?token=fresh", expiresAt: at });
      return json(detailOf(a));
    });
    const sockets: FakeSocket[] = [];
    const detail = createSessionDetailStore(api, (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    });
    await detail.load(a.id);
    const stop = detail.watchLive();
    await expect.poll(() => sockets.length).toBe(1);
    expect(asked).toContain(`POST /v1/sessions/${a.id}/events-token`);
    expect(sockets[0]!.url).toBe("wss://x.test/live/sessions/a?token=fresh");
    stop();
  });

  it("is part of the stores' sessions object", () => {
    const { api } = apiWith(() => json({}));
    const stores = createSessionsStores(api);
    expect(Object.keys(stores)).toEqual(["list", "detail"]);
  });
});

describe("routes", () => {
  it("matches the sessions list and a session, and builds their paths", () => {
    const sessionId = newId("session");
    expect(matchRoute(spacePath(spaceId, "sessions"), "")).toEqual({ name: "sessions", spaceId });
    expect(matchRoute(sessionPath(spaceId, sessionId), "")).toEqual({ name: "session", spaceId, sessionId });
    expect(matchRoute(`${sessionPath(spaceId, sessionId)}/more`, "").name).toBe("notFound");
  });
});

describe("a turn's notes", () => {
  const none = { endOfUtteranceDelayMs: null, sttFinalMs: null, llmTtftMs: null, toolMs: null, ttsTtfbMs: null, voiceToVoiceMs: null };
  it("say the end-of-turn model's judgement, and when it made the agent wait", () => {
    expect(turnNotes({ ...none, endOfTurnProbability: 0.58, endOfTurnThreshold: 0.36 })).toEqual(["End of turn 0.58 (threshold 0.36)"]);
    expect(turnNotes({ ...none, endOfTurnProbability: 0.2, endOfTurnThreshold: 0.36 })).toEqual(["End of turn 0.20 (threshold 0.36): waited for more"]);
  });
  it("say a reply was preemptive or played from the greeting cache, and nothing for turns stored before these existed", () => {
    expect(turnNotes({ ...none, preemptive: true, audioFromCache: true })).toEqual(["Preemptive reply", "Audio from the greeting cache"]);
    expect(turnNotes(none)).toEqual([]);
  });
});
