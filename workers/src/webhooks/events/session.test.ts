// A session's webhook events through the real SessionRoom: session.started with the write to Active,
// session.completed or session.failed with the terminal write, each once whatever is replayed, in the
// contract's layout, announced after the commit; the transcript link of session.completed serves
// the transcript, while a tampered or expired one does not.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { domainEvents, sessions } from "@speaknode/db";
import { call, makeWorld, withDb, type World } from "../../../test/helpers.ts";
import { dispatched, postEvent } from "../../runtime/testing.ts";
import { signTranscriptUrl } from "../../sessions/recording-urls.ts";
import type { SessionRoom } from "../../billing/session-room.ts";
import { eventsKeyed, parsedData, recordAnnouncements, waitFor, type Announcements } from "./testing.ts";

const { SESSION_ROOM } = env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom> };
const roomOf = (sessionId: string) => SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId));
const secret = (env as unknown as { RUNTIME_TOKEN_SECRET: string }).RUNTIME_TOKEN_SECRET;

const t0 = Date.parse("2026-11-25T10:00:00Z");
const at = (ms: number) => new Date(t0 + ms).toISOString();
const turns = [
  { type: "turn", turnId: "t1", role: "user", text: "Where is my order?", startedAt: at(0), endedAt: at(1500) },
  { type: "turn", turnId: "t2", role: "agent", text: "It ships tomorrow.", startedAt: at(2100), endedAt: at(3900) },
];
const completed = (extra: Record<string, unknown> = {}) => ({ type: "completed", tokenUsage: { prompt: 1, completion: 1 }, durationMs: 4000, endReason: "caller_hung_up", ...extra });

/** path and query of an absolute link, for the in-process fetch. */
const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

let world: World;
let announced: Announcements | null = null;
beforeAll(async () => {
  world = await makeWorld();
});
afterEach(() => {
  announced?.restore();
  announced = null;
});

/** A dispatched session whose room's announcements are recorded. */
async function session(): Promise<{ sessionId: string; announced: Announcements }> {
  const { sessionId } = await dispatched(world);
  announced = await recordAnnouncements(roomOf(sessionId));
  return { sessionId, announced };
}

describe("session webhook events", () => {
  it("writes session.started with the write to Active and session.completed with the terminal one, once each, and announces them", async () => {
    const { sessionId, announced } = await session();
    expect((await postEvent(sessionId, "ready", { type: "agent.ready" })).status).toBe(200);
    const [started, ...moreStarted] = await eventsKeyed(`session.started:${sessionId}`);
    expect(moreStarted).toEqual([]);
    expect(started).toMatchObject({ spaceId: world.spaceId, type: "session.started" });
    expect(parsedData(started!)).toMatchObject({ sessionId, agentId: world.agentId, channel: "api", direction: null, campaignId: null, campaignItemId: null });
    expect(await eventsKeyed(`session.ended:${sessionId}`)).toEqual([]);

    for (const [i, turn] of turns.entries()) expect((await postEvent(sessionId, `turn-${i}`, turn)).status).toBe(200);
    expect((await postEvent(sessionId, "done", completed({ audioAvailable: true }))).status).toBe(200);
    // The end replayed, a second end, and the row rewritten from the alarm add nothing.
    expect((await postEvent(sessionId, "done", completed({ audioAvailable: true }))).status).toBe(200);
    await postEvent(sessionId, "done-again", completed());
    await runInDurableObject(roomOf(sessionId), async (_room, state) => {
      await state.storage.put("rowSyncPending", true);
      await state.storage.setAlarm(Date.now());
    });
    expect(await runDurableObjectAlarm(roomOf(sessionId))).toBe(true);

    const [ended, ...moreEnded] = await eventsKeyed(`session.ended:${sessionId}`);
    expect(moreEnded).toEqual([]);
    expect(await eventsKeyed(`session.started:${sessionId}`)).toEqual([started]);
    expect(ended?.type).toBe("session.completed");
    const data = parsedData(ended!);
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(data).toMatchObject({
      sessionId,
      startedAt: row?.startedAt?.toISOString(),
      endedAt: row?.endedAt?.toISOString(),
      endReason: "caller_hung_up",
      recordingUrl: expect.stringMatching(new RegExp(`/recordings/${sessionId}/composite\\?exp=\\d+&sig=`)),
      transcriptUrl: expect.stringMatching(new RegExp(`/transcripts/${sessionId}\\?exp=\\d+&sig=`)),
    });
    expect(data["durationSeconds"]).toBe(Math.round((row!.endedAt!.getTime() - row!.startedAt!.getTime()) / 1000));
    // Valid 7 days from the end.
    const expiresInMs = Date.parse(String(data["linksExpireAt"])) - ended!.occurredAt.getTime();
    expect(Math.abs(expiresInMs - 7 * 86_400_000)).toBeLessThan(2_000);

    // Announced after the commit (the room's waitUntil), each once.
    const ids = await waitFor(() => [...announced.ids].sort(), (v) => v.length >= 2);
    expect(ids).toEqual([started!.id, ended!.id].sort());

    // The transcript link serves the session's turns.
    const transcript = await call("GET", pathOf(String(data["transcriptUrl"])));
    expect(transcript.status, transcript.text).toBe(200);
    expect(transcript.body).toEqual({
      sessionId,
      turns: [
        { turnId: "t1", role: "user", text: "Where is my order?", language: null, interrupted: false, startedAt: at(0), endedAt: at(1500) },
        { turnId: "t2", role: "agent", text: "It ships tomorrow.", language: null, interrupted: false, startedAt: at(2100), endedAt: at(3900) },
      ],
    });
  });

  it("refuses a tampered transcript link (403), an expired one (410) and one for another session (403)", async () => {
    const { sessionId } = await dispatched(world);
    const good = new URL((await signTranscriptUrl(secret, "http://x", sessionId, 600)).url);
    expect((await call("GET", `${good.pathname}${good.search}`)).status).toBe(200);

    const tampered = new URL(good);
    const sig = tampered.searchParams.get("sig") ?? "";
    tampered.searchParams.set("sig", `${sig.slice(0, -2)}${sig.endsWith("AA") ? "BB" : "AA"}`);
    const refused = await call("GET", `${tampered.pathname}${tampered.search}`);
    expect(refused.status).toBe(403);
    expect(refused.body["code"]).toBe("forbidden");

    const longer = new URL(good);
    longer.searchParams.set("exp", String(Number(good.searchParams.get("exp")) + 3600));
    expect((await call("GET", `${longer.pathname}${longer.search}`)).status).toBe(403);

    const { sessionId: other } = await dispatched(world);
    expect((await call("GET", `/transcripts/${other}${good.search}`)).status).toBe(403);

    const expired = new URL((await signTranscriptUrl(secret, "http://x", sessionId, 60, Date.now() - 3_600_000)).url);
    const gone = await call("GET", `${expired.pathname}${expired.search}`);
    expect(gone.status).toBe(410);
    expect(gone.body["code"]).toBe("gone");
  });

  it("gives no recording link when the runtime recorded nothing", async () => {
    const { sessionId } = await session();
    await postEvent(sessionId, "ready", { type: "agent.ready" });
    await postEvent(sessionId, "done", completed({ audioAvailable: false, endReason: undefined }));
    const [ended] = await eventsKeyed(`session.ended:${sessionId}`);
    expect(parsedData(ended!)).toMatchObject({ endReason: "completed", recordingUrl: null });
  });

  it("emits session.started with the terminal write when the write to Active never recorded it", async () => {
    const { sessionId, announced } = await session();
    await postEvent(sessionId, "ready", { type: "agent.ready" });
    // As if the write to Active had failed and the room's next write found the session ended.
    await withDb((db) => db.delete(domainEvents).where(eq(domainEvents.key, `session.started:${sessionId}`)));
    announced.ids.length = 0;
    await postEvent(sessionId, "done", completed());
    const [started] = await eventsKeyed(`session.started:${sessionId}`);
    const [ended] = await eventsKeyed(`session.ended:${sessionId}`);
    expect(parsedData(started!)).toMatchObject({ sessionId });
    expect(ended?.type).toBe("session.completed");
    expect((await waitFor(() => [...announced.ids].sort(), (v) => v.length >= 2)).length).toBe(2);
  });

  it("writes session.failed for a session that never became Active, and no session.started", async () => {
    const { sessionId, announced } = await session();
    expect(await roomOf(sessionId).transition({ to: "failed", reason: "agent did not join" })).toMatchObject({ ok: true, status: "failed" });
    await roomOf(sessionId).transition({ to: "failed", reason: "again" });
    expect(await eventsKeyed(`session.started:${sessionId}`)).toEqual([]);
    const [failed, ...more] = await eventsKeyed(`session.ended:${sessionId}`);
    expect(more).toEqual([]);
    expect(failed?.type).toBe("session.failed");
    expect(parsedData(failed!)).toMatchObject({ sessionId, startedAt: null, reason: "agent did not join", failedAt: expect.any(String) });
    expect(await waitFor(() => announced.ids, (v) => v.length >= 1)).toEqual([failed!.id]);
  });
});
