// A session's live events (the SessionRoom WebSocket, protocol v1) folded into signals by a pure
// `applyEvent`: partial transcripts are replaced by their final, events at or below the last seq
// are ignored (the welcome frame replays recent ones on every reconnect), and the terminal events
// settle the status. `connectLive` owns the socket: welcome, events, pings, a few reconnects.
import { batch, signal } from "@preact/signals";
import { jsonText } from "../../../packages/contracts/src/json-text.ts";
import {
  SessionServerMessage,
  sessionProtocolVersion,
  type SessionEvent,
  type SessionStatus,
  type SessionWelcome,
} from "../../../packages/contracts/src/session-protocol.ts";

export interface LiveTurn {
  turnId: string;
  role: "user" | "agent";
  text: string;
  final: boolean;
  language: string | null;
  at: string;
}

export interface LiveToolCall {
  toolCallId: string;
  name: string;
  status: "ok" | "error";
  latencyMs: number;
  at: string;
}

export interface LiveTransfer {
  fromAgentId: string;
  toAgentId: string;
  at: string;
}

export function createLiveState() {
  return {
    sessionId: signal<string | null>(null),
    /** Seq of the latest applied event (0: none yet). */
    seq: signal(0),
    status: signal<SessionStatus | null>(null),
    failureReason: signal<string | null>(null),
    turns: signal<LiveTurn[]>([]),
    toolCalls: signal<LiveToolCall[]>([]),
    transfers: signal<LiveTransfer[]>([]),
    completed: signal<{ audioAvailable: boolean; durationMs: number | null } | null>(null),
  };
}

export type LiveState = ReturnType<typeof createLiveState>;

export const isTerminal = (status: SessionStatus | null) => status === "completed" || status === "failed";

function upsertTurn(turns: LiveTurn[], turn: LiveTurn): LiveTurn[] {
  const i = turns.findIndex((t) => t.turnId === turn.turnId);
  if (i < 0) return [...turns, turn];
  const existing = turns[i];
  // A late partial never overwrites the final text of its turn.
  if (existing?.final && !turn.final) return turns;
  return turns.map((t, j) => (j === i ? turn : t));
}

/** Applies one event; an event at or below the last applied seq is a duplicate and changes nothing. */
export function applyEvent(store: LiveState, event: SessionEvent): void {
  batch(() => {
    if (event.seq <= store.seq.value) return;
    store.seq.value = event.seq;
    // Once completed or failed nothing moves the status again (the server sends them last anyway).
    const settled = isTerminal(store.status.value);
    switch (event.type) {
      case "transcript.partial":
        store.turns.value = upsertTurn(store.turns.value, { turnId: event.turnId, role: event.role, text: event.text, final: false, language: null, at: event.at });
        break;
      case "transcript.final":
        store.turns.value = upsertTurn(store.turns.value, { turnId: event.turnId, role: event.role, text: event.text, final: true, language: event.language ?? null, at: event.at });
        break;
      case "tool.called":
        if (store.toolCalls.value.some((t) => t.toolCallId === event.toolCallId)) break;
        store.toolCalls.value = [...store.toolCalls.value, { toolCallId: event.toolCallId, name: event.name, status: event.status, latencyMs: event.latencyMs, at: event.at }];
        break;
      case "agent.transferred":
        store.transfers.value = [...store.transfers.value, { fromAgentId: event.fromAgentId, toAgentId: event.toAgentId, at: event.at }];
        break;
      case "agent.ready":
        if (!settled) store.status.value = "active";
        break;
      case "session.status":
        if (settled) break;
        store.status.value = event.status;
        if (event.status === "failed") store.failureReason.value = event.reason ?? store.failureReason.value;
        break;
      case "session.completed":
        if (!settled) store.status.value = "completed";
        store.completed.value = { audioAvailable: event.audioAvailable, durationMs: event.durationMs ?? null };
        break;
      case "session.failed":
        if (!settled) {
          store.status.value = "failed";
          store.failureReason.value = event.reason;
        }
        break;
    }
  });
}

/** A (re)connection's first frame: the room's status, then its recent events (old ones skipped by seq). */
export function applyWelcome(store: LiveState, welcome: SessionWelcome): void {
  batch(() => {
    if (store.sessionId.value !== welcome.sessionId) reset(store, welcome.sessionId);
    for (const event of welcome.recent) applyEvent(store, event);
    if (!isTerminal(store.status.value) || isTerminal(welcome.status)) {
      store.status.value = welcome.status;
      store.failureReason.value = welcome.failureReason ?? store.failureReason.value;
    }
  });
}

export function reset(store: LiveState, sessionId: string | null): void {
  batch(() => {
    store.sessionId.value = sessionId;
    store.seq.value = 0;
    store.status.value = null;
    store.failureReason.value = null;
    store.turns.value = [];
    store.toolCalls.value = [];
    store.transfers.value = [];
    store.completed.value = null;
  });
}

const serverFrame = jsonText.pipe(SessionServerMessage);

/** A server frame, or null when it is not one this protocol version knows. */
export function parseServerFrame(raw: unknown) {
  if (typeof raw !== "string") return null;
  const parsed = serverFrame.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/** What `connectLive` needs of a WebSocket (the browser's, or a fake in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}
export type OpenSocket = (url: string) => SocketLike;

export const liveReconnects = 3;
const pingEveryMs = 25_000;

/** Where `connectEvents` hands what the socket says; `ended` stops the reconnects. */
export interface EventsSink {
  welcome(frame: SessionWelcome): void;
  event(event: SessionEvent): void;
  ended(): boolean;
}

/**
 * Subscribes `store` to the events socket at `url` (from dispatch's `eventsUrl`). Reconnects a few
 * times with backoff while the session is not over (the token lasts ten minutes). `onState` tells
 * whether a socket is open. Returns the unsubscribe.
 */
export function connectLive(url: string, store: LiveState, openSocket: OpenSocket, onState: (connected: boolean) => void = () => {}): () => void {
  const sink: EventsSink = { welcome: (w) => applyWelcome(store, w), event: (e) => applyEvent(store, e), ended: () => isTerminal(store.status.value) };
  return connectEvents(url, sink, openSocket, onState);
}

/** The socket loop of `connectLive` for any sink (the agent editor's test panel has its own state). */
export function connectEvents(url: string, sink: EventsSink, openSocket: OpenSocket, onState: (connected: boolean) => void = () => {}): () => void {
  let socket: SocketLike | null = null;
  let ping: ReturnType<typeof setInterval> | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;
  let stopped = false;

  const open = () => {
    const s = openSocket(url);
    socket = s;
    s.onopen = () => {
      attempts = 0;
      onState(true);
      ping = setInterval(() => {
        if (s.readyState === 1) s.send(JSON.stringify({ type: "ping" }));
      }, pingEveryMs);
    };
    s.onmessage = (ev) => {
      const frame = parseServerFrame(ev.data);
      if (!frame) return;
      if (frame.type === "welcome") {
        if (frame.protocolVersion === sessionProtocolVersion) sink.welcome(frame);
      } else if (frame.type !== "pong" && frame.type !== "error") sink.event(frame);
    };
    s.onerror = () => {};
    s.onclose = () => {
      if (ping) clearInterval(ping);
      ping = null;
      socket = null;
      onState(false);
      if (stopped || sink.ended() || attempts >= liveReconnects) return;
      attempts += 1;
      retry = setTimeout(open, 1000 * 2 ** attempts);
    };
  };
  open();
  return () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    if (ping) clearInterval(ping);
    socket?.close(1000, "bye");
  };
}
