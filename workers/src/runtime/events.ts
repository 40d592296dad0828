// Applies one event the voice runtime reported, exactly once per event id.
//
// Every event but a partial transcript is written to the session_runtime_events ledger, in the
// same transaction as the rows it adds (a turn, a tool call, the token usage). An id already in
// the ledger is answered as a duplicate before anything is touched. The room is told first, so a
// refused lifecycle event (agent.ready out of order, a heartbeat after the end) stores nothing;
// if the database write then fails, a redelivery reaches the room again, which deduplicates
// publishes by the same id. Partial transcripts only exist live, so the room's own deduplication
// is theirs.
//
// History is kept even when the live side cannot take it: a turn, tool call or error that
// arrives after the session ended is stored, just not broadcast (`live: false`). A turn and a tool
// call also give members their details live (member-events.ts), best-effort.
import { and, eq, notInArray } from "drizzle-orm";
import type { RuntimeEvent, RuntimeEventAck, RuntimeEventBody, SessionStatus } from "@speaknode/contracts";
import { schema, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { log } from "../lib/log.ts";
import type { SessionRoomStub } from "../sessions/room.ts";
import { publishMemberEvents, turnMetricsOf } from "./member-events.ts";
import { roomRefusal } from "./room.ts";
import type { SessionRow } from "./session.ts";

const { sessionRecordings, sessionRuntimeEvents, sessionToolCalls, sessionTurns, sessions } = schema;

export interface EventTarget {
  db: Database;
  room: SessionRoomStub;
  session: SessionRow;
}

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

export async function applyRuntimeEvent(target: EventTarget, body: RuntimeEventBody): Promise<RuntimeEventAck> {
  const { db, room, session } = target;
  const { eventId, event } = body;
  if (event.type === "transcript.partial") {
    const published = await room.publish({ eventId, event });
    if (!published.ok) throw roomRefusal(published);
    return { eventId, duplicate: published.duplicate, live: !published.duplicate };
  }

  const [seen] = await db
    .select({ type: sessionRuntimeEvents.type })
    .from(sessionRuntimeEvents)
    .where(and(eq(sessionRuntimeEvents.sessionId, session.id), eq(sessionRuntimeEvents.eventId, eventId)));
  if (seen) {
    if (seen.type !== event.type) {
      throw new ApiError("conflict", `event ${eventId} was already delivered as ${seen.type}, not ${event.type}`);
    }
    return { eventId, duplicate: true, live: false };
  }

  // Whoever reads the row once the room says "completed" (the API, analytics, webhooks) sees how
  // it ended and what it used: the usage goes on the row before the room is told. Only a session
  // that has run takes it here; the ledger transaction below writes it again either way.
  if (event.type === "completed") await recordUsage(db, session.id, event, { onlyIfStarted: true });
  const live = await tellRoom(target, eventId, event);
  const stored = await db.transaction(async (tx) => {
    const [entry] = await tx
      .insert(sessionRuntimeEvents)
      .values({ sessionId: session.id, eventId, type: event.type, detail: detailOf(event) })
      .onConflictDoNothing()
      .returning({ eventId: sessionRuntimeEvents.eventId });
    if (!entry) return false;
    await storeRows(tx, session.id, eventId, event);
    return true;
  });
  return { eventId, duplicate: !stored, live: stored && live };
}

/** Sends the event's live side to the room; true when subscribers were sent something new. */
async function tellRoom(target: EventTarget, eventId: string, event: Exclude<RuntimeEvent, { type: "transcript.partial" }>): Promise<boolean> {
  const { room, session } = target;
  switch (event.type) {
    case "agent.ready": {
      const result = await room.publish({ eventId, event: { type: "agent.ready" } });
      if (!result.ok) throw roomRefusal(result);
      return !result.duplicate;
    }
    case "heartbeat": {
      const result = await room.heartbeat();
      if (!result.ok) throw roomRefusal(result);
      return false;
    }
    case "turn": {
      const { turnId, role, text, language } = event;
      const result = await room.publish({ eventId, event: { type: "transcript.final", turnId, role, text, ...(language ? { language } : {}) } });
      if (result.ok) await publishMemberEvents(room, session.id, eventId, event);
      return bestEffort(session.id, result);
    }
    case "tool.call": {
      const { toolCallId, name, latencyMs } = event;
      const result = await room.publish({ eventId, event: { type: "tool.called", toolCallId, name, status: event.status === "ok" ? "ok" : "error", latencyMs } });
      if (result.ok) await publishMemberEvents(room, session.id, eventId, event);
      return bestEffort(session.id, result);
    }
    case "error": {
      log.warn("runtime reported an error", { sessionId: session.id, code: event.code, stage: event.stage, fatal: event.fatal, pii: { message: event.message } });
      if (!event.fatal) return false;
      const result = await room.transition({ to: "failed", reason: `${event.stage} error: ${event.code}` });
      // A session that has already ended keeps its outcome; the error is still recorded.
      return result.ok;
    }
    case "agent.transferred": {
      const { fromAgentId, toAgentId, language } = event;
      return bestEffort(session.id, await room.publish({ eventId, event: { type: "agent.transferred", fromAgentId, toAgentId, ...(language ? { language } : {}) } }));
    }
    case "dtmf":
      return bestEffort(session.id, await room.publish({ eventId, event: { type: "dtmf", digits: event.digits, direction: event.direction } }));
    case "phone.transferred":
      return bestEffort(session.id, await room.publish({ eventId, event: { type: "phone.transferred", destination: event.destination } }));
    case "phone.voicemail":
      return bestEffort(session.id, await room.publish({ eventId, event: { type: "phone.voicemail", answeredBy: event.answeredBy, action: event.action } }));
    case "completed": {
      const audioAvailable = event.audioAvailable ?? (await hasCompositeRecording(target.db, session.id));
      const result = await room.publish({ eventId, event: { type: "session.completed", audioAvailable, durationMs: event.durationMs } });
      if (result.ok) return !result.duplicate;
      // Completing an ended session still records its usage; completing one that never started is a mistake.
      if (await hasEnded(room)) return false;
      throw roomRefusal(result);
    }
  }
}

function bestEffort(sessionId: string, result: Awaited<ReturnType<SessionRoomStub["publish"]>>): boolean {
  if (result.ok) return !result.duplicate;
  if (result.code !== "invalid_state") log.warn("session room refused a runtime event", { sessionId, code: result.code });
  return false;
}

async function hasEnded(room: SessionRoomStub): Promise<boolean> {
  const state = await room.state();
  const ended: SessionStatus[] = ["completed", "failed"];
  return state.ok && ended.includes(state.status);
}

async function hasCompositeRecording(db: Database, sessionId: string): Promise<boolean> {
  const [row] = await db
    .select({ track: sessionRecordings.track })
    .from(sessionRecordings)
    .where(and(eq(sessionRecordings.sessionId, sessionId), eq(sessionRecordings.track, "composite")));
  return row !== undefined;
}

async function recordUsage(db: Database | Tx, sessionId: string, event: Extract<RuntimeEvent, { type: "completed" }>, opts: { onlyIfStarted: boolean }): Promise<void> {
  const notStarted: SessionStatus[] = ["pending", "dispatching"];
  await db
    .update(sessions)
    .set({ promptTokens: event.tokenUsage.prompt, completionTokens: event.tokenUsage.completion, endReason: event.endReason ?? null })
    .where(opts.onlyIfStarted ? and(eq(sessions.id, sessionId), notInArray(sessions.status, notStarted)) : eq(sessions.id, sessionId));
}

function detailOf(event: RuntimeEvent): Record<string, unknown> | null {
  switch (event.type) {
    case "error":
      return { code: event.code, stage: event.stage, fatal: event.fatal, retryable: event.retryable ?? null, message: event.message };
    case "completed":
      return { tokenUsage: event.tokenUsage, durationMs: event.durationMs, endReason: event.endReason ?? null };
    case "agent.transferred":
      return { fromAgentId: event.fromAgentId, toAgentId: event.toAgentId, reason: event.reason, language: event.language ?? null };
    // Stored with the session (the detail page's timeline); digits are personal data, never logged.
    case "dtmf":
      return { digits: event.digits, direction: event.direction };
    case "phone.transferred":
      return { destination: event.destination, reason: event.reason ?? null };
    case "phone.voicemail":
      return { answeredBy: event.answeredBy, action: event.action };
    default:
      return null;
  }
}

async function storeRows(tx: Tx, sessionId: string, eventId: string, event: RuntimeEvent): Promise<void> {
  switch (event.type) {
    case "turn": {
      await tx
        .insert(sessionTurns)
        .values({
          sessionId,
          eventId,
          turnId: event.turnId,
          role: event.role,
          text: event.text,
          language: event.language ?? null,
          interrupted: event.interrupted,
          startedAt: new Date(event.startedAt),
          endedAt: new Date(event.endedAt),
          ...turnMetricsOf(event.metrics),
        })
        .onConflictDoNothing();
      return;
    }
    case "tool.call":
      await tx
        .insert(sessionToolCalls)
        .values({
          sessionId,
          eventId,
          toolCallId: event.toolCallId,
          name: event.name,
          turnId: event.turnId ?? null,
          request: event.request,
          response: event.response ?? null,
          status: event.status,
          error: event.error ?? null,
          latencyMs: event.latencyMs,
          startedAt: event.startedAt ? new Date(event.startedAt) : null,
        })
        .onConflictDoNothing();
      return;
    case "completed":
      await recordUsage(tx, sessionId, event, { onlyIfStarted: false });
      return;
    default:
      return;
  }
}
