// The agent editor's test panel without a DOM: a member's test session on the saved draft
// (POST /v1/agents/{id}/test-sessions), the widget's preview configuration built from that draft,
// and the session's live events (member role: tool results and turn metrics too) folded by a pure
// `applyTestEvent` into one timeline in seq order — user and agent turns (a partial replaced by its
// final), tool calls (`tool.called` and `tool.result` merged), hand-offs — with each turn's
// latency and the status. A failed session is explained from GET /v1/sessions/{id}: the errors'
// messages, which name the stage and the fix, rather than the room's terse reason.
import { signal } from "@preact/signals";
import type { z } from "zod";
import { Agent, type PublicWidgetConfig } from "../../../packages/contracts/src/agents.ts";
import type { TestSessionBody } from "../../../packages/contracts/src/agent-builder.ts";
import { DispatchedSession, SessionDetail } from "../../../packages/contracts/src/sessions.ts";
import type { SessionEvent, SessionStatus, SessionWelcome, TurnMetricsEvent } from "../../../packages/contracts/src/session-protocol.ts";
import { ApiProblem, type Api } from "../api/client.ts";
import { connectEvents, type OpenSocket } from "./sessions-live.ts";
import type { LatencyKey } from "./sessions-detail.ts";

export type Dispatched = z.infer<typeof DispatchedSession>;
export type PreviewConfig = z.infer<typeof PublicWidgetConfig>;
export type TestTurnMetrics = z.infer<typeof TurnMetricsEvent>["metrics"];
type SessionDetailData = z.infer<typeof SessionDetail>;

/** The launcher's words in the panel: the visitor's "Talk to us" would hide that this is a test. */
export const testLauncherText = "Start test call";

/**
 * What the widget's preview mode shows instead of GET /public/agents/{id}/widget: the saved draft's
 * languages and theme, inline in the panel, without the widget's own transcript (the panel has one).
 */
export function previewWidgetConfig(agent: z.infer<typeof Agent>): PreviewConfig {
  return {
    agentId: agent.id,
    displayName: agent.widget.displayName ?? agent.name,
    languages: agent.locales.map((l) => ({ language: l.language, default: l.language === agent.defaultLanguage })),
    placement: "inline",
    launcherText: testLauncherText,
    theme: { ...agent.widget.theme },
    showTranscript: false,
    acceptsVariables: Object.entries(agent.variables.properties).map(([name, spec]) => ({ name, type: spec.type })),
    version: agent.version,
  };
}

export interface TestTurn {
  kind: "turn";
  /** Seq of the turn's first event: where it stands in the timeline. */
  seq: number;
  turnId: string;
  role: "user" | "agent";
  text: string;
  /** False while only interim text (`transcript.partial`) has arrived. */
  final: boolean;
  metrics: TestTurnMetrics | null;
}

export interface TestToolCall {
  kind: "tool";
  seq: number;
  toolCallId: string;
  name: string;
  /** Null until `tool.called` arrives (the result may come first). */
  status: "ok" | "error" | null;
  latencyMs: number | null;
  /** Null until `tool.result` arrives. */
  arguments: Record<string, unknown> | null;
  result: unknown;
  truncated: boolean;
  error: string | null;
}

export interface TestHandOff {
  kind: "handoff";
  seq: number;
  fromAgentId: string;
  toAgentId: string;
  language: string | null;
}

export type TestEntry = TestTurn | TestToolCall | TestHandOff;

/** `idle`: nothing started; `starting`: the test session is being created; `refused`: it was not. */
export type TestPhase = "idle" | "starting" | "refused" | SessionStatus;

export interface TestSessionState {
  phase: TestPhase;
  sessionId: string | null;
  language: string | null;
  /** Seqs already applied: a welcome replays recent events on every (re)connection. */
  applied: ReadonlySet<number>;
  entries: TestEntry[];
  /** Metrics that arrived before their turn, by turn id. */
  pendingMetrics: Record<string, TestTurnMetrics>;
  failureReason: string | null;
  /** Why a failed session failed, in words (from the session's errors); null until known. */
  cause: string[] | null;
  /** Why the test session could not be created (the API's message). */
  refusal: string | null;
  durationMs: number | null;
}

export type TestEvent =
  | { type: "test.starting"; language: string | null }
  | { type: "test.dispatched"; session: Dispatched }
  | { type: "test.refused"; message: string }
  | { type: "test.cause"; sessionId: string; messages: string[] }
  | SessionWelcome
  | SessionEvent;

export function initialTestState(): TestSessionState {
  return { phase: "idle", sessionId: null, language: null, applied: new Set(), entries: [], pendingMetrics: {}, failureReason: null, cause: null, refusal: null, durationMs: null };
}

export const isSettled = (phase: TestPhase) => phase === "completed" || phase === "failed";
export const isUnderWay = (phase: TestPhase) => phase === "starting" || phase === "pending" || phase === "dispatching" || phase === "active";

/** Inserts after every entry of a lower seq, so the timeline reads in the room's order whatever the arrival. */
function insertBySeq(entries: TestEntry[], entry: TestEntry): TestEntry[] {
  const at = entries.findIndex((e) => e.seq > entry.seq);
  return at < 0 ? [...entries, entry] : [...entries.slice(0, at), entry, ...entries.slice(at)];
}

/**
 * Changes the entry `match` finds (null when there is none). An entry stands at the lowest seq of
 * its events: an earlier event of it arriving late moves it up.
 */
function replaceWhere<T extends TestEntry>(entries: TestEntry[], match: (e: TestEntry) => e is T, fn: (e: T) => T, seq?: number): TestEntry[] | null {
  const i = entries.findIndex(match);
  const found = entries[i];
  if (!found || !match(found)) return null;
  const changed = fn(found);
  if (seq === undefined || seq >= changed.seq) return entries.map((e, j) => (j === i ? changed : e));
  return insertBySeq(entries.filter((_, j) => j !== i), { ...changed, seq });
}

const isTurn = (turnId: string) => (e: TestEntry): e is TestTurn => e.kind === "turn" && e.turnId === turnId;
const isTool = (toolCallId: string) => (e: TestEntry): e is TestToolCall => e.kind === "tool" && e.toolCallId === toolCallId;

function transcript(state: TestSessionState, seq: number, e: { turnId: string; role: "user" | "agent"; text: string }, final: boolean): TestSessionState {
  const replaced = replaceWhere(state.entries, isTurn(e.turnId), (t) => (t.final && !final ? t : { ...t, text: e.text, final }), seq);
  if (replaced) return { ...state, entries: replaced };
  const { [e.turnId]: metrics = null, ...pendingMetrics } = state.pendingMetrics;
  return { ...state, pendingMetrics, entries: insertBySeq(state.entries, { kind: "turn", seq, turnId: e.turnId, role: e.role, text: e.text, final, metrics }) };
}

function tool(state: TestSessionState, seq: number, toolCallId: string, name: string, patch: Partial<TestToolCall>): TestSessionState {
  const replaced = replaceWhere(state.entries, isTool(toolCallId), (t) => ({ ...t, ...patch }), seq);
  if (replaced) return { ...state, entries: replaced };
  const fresh: TestToolCall = { kind: "tool", seq, toolCallId, name, status: null, latencyMs: null, arguments: null, result: null, truncated: false, error: null, ...patch };
  return { ...state, entries: insertBySeq(state.entries, fresh) };
}

function settle(state: TestSessionState, phase: TestPhase, failureReason?: string | null): TestSessionState {
  // Once completed or failed, nothing moves the status again (the room sends those last anyway).
  if (isSettled(state.phase)) return state;
  return { ...state, phase, failureReason: failureReason ?? state.failureReason };
}

function sessionEvent(state: TestSessionState, event: SessionEvent): TestSessionState {
  if (state.sessionId === null || state.applied.has(event.seq)) return state;
  const next = { ...state, applied: new Set(state.applied).add(event.seq) };
  switch (event.type) {
    case "transcript.partial":
      return transcript(next, event.seq, event, false);
    case "transcript.final":
      return transcript(next, event.seq, event, true);
    case "turn.metrics": {
      const attached = replaceWhere(next.entries, isTurn(event.turnId), (t) => ({ ...t, metrics: event.metrics }));
      return attached ? { ...next, entries: attached } : { ...next, pendingMetrics: { ...next.pendingMetrics, [event.turnId]: event.metrics } };
    }
    case "tool.called":
      return tool(next, event.seq, event.toolCallId, event.name, { status: event.status, latencyMs: event.latencyMs });
    case "tool.result":
      return tool(next, event.seq, event.toolCallId, event.name, { arguments: event.arguments, result: event.result, truncated: event.truncated, error: event.error });
    case "agent.transferred":
      return { ...next, entries: insertBySeq(next.entries, { kind: "handoff", seq: event.seq, fromAgentId: event.fromAgentId, toAgentId: event.toAgentId, language: event.language ?? null }) };
    case "agent.ready":
      return settle(next, "active");
    case "session.status":
      return settle(next, event.status, event.status === "failed" ? event.reason : undefined);
    case "session.completed":
      return { ...settle(next, "completed"), durationMs: event.durationMs ?? null };
    case "session.failed":
      return settle(next, "failed", event.reason);
    default:
      // dtmf and phone events: a test call from the dashboard has none worth showing.
      return next;
  }
}

/** One step of the panel's state; pure, so a store writes its result to one signal. */
export function applyTestEvent(state: TestSessionState, event: TestEvent): TestSessionState {
  switch (event.type) {
    case "test.starting":
      return { ...initialTestState(), phase: "starting", language: event.language };
    case "test.dispatched":
      return { ...initialTestState(), phase: event.session.status, sessionId: event.session.sessionId, language: event.session.language };
    case "test.refused":
      return state.phase === "starting" ? { ...state, phase: "refused", refusal: event.message } : state;
    case "test.cause":
      return event.sessionId === state.sessionId ? { ...state, cause: event.messages } : state;
    case "welcome": {
      // A welcome of another session is a socket left over from an earlier call.
      if (event.sessionId !== state.sessionId) return state;
      const replayed = event.recent.reduce(sessionEvent, state);
      if (isSettled(replayed.phase) && !isSettled(event.status)) return replayed;
      return { ...replayed, phase: event.status, failureReason: event.failureReason ?? replayed.failureReason };
    }
    default:
      return sessionEvent(state, event);
  }
}

const latencyLabels: [LatencyKey, string][] = [
  ["voiceToVoiceMs", "Voice-to-voice"],
  ["sttFinalMs", "STT"],
  ["llmTtftMs", "LLM first token"],
  ["ttsTtfbMs", "TTS first byte"],
  ["toolMs", "Tools"],
];

/** A turn's latencies that were measured, labelled for people, in the order the panel shows them. */
export function turnLatencies(metrics: TestTurnMetrics | null): { label: string; ms: number }[] {
  if (!metrics) return [];
  return latencyLabels.flatMap(([key, label]) => {
    const ms = metrics[key];
    return ms === null ? [] : [{ label, ms }];
  });
}

/** The status line's words. */
export function phaseLabel(phase: TestPhase): string {
  switch (phase) {
    case "idle":
      return "No test call yet.";
    case "starting":
      return "Starting a test session on the saved draft…";
    case "refused":
      return "The test call could not start.";
    case "pending":
    case "dispatching":
      return "Waiting for the agent to join…";
    case "active":
      return "In conversation.";
    case "completed":
      return "The test call ended.";
    case "failed":
      return "The test call failed.";
  }
}

/**
 * The cause of a failed session in words: the messages of its fatal errors (the runtime names the
 * stage and the fix), else of any error, else the room's failure reason.
 */
export function failureCause(detail: Pick<SessionDetailData, "errors" | "failureReason">): string[] {
  const messageOf = (d: Record<string, unknown> | null) => (typeof d?.["message"] === "string" ? d["message"].trim() : "");
  const fatal = detail.errors.filter((e) => e.detail?.["fatal"] === true).map((e) => messageOf(e.detail));
  const all = detail.errors.map((e) => messageOf(e.detail));
  const messages = [...new Set((fatal.some(Boolean) ? fatal : all).filter(Boolean))];
  return messages.length > 0 ? messages : detail.failureReason ? [detail.failureReason] : [];
}

/** A rejected dispatch the widget shows as it is (its preview mode reads `widgetMessage`). */
export class TestRefusal extends Error {
  override name = "TestRefusal";
  readonly widgetMessage: string;
  constructor(message: string) {
    super(message);
    this.widgetMessage = message;
  }
}

/** What the panel says when its variables cannot be sent, or null when they can. */
export function variablesRefusal(errors: Record<string, string>): string | null {
  const found = Object.entries(errors).map(([name, message]) => `${name} ${message}`);
  return found.length > 0 ? `Fix the test variables first: ${found.join("; ")}.` : null;
}

export interface TestSessionDeps {
  api: Api;
  openSocket?: OpenSocket;
  /** Between looks at a failed session whose error is not stored yet. */
  wait?: (ms: number) => Promise<void>;
}

const causeLooks = 3;
const causeLookEveryMs = 1000;

export function createTestSessionStore(deps: TestSessionDeps) {
  const { api } = deps;
  const openSocket: OpenSocket = deps.openSocket ?? ((url) => new WebSocket(url));
  const wait = deps.wait ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const state = signal<TestSessionState>(initialTestState());
  const connected = signal(false);
  /** Names of the agents hand-offs mention, by id (filled as they are looked up). */
  const agentNames = signal<Record<string, string>>({});
  let stopLive: (() => void) | null = null;
  const asked = new Set<string>();

  function apply(event: TestEvent): void {
    const before = state.value;
    const after = applyTestEvent(before, event);
    state.value = after;
    if (after.phase === "failed" && before.phase !== "failed" && after.sessionId) void explain(after.sessionId);
    for (const e of after.entries) if (e.kind === "handoff") for (const id of [e.fromAgentId, e.toAgentId]) void lookUpName(id);
  }

  function rememberName(agentId: string, name: string): void {
    if (agentNames.value[agentId] !== name) agentNames.value = { ...agentNames.value, [agentId]: name };
  }

  async function lookUpName(agentId: string): Promise<void> {
    if (agentId in agentNames.value || asked.has(agentId)) return;
    asked.add(agentId);
    try {
      const agent = await api.json(Agent, "GET", `/v1/agents/${encodeURIComponent(agentId)}`);
      rememberName(agentId, agent.name);
    } catch {
      // An agent since deleted (or in no space of this member): the panel shows its id.
    }
  }

  /** Looks a few times: the session's error row may land just after the room says `failed`. */
  async function explain(sessionId: string): Promise<void> {
    let messages: string[] = [];
    for (let look = 1; look <= causeLooks; look++) {
      try {
        const detail = await api.json(SessionDetail, "GET", `/v1/sessions/${encodeURIComponent(sessionId)}`);
        messages = failureCause(detail);
        if (detail.errors.length > 0) break;
      } catch {
        // Keep what the room said; the session page link stays.
      }
      if (look < causeLooks) await wait(causeLookEveryMs);
    }
    apply({ type: "test.cause", sessionId, messages });
  }

  function stop(): void {
    stopLive?.();
    stopLive = null;
    connected.value = false;
  }

  /** Follows a dispatched test session's events (member role), replacing any earlier one. */
  function follow(session: Dispatched): void {
    stop();
    apply({ type: "test.dispatched", session });
    const sink = { welcome: apply, event: apply, ended: () => isSettled(state.value.phase) };
    stopLive = connectEvents(session.eventsUrl, sink, openSocket, (c) => (connected.value = c));
  }

  /**
   * The widget's `preview.dispatch`: creates a test session on the saved draft and follows it. A
   * refusal rejects with a TestRefusal carrying the API's message, which the widget shows.
   */
  async function dispatch(agentId: string, body: TestSessionBody): Promise<Dispatched> {
    stop();
    apply({ type: "test.starting", language: body.language ?? null });
    let session: Dispatched;
    try {
      session = await api.json(DispatchedSession, "POST", `/v1/agents/${encodeURIComponent(agentId)}/test-sessions`, { body });
    } catch (err) {
      const message = err instanceof ApiProblem ? err.message : "The test call could not start: the API did not answer.";
      apply({ type: "test.refused", message });
      throw new TestRefusal(message);
    }
    follow(session);
    return session;
  }

  /** Refuses a call before asking the API (the panel's own checks, e.g. its variables). */
  function refuse(message: string): TestRefusal {
    stop();
    apply({ type: "test.starting", language: null });
    apply({ type: "test.refused", message });
    return new TestRefusal(message);
  }

  return { state, connected, agentNames, rememberName, dispatch, refuse, follow, stop };
}

export type TestSessionStore = ReturnType<typeof createTestSessionStore>;
