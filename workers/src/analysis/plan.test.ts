// Whether a finished session gets an analysis, decided by its real SessionRoom's terminal write:
// not_configured with the reason (no settings, the scripted LLM, nothing said) or pending and
// queued once after the commit; session.completed says which, whatever is replayed.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { analysisNotConfiguredReasons } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { makeWorld, withDb, type World } from "../../test/helpers.ts";
import { postEvent } from "../runtime/testing.ts";
import { eventsKeyed, parsedData } from "../webhooks/events/testing.ts";
import { analysisAgent, completedEvent, endedSession } from "./testing.ts";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

const rowOf = async (sessionId: string) => (await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId))))[0]!;
const completedData = async (sessionId: string) => parsedData((await eventsKeyed(`session.ended:${sessionId}`))[0]!);

describe("planning a session's analysis at its end", () => {
  it("queues the analysis of an agent on a real LLM that asks for one, once, and session.completed says pending", async () => {
    const agentId = await analysisAgent(world);
    const { sessionId, queued } = await endedSession(world, agentId);
    // The completion replayed and a second one change nothing.
    await postEvent(sessionId, "done", completedEvent);
    await postEvent(sessionId, "done-again", completedEvent);
    const row = await rowOf(sessionId);
    expect(row).toMatchObject({ status: "completed", analysisStatus: "pending", analysisReason: null, analysisAttempts: 0 });
    expect(row.analysisRequestedAt).toBeInstanceOf(Date);
    expect(queued).toEqual([sessionId]);
    expect(await completedData(sessionId)).toMatchObject({ sessionId, analysisStatus: "pending" });
  });

  it("records not_configured when the agent asks for nothing, queueing nothing", async () => {
    const agentId = await analysisAgent(world, { analysis: undefined });
    const { sessionId, queued } = await endedSession(world, agentId);
    expect(await rowOf(sessionId)).toMatchObject({ analysisStatus: "not_configured", analysisReason: analysisNotConfiguredReasons.noSettings, analysisRequestedAt: null });
    expect(queued).toEqual([]);
    expect(await completedData(sessionId)).toMatchObject({ analysisStatus: "not_configured" });
  });

  it("records not_configured with the scripted LLM's reason rather than fabricating an analysis", async () => {
    const agentId = await analysisAgent(world, { llm: { provider: "scripted", model: "demo" } });
    const { sessionId, queued } = await endedSession(world, agentId);
    expect(await rowOf(sessionId)).toMatchObject({ analysisStatus: "not_configured", analysisReason: analysisNotConfiguredReasons.scriptedLlm });
    expect(queued).toEqual([]);
  });

  it("records not_configured when nothing was said", async () => {
    const agentId = await analysisAgent(world);
    const { sessionId, queued } = await endedSession(world, agentId, []);
    expect(await rowOf(sessionId)).toMatchObject({ analysisStatus: "not_configured", analysisReason: analysisNotConfiguredReasons.noTurns });
    expect(queued).toEqual([]);
    expect(await completedData(sessionId)).toMatchObject({ analysisStatus: "not_configured" });
  });
});
