// The member-only live events a runtime event also gives (the dashboard's Test panel): a turn's
// latency figures as `turn.metrics`, a tool call's arguments and result as `tool.result`. They are
// extras: publishing them is best-effort and never fails the runtime's delivery.
import { toolResultPreviewMaxChars, type RuntimeEvent, type SessionEventCommand } from "@speaknode/contracts";
import { log } from "../lib/log.ts";
import type { SessionRoomStub } from "../sessions/room.ts";

/** The longest event id a room takes (SessionEventCommand). */
const eventIdMaxChars = 200;

/** The member-only events `event` gives, each under an id derived from the runtime's one. */
/** A turn's metrics under the names the session's rows and live events use (missing → null). */
export function turnMetricsOf(m: Extract<RuntimeEvent, { type: "turn" }>["metrics"]) {
  return {
    endOfUtteranceDelayMs: m.endOfUtteranceDelayMs ?? null,
    sttFinalMs: m.sttFinalMs ?? null,
    llmTtftMs: m.llmTimeToFirstTokenMs ?? null,
    toolMs: m.toolMs ?? null,
    ttsTtfbMs: m.ttsTimeToFirstByteMs ?? null,
    voiceToVoiceMs: m.voiceToVoiceMs ?? null,
    endOfTurnProbability: m.endOfTurnProbability ?? null,
    endOfTurnThreshold: m.endOfTurnThreshold ?? null,
    preemptive: m.preemptive ?? null,
    audioFromCache: m.audioFromCache ?? null,
  };
}

export async function memberEventsOf(eventId: string, event: RuntimeEvent): Promise<SessionEventCommand[]> {
  switch (event.type) {
    case "turn": {
      const metrics = turnMetricsOf(event.metrics);
      return [{ eventId: await derivedEventId(eventId, "metrics"), event: { type: "turn.metrics", turnId: event.turnId, role: event.role, metrics } }];
    }
    case "tool.call": {
      const { result, truncated } = resultPreview(event.response);
      const error = event.error ?? null;
      return [{ eventId: await derivedEventId(eventId, "result"), event: { type: "tool.result", toolCallId: event.toolCallId, name: event.name, arguments: event.request, result, truncated, error } }];
    }
    default:
      return [];
  }
}

/** The result as it was, or (its JSON longer than the preview allows) the start of that JSON. */
export function resultPreview(response: unknown): { result: unknown; truncated: boolean } {
  if (response === undefined || response === null) return { result: null, truncated: false };
  const json = JSON.stringify(response);
  if (json.length <= toolResultPreviewMaxChars) return { result: response, truncated: false };
  let end = toolResultPreviewMaxChars;
  // Never split a surrogate pair: half of one is text the room (and Postgres) refuses.
  const last = json.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return { result: json.slice(0, end), truncated: true };
}

/** `${eventId}:${suffix}`, or a digest of the id in its place when that would be too long. */
async function derivedEventId(eventId: string, suffix: string): Promise<string> {
  const id = `${eventId}:${suffix}`;
  if (id.length <= eventIdMaxChars) return id;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(eventId)));
  return `${Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("")}:${suffix}`;
}

/** Publishes the member-only events of `event`; failures are logged, never thrown. */
export async function publishMemberEvents(room: SessionRoomStub, sessionId: string, eventId: string, event: RuntimeEvent): Promise<void> {
  for (const command of await memberEventsOf(eventId, event)) {
    try {
      const result = await room.publish(command);
      if (!result.ok && result.code !== "invalid_state") log.warn("session room refused a member-only event", { sessionId, type: command.event.type, code: result.code });
    } catch (err) {
      log.warn("publishing a member-only event failed", { sessionId, type: command.event.type, errorName: err instanceof Error ? err.name : typeof err });
    }
  }
}
