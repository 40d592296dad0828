// The session's live events socket (packages/contracts/src/session-protocol.ts), read without
// zod: each server message becomes state-machine events and transcript updates. The pure part
// (`interpret`) is unit-tested; `connectLiveEvents` is the socket around it.
import type { SessionEvent, SessionServerMessage } from "@speaknode/contracts";
import type { CallEvent } from "./state.ts";

export interface TranscriptUpdate {
  turnId: string;
  role: "user" | "agent";
  text: string;
  final: boolean;
}

export interface Interpreted {
  calls: CallEvent[];
  transcript: TranscriptUpdate[];
  /** The session is over: the server closes the socket next. */
  terminal: boolean;
}

const failedReason = "the conversation failed";

function fromEvent(event: SessionEvent, out: Interpreted): void {
  switch (event.type) {
    case "agent.ready":
      out.calls.push({ type: "agentReady" });
      return;
    case "session.status":
      if (event.status === "active") out.calls.push({ type: "agentReady" });
      return;
    case "transcript.partial":
    case "transcript.final": {
      // The frame is trusted only as far as it is checked: a malformed turn is skipped.
      if (typeof event.turnId !== "string" || typeof event.text !== "string" || (event.role !== "user" && event.role !== "agent")) return;
      const final = event.type === "transcript.final";
      out.calls.push({ type: "transcript", role: event.role, final });
      out.transcript.push({ turnId: event.turnId, role: event.role, text: event.text, final });
      return;
    }
    case "session.completed":
      out.calls.push({ type: "ended" });
      out.terminal = true;
      return;
    case "session.failed":
      out.calls.push({ type: "failed", error: { code: "session_failed" } });
      out.terminal = true;
      return;
    default:
      return;
  }
}

/** What one server message means for the widget; unknown or malformed messages mean nothing. */
export function interpret(message: SessionServerMessage): Interpreted {
  const out: Interpreted = { calls: [], transcript: [], terminal: false };
  if (message.type === "welcome") {
    // A late subscriber: replay what it missed, then the current status decides.
    for (const event of Array.isArray(message.recent) ? message.recent : []) fromEvent(event, out);
    if (message.status === "active") out.calls.push({ type: "agentReady" });
    if (message.status === "completed" && !out.terminal) fromEvent({ type: "session.completed", audioAvailable: false, seq: 0, at: "" }, out);
    if (message.status === "failed" && !out.terminal) fromEvent({ type: "session.failed", reason: message.failureReason ?? failedReason, seq: 0, at: "" }, out);
    return out;
  }
  if (message.type === "pong" || message.type === "error") return out;
  fromEvent(message, out);
  return out;
}

/** A text frame with a `type`, or null; the fields that matter are checked where they are read. */
export function parseLiveMessage(text: string): SessionServerMessage | null {
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === "object" && data !== null && "type" in data && typeof data.type === "string" ? (data as SessionServerMessage) : null;
  } catch {
    return null;
  }
}

const pingEveryMs = 20_000;

export interface LiveEvents {
  close(): void;
}

/**
 * Subscribes to the session's events. `lost` fires when the socket closes before the session's
 * terminal event (the network, or the server going away) and not because of `close()`.
 */
export function connectLiveEvents(url: string, onMessage: (result: Interpreted) => void, lost: () => void): LiveEvents {
  const ws = new WebSocket(url);
  let done = false;
  const ping = setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
  }, pingEveryMs);
  ws.onmessage = (event: MessageEvent<unknown>) => {
    if (typeof event.data !== "string") return;
    const message = parseLiveMessage(event.data);
    if (!message) return;
    const result = interpret(message);
    if (result.terminal) done = true;
    onMessage(result);
  };
  ws.onclose = () => {
    clearInterval(ping);
    if (!done) {
      done = true;
      lost();
    }
  };
  return {
    close() {
      done = true;
      clearInterval(ping);
      ws.close(1000);
    },
  };
}
