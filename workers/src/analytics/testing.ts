// Test data for analytics (workerd only): sessions, turns and tool calls written straight to the
// database with chosen timestamps, so expected aggregates can be worked out by hand; and a fake
// HTTP endpoint for the ClickHouse sink.
import { eq } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { analyticsDaily, sessions, sessionToolCalls, sessionTurns } from "@speaknode/db";
import type { Database } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";

export interface SeedSession {
  agentId: string | null;
  status: "pending" | "dispatching" | "active" | "completed" | "failed";
  createdAt: string;
  startedAt?: string;
  endedAt?: string;
  /** One agent turn per entry; null metrics are left unmeasured. */
  turns?: { voiceToVoiceMs?: number; llmTtftMs?: number; ttsTtfbMs?: number }[];
  tools?: ("ok" | "error" | "timeout")[];
}

/** Inserts the sessions in `spaceId`, returning their ids in order. */
export async function seedSessions(spaceId: string, list: SeedSession[]): Promise<string[]> {
  return withDb(async (db) => {
    const ids: string[] = [];
    for (const s of list) {
      const id = newId("session");
      ids.push(id);
      await insertSession(db, spaceId, id, s);
    }
    return ids;
  });
}

async function insertSession(db: Database, spaceId: string, id: string, s: SeedSession): Promise<void> {
  await db.insert(sessions).values({
    id,
    spaceId,
    agentId: s.agentId,
    status: s.status,
    channel: "api",
    language: "en-US",
    mediaDriver: "local",
    createdAt: new Date(s.createdAt),
    startedAt: s.startedAt ? new Date(s.startedAt) : null,
    endedAt: s.endedAt ? new Date(s.endedAt) : null,
  });
  const at = new Date(s.createdAt);
  for (const [i, t] of (s.turns ?? []).entries()) {
    await db.insert(sessionTurns).values({
      sessionId: id,
      eventId: `turn-${i}`,
      turnId: `t${i}`,
      role: "agent",
      text: "Fine.",
      startedAt: at,
      endedAt: at,
      voiceToVoiceMs: t.voiceToVoiceMs ?? null,
      llmTtftMs: t.llmTtftMs ?? null,
      ttsTtfbMs: t.ttsTtfbMs ?? null,
    });
  }
  for (const [i, status] of (s.tools ?? []).entries()) {
    await addToolCall(db, id, `tool-${i}`, status);
  }
}

export async function addToolCall(db: Database, sessionId: string, eventId: string, status: "ok" | "error" | "timeout"): Promise<void> {
  await db.insert(sessionToolCalls).values({ sessionId, eventId, toolCallId: eventId, name: "order_status", request: {}, status, latencyMs: 100 });
}

/** The space's stored aggregates keyed `day/agentId` ('' = whole space). */
export async function storedRows(spaceId: string): Promise<Map<string, typeof analyticsDaily.$inferSelect>> {
  const rows = await withDb((db) => db.select().from(analyticsDaily).where(eq(analyticsDaily.spaceId, spaceId)));
  return new Map(rows.map((r) => [`${r.day}/${r.agentId}`, r]));
}

export interface RecordedRequest {
  url: URL;
  method: string;
  headers: Headers;
  body: string;
}

/** A fake HTTP endpoint (ClickHouse's, in these tests): keeps every request, answers `status`. */
export function recordingFetch(status = 200, responseBody = ""): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    requests.push({ url: new URL(request.url), method: request.method, headers: request.headers, body: await request.text() });
    return new Response(responseBody, { status });
  };
  return { fetch: fake, requests };
}
