// The test panel's session without a DOM: the widget's preview config built from the saved draft,
// the timeline `applyTestEvent` folds from the live events (partials replaced, seq order, tool
// calls merged with their results, hand-offs, metrics on their turn, the failure), and the store
// that dispatches the test session, follows its events socket and explains a failure.
import { afterEach, describe, expect, it, vi } from "vitest";
import { Agent } from "../../../packages/contracts/src/agents.ts";
import { newId } from "../../../packages/contracts/src/ids.ts";
import type { Session } from "../../../packages/contracts/src/sessions.ts";
import type { SessionEvent, SessionWelcome } from "../../../packages/contracts/src/session-protocol.ts";
import { createApi } from "../api/client.ts";
import { FakeSocket, fakeFetch, ids, json, problem, type Recorded } from "../test-support.ts";
import {
  applyTestEvent,
  createTestSessionStore,
  failureCause,
  initialTestState,
  phaseLabel,
  previewWidgetConfig,
  TestRefusal,
  turnLatencies,
  variablesRefusal,
  type Dispatched,
  type TestEvent,
  type TestSessionState,
} from "./test-session.ts";

const at = "2026-11-01T10:00:00.000Z";
const spaceId = ids.space();
const agentId = ids.agent();
const sessionId = newId("session");

const dispatched = (id = sessionId): Dispatched => ({
  sessionId: id,
  status: "dispatching",
  agentId,
  agentVersion: null,
  language: "en",
  media: { driver: "local", url: "ws://runtime.test/media", token: "m", sampleRateHz: 16000 },
  eventsUrl: `ws://api.test/live/sessions/${id}?token=member`,
});

const welcome = (patch: Partial<SessionWelcome> = {}): SessionWelcome => ({ type: "welcome", protocolVersion: 1, sessionId, status: "dispatching", failureReason: null, seq: 0, recent: [], ...patch });

/** Events with their seq and time, as the room sends them. */
let nextSeq = 0;
function ev<E extends Record<string, unknown> & { type: SessionEvent["type"] }>(event: E, seq = ++nextSeq): SessionEvent {
  return { ...event, seq, at } as unknown as SessionEvent;
}

const fold = (events: TestEvent[], from: TestSessionState = applyTestEvent(initialTestState(), { type: "test.dispatched", session: dispatched() })) => events.reduce(applyTestEvent, from);

const metrics = { endOfUtteranceDelayMs: null, sttFinalMs: null, llmTtftMs: 310, toolMs: null, ttsTtfbMs: 120, voiceToVoiceMs: 840 };

afterEach(() => {
  nextSeq = 0;
});

describe("the widget's preview of the draft", () => {
  it("builds the public widget config from the saved draft: its languages, its theme, inline, its own launcher text and no widget transcript", () => {
    const agent = Agent.parse({
      id: agentId,
      spaceId,
      version: 4,
      published: true,
      publishedVersion: 2,
      createdAt: at,
      updatedAt: at,
      name: "Order desk",
      llm: { provider: "scripted", model: "echo" },
      stt: { provider: "pocketsphinx", model: "en-us" },
      defaultLanguage: "de",
      locales: [
        { language: "en", tts: { provider: "flite", model: "kal", voice: "kal" } },
        { language: "de", tts: { provider: "flite", model: "kal", voice: "kal" } },
      ],
      variables: { type: "object", properties: { customer: { type: "string" } }, required: [] },
      widget: { placement: "bottom-left", showTranscript: true, theme: { primaryColor: "#112233", textColor: "#ffffff", backgroundColor: "#fafafa" } },
    });
    expect(previewWidgetConfig(agent)).toEqual({
      agentId,
      displayName: "Order desk",
      languages: [
        { language: "en", default: false },
        { language: "de", default: true },
      ],
      placement: "inline",
      launcherText: "Start test call",
      theme: { primaryColor: "#112233", textColor: "#ffffff", backgroundColor: "#fafafa" },
      showTranscript: false,
      acceptsVariables: [{ name: "customer", type: "string" }],
      // The draft's version, not the published one.
      version: 4,
    });
  });

  it("refuses to start while the test variables do not type, naming each", () => {
    expect(variablesRefusal({})).toBe(null);
    expect(variablesRefusal({ customer: "is required", age: "must be an integer" })).toBe("Fix the test variables first: customer is required; age must be an integer.");
  });
});

describe("applyTestEvent", () => {
  it("replaces a turn's interim text by its final, and a late partial never overwrites the final", () => {
    const s = fold([
      ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "where is" }),
      ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "where is my order" }),
    ]);
    expect(s.entries).toEqual([{ kind: "turn", seq: 1, turnId: "u1", role: "user", text: "where is my order", final: false, metrics: null }]);
    const done = fold([ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Where is my order?" }), ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "where is my" })], s);
    expect(done.entries).toEqual([{ kind: "turn", seq: 1, turnId: "u1", role: "user", text: "Where is my order?", final: true, metrics: null }]);
  });

  it("keeps the room's order by seq whatever the arrival, and skips events a welcome replays", () => {
    const greeting = ev({ type: "transcript.final", turnId: "a1", role: "agent", text: "Hello" }, 2);
    const question = ev({ type: "transcript.final", turnId: "u1", role: "user", text: "My order?" }, 4);
    const tool = ev({ type: "tool.called", toolCallId: "c1", name: "lookup_order", status: "ok", latencyMs: 80 }, 5);
    const answer = ev({ type: "transcript.final", turnId: "a2", role: "agent", text: "It ships today." }, 6);
    const handOff = ev({ type: "agent.transferred", fromAgentId: agentId, toAgentId: ids.agent() }, 3);
    const s = fold([greeting, answer, handOff, question, tool]);
    expect(s.entries.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(s.entries.map((e) => (e.kind === "turn" ? e.text : e.kind))).toEqual(["Hello", "handoff", "My order?", "tool", "It ships today."]);

    // A reconnection's welcome replays what was seen: nothing doubles.
    const again = applyTestEvent(s, welcome({ status: "active", seq: 6, recent: [greeting, handOff, question, tool, answer] }));
    expect(again.entries).toEqual(s.entries);
    expect(again.phase).toBe("active");
  });

  it("merges a tool call with its result, whichever comes first", () => {
    const called = ev({ type: "tool.called", toolCallId: "c1", name: "lookup_order", status: "ok", latencyMs: 80 });
    const result = ev({ type: "tool.result", toolCallId: "c1", name: "lookup_order", arguments: { orderId: "A-17" }, result: { status: "shipped" }, truncated: false, error: null });
    const merged = { kind: "tool", toolCallId: "c1", name: "lookup_order", status: "ok", latencyMs: 80, arguments: { orderId: "A-17" }, result: { status: "shipped" }, truncated: false, error: null };
    expect(fold([called, result]).entries).toEqual([{ ...merged, seq: called.seq }]);
    // The result first (its seq is lower): the call fills in the status and latency.
    expect(fold([result, called]).entries).toEqual([{ ...merged, seq: called.seq }]);

    const failed = fold([
      ev({ type: "tool.called", toolCallId: "c2", name: "lookup_order", status: "error", latencyMs: 5000 }),
      ev({ type: "tool.result", toolCallId: "c2", name: "lookup_order", arguments: {}, result: null, truncated: false, error: "the webhook timed out after 5 s" }),
    ]);
    expect(failed.entries[0]).toMatchObject({ status: "error", error: "the webhook timed out after 5 s" });
  });

  it("shows a hand-off between agents where it happened", () => {
    const other = ids.agent();
    const s = fold([ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Auf Deutsch bitte" }), ev({ type: "agent.transferred", fromAgentId: agentId, toAgentId: other, language: "de" })]);
    expect(s.entries[1]).toEqual({ kind: "handoff", seq: 2, fromAgentId: agentId, toAgentId: other, language: "de" });
  });

  it("attaches a turn's latency to that turn, also when the metrics arrive before its transcript", () => {
    const s = fold([
      ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Hi" }),
      ev({ type: "transcript.final", turnId: "a1", role: "agent", text: "Hello" }),
      ev({ type: "turn.metrics", turnId: "a1", role: "agent", metrics }),
      ev({ type: "turn.metrics", turnId: "a2", role: "agent", metrics: { ...metrics, voiceToVoiceMs: 900 } }),
    ]);
    expect(s.entries.map((e) => (e.kind === "turn" ? [e.turnId, e.metrics?.voiceToVoiceMs ?? null] : null))).toEqual([
      ["u1", null],
      ["a1", 840],
    ]);
    const later = fold([ev({ type: "transcript.final", turnId: "a2", role: "agent", text: "Bye" })], s);
    expect(later.entries[2]).toMatchObject({ turnId: "a2", metrics: { voiceToVoiceMs: 900 } });
    expect(later.pendingMetrics).toEqual({});
    expect(turnLatencies(metrics)).toEqual([
      { label: "Voice-to-voice", ms: 840 },
      { label: "LLM first token", ms: 310 },
      { label: "TTS first byte", ms: 120 },
    ]);
    expect(turnLatencies(null)).toEqual([]);
  });

  it("follows the status to the end: a failure keeps its reason, and nothing moves a settled session", () => {
    const active = fold([ev({ type: "agent.ready" })]);
    expect(active.phase).toBe("active");
    const failed = fold([ev({ type: "session.failed", reason: "tts error: tts_error" }), ev({ type: "session.status", status: "active" })], active);
    expect(failed.phase).toBe("failed");
    expect(failed.failureReason).toBe("tts error: tts_error");
    // A welcome after the end says the same; one from an older call changes nothing.
    expect(applyTestEvent(failed, welcome({ status: "active" })).phase).toBe("failed");
    expect(applyTestEvent(failed, welcome({ sessionId: newId("session"), status: "completed" }))).toBe(failed);
    // The cause in words, for this session only.
    expect(applyTestEvent(failed, { type: "test.cause", sessionId: newId("session"), messages: ["other"] }).cause).toBe(null);
    expect(applyTestEvent(failed, { type: "test.cause", sessionId, messages: ["The OpenAI text-to-speech needs OPENAI_API_KEY"] }).cause).toEqual(["The OpenAI text-to-speech needs OPENAI_API_KEY"]);

    const completed = fold([ev({ type: "session.completed", audioAvailable: true, durationMs: 42_000 })], active);
    expect([completed.phase, completed.durationMs]).toEqual(["completed", 42_000]);
    expect(phaseLabel(completed.phase)).toBe("The test call ended.");
  });

  it("starts each call afresh, ignores events before a session exists, and keeps a refusal's message", () => {
    const stray = applyTestEvent(initialTestState(), ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Hi" }));
    expect(stray).toEqual(initialTestState());
    const old = fold([ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Hi" })]);
    const starting = applyTestEvent(old, { type: "test.starting", language: "de" });
    expect([starting.phase, starting.entries, starting.language]).toEqual(["starting", [], "de"]);
    const refused = applyTestEvent(starting, { type: "test.refused", message: "Add an OpenAI key to this space." });
    expect([refused.phase, refused.refusal]).toEqual(["refused", "Add an OpenAI key to this space."]);
    const next = applyTestEvent(refused, { type: "test.dispatched", session: dispatched(newId("session")) });
    expect([next.phase, next.refusal, next.applied.size]).toEqual(["dispatching", null, 0]);
  });
});

describe("failureCause", () => {
  const detail = (errors: { detail: Record<string, unknown> | null }[], failureReason: string | null = "tts error: tts_error") => ({ failureReason, errors: errors.map((e) => ({ at, ...e })) });

  it("says why in the runtime's words: fatal errors first, else any error, else the room's reason", () => {
    const fatal = { code: "tts_error", stage: "tts", fatal: true, message: "The OpenAI text-to-speech needs OPENAI_API_KEY in the voice runtime's environment, or a space provider key" };
    const retried = { code: "llm_error", stage: "llm", fatal: false, message: "rate limited, retrying" };
    expect(failureCause(detail([{ detail: retried }, { detail: fatal }, { detail: fatal }]))).toEqual([fatal.message]);
    expect(failureCause(detail([{ detail: retried }, { detail: null }]))).toEqual(["rate limited, retrying"]);
    expect(failureCause(detail([]))).toEqual(["tts error: tts_error"]);
    expect(failureCause(detail([], null))).toEqual([]);
  });
});

describe("the test session store", () => {
  function setup(handler: (req: Recorded) => Response | Promise<Response>) {
    const fetch = fakeFetch(handler);
    const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
    const sockets: FakeSocket[] = [];
    const waits: number[] = [];
    const store = createTestSessionStore({
      api,
      openSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      wait: async (ms) => void waits.push(ms),
    });
    return { fetch, sockets, waits, store };
  }

  function session(patch: Partial<Session> = {}) {
    const row: Session = { id: sessionId, spaceId, agentId, agentVersion: null, status: "failed", failureReason: "tts error: tts_error", endReason: null, channel: "test", caller: null, language: "en", variables: {}, createdAt: at, startedAt: null, endedAt: at, durationMs: null, direction: null, phone: null, analysis: { status: "not_configured", passed: null, score: null }, ...patch };
    return { ...row, turns: [], toolCalls: [], errors: [], tokenUsage: { prompt: null, completion: null }, recordings: [], waveform: null, callStatuses: [], phoneEvents: [], analysisDetail: { status: "not_configured" as const, reason: null, result: null, attempts: 0, model: null, completedAt: null } };
  }
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it("dispatches a test session on the draft, follows its events as a member and shows them", async () => {
    const { fetch, sockets, store } = setup(() => json(dispatched(), 201));
    const got = await store.dispatch(agentId, { variables: { customer: "Ada", vip: true }, language: "de" });
    expect(got.sessionId).toBe(sessionId);
    expect(fetch.requests[0]?.method).toBe("POST");
    expect(fetch.requests[0]?.url).toBe(`/v1/agents/${agentId}/test-sessions`);
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toEqual({ variables: { customer: "Ada", vip: true }, language: "de" });
    expect(sockets.map((s) => s.url)).toEqual([dispatched().eventsUrl]);

    const socket = sockets[0]!;
    socket.open();
    expect(store.connected.value).toBe(true);
    socket.receive(welcome({ status: "active", seq: 1, recent: [ev({ type: "agent.ready" })] }));
    socket.receive(ev({ type: "transcript.partial", turnId: "u1", role: "user", text: "hel" }));
    socket.receive(ev({ type: "transcript.final", turnId: "u1", role: "user", text: "Hello" }));
    socket.receive({ type: "pong" });
    expect(store.state.value.phase).toBe("active");
    expect(store.state.value.entries).toMatchObject([{ turnId: "u1", text: "Hello", final: true }]);

    socket.receive(ev({ type: "session.completed", audioAvailable: true, durationMs: 3000 }));
    socket.drop();
    expect(store.state.value.phase).toBe("completed");
    expect(sockets).toHaveLength(1); // no reconnect after the end
  });

  it("rejects a refused dispatch with the API's message for the widget, and shows it", async () => {
    const { sockets, store } = setup(() => problem("validation_failed", 400, "The draft has no locale de."));
    const err: unknown = await store.dispatch(agentId, { variables: {}, language: "de" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TestRefusal);
    expect((err as TestRefusal).widgetMessage).toBe("The draft has no locale de.");
    expect([store.state.value.phase, store.state.value.refusal]).toEqual(["refused", "The draft has no locale de."]);
    expect(sockets).toHaveLength(0);

    const local = store.refuse("Fix the test variables first: customer is required.");
    expect(local.widgetMessage).toBe("Fix the test variables first: customer is required.");
    expect(store.state.value.refusal).toBe(local.widgetMessage);
  });

  it("explains a failed session from its stored errors, looking again while the error is not stored yet", async () => {
    const cause = "The OpenAI text-to-speech needs OPENAI_API_KEY in the voice runtime's environment, or a space provider key";
    let looks = 0;
    const { fetch, sockets, waits, store } = setup((req) => {
      if (req.method === "POST") return json(dispatched(), 201);
      looks += 1;
      return json({ ...session(), errors: looks < 2 ? [] : [{ at, detail: { code: "tts_error", stage: "tts", fatal: true, message: cause } }] });
    });
    await store.dispatch(agentId, { variables: {} });
    sockets[0]!.open();
    sockets[0]!.receive(ev({ type: "session.failed", reason: "tts error: tts_error" }));
    expect(store.state.value.phase).toBe("failed");
    expect(store.state.value.cause).toBe(null); // looking it up
    await vi.waitFor(() => expect(store.state.value.cause).toEqual([cause]));
    expect(fetch.requests.filter((r) => r.method === "GET").map((r) => r.url)).toEqual([`/v1/sessions/${sessionId}`, `/v1/sessions/${sessionId}`]);
    expect(waits).toEqual([1000]);
  });

  it("falls back to the room's reason when no error says more, and names the agents of a hand-off", async () => {
    const other = ids.agent();
    const { fetch, sockets, store } = setup((req) => {
      if (req.method === "POST") return json(dispatched(), 201);
      if (req.url === `/v1/agents/${other}`) {
        return json({ ...Agent.parse({ id: other, spaceId, version: 1, published: true, publishedVersion: 1, createdAt: at, updatedAt: at, name: "Billing", llm: { provider: "scripted", model: "echo" }, stt: { provider: "pocketsphinx", model: "en-us" }, defaultLanguage: "en", locales: [{ language: "en", tts: { provider: "flite", model: "kal", voice: "kal" } }] }) });
      }
      return json(session({ failureReason: "runtime lost" }));
    });
    store.rememberName(agentId, "Order desk");
    await store.dispatch(agentId, { variables: {} });
    sockets[0]!.open();
    sockets[0]!.receive(ev({ type: "agent.transferred", fromAgentId: agentId, toAgentId: other }));
    await vi.waitFor(() => expect(store.agentNames.value).toEqual({ [agentId]: "Order desk", [other]: "Billing" }));
    sockets[0]!.receive(ev({ type: "session.failed", reason: "runtime lost" }));
    await vi.waitFor(() => expect(store.state.value.cause).toEqual(["runtime lost"]));
    // Three looks at most, and the agent was looked up once.
    expect(fetch.requests.filter((r) => r.url.startsWith("/v1/sessions/"))).toHaveLength(3);
    expect(fetch.requests.filter((r) => r.url === `/v1/agents/${other}`)).toHaveLength(1);
    await settle();
  });

  it("closes the earlier call's socket when a new one starts, and on stop", async () => {
    const { sockets, store } = setup(() => json(dispatched(newId("session")), 201));
    await store.dispatch(agentId, { variables: {} });
    await store.dispatch(agentId, { variables: {} });
    expect(sockets[0]?.closed).toBe(1000);
    expect(sockets[1]?.closed).toBe(null);
    store.stop();
    expect(sockets[1]?.closed).toBe(1000);
  });
});
