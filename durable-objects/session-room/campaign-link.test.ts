// A campaign's session tells its CampaignRunner when it ends, once its row is written; a notice the
// runner refused stays owed and is retried from the room's alarm until the runner takes it.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import type { CampaignRunner } from "../campaign-runner/index.ts";
import type { SessionRoom } from "./index.ts";

const { SESSION_ROOM, CAMPAIGN_RUNNER } = env as unknown as { SESSION_ROOM: DurableObjectNamespace<SessionRoom>; CAMPAIGN_RUNNER: DurableObjectNamespace<CampaignRunner> };
const minute = 60_000;

async function campaignRoom(attemptId: string) {
  const sessionId = newId("session");
  const campaignId = newId("campaign");
  const room = SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId));
  const init = await room.init({ sessionId, dispatchTimeoutMs: minute, heartbeatTimeoutMs: minute, maxDurationMs: 60 * minute, campaign: { campaignId, attemptId } });
  expect(init).toMatchObject({ ok: true });
  return { room, sessionId, campaignId, runner: CAMPAIGN_RUNNER.get(CAMPAIGN_RUNNER.idFromName(campaignId)) };
}

const noticeOf = (room: DurableObjectStub<SessionRoom>) =>
  runInDurableObject(room, (_i, state) => state.storage.sql.exec<{ notice: number }>("SELECT notice FROM campaign_link").toArray()[0]?.notice ?? null);

/** The runner has heard of the campaign only through a notice (nothing else touched it). */
const runnerHeard = (runner: DurableObjectStub<CampaignRunner>) =>
  runInDurableObject(runner, (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM meta").one().n === 1);

describe("SessionRoom → CampaignRunner", () => {
  it("tells the campaign's runner when the session completes, once", async () => {
    const { room, runner } = await campaignRoom(newId("campaignAttempt"));
    expect(await noticeOf(room)).toBe(0);
    expect(await runnerHeard(runner)).toBe(false);
    expect(await room.transition({ to: "dispatching" })).toMatchObject({ ok: true });
    expect(await room.transition({ to: "active" })).toMatchObject({ ok: true });
    expect(await noticeOf(room)).toBe(0);
    expect(await room.transition({ to: "completed" })).toMatchObject({ ok: true });
    expect(await noticeOf(room)).toBe(2);
    expect(await runnerHeard(runner)).toBe(true);
    // Nothing owed: no alarm left to retry anything.
    expect(await runInDurableObject(room, (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("keeps a refused notice owed and retries it from the alarm until the runner takes it", async () => {
    // The runner refuses a notice whose attempt id is not one.
    const { room, runner } = await campaignRoom("not-an-attempt-id");
    await room.transition({ to: "failed", reason: "busy" });
    expect(await noticeOf(room)).toBe(1);
    expect(await runInDurableObject(room, (_i, state) => state.storage.getAlarm())).toEqual(expect.any(Number));
    expect(await runDurableObjectAlarm(room)).toBe(true);
    expect(await noticeOf(room)).toBe(1);

    await runInDurableObject(room, (_i, state) => state.storage.sql.exec("UPDATE campaign_link SET attempt_id = ?", newId("campaignAttempt")));
    expect(await runDurableObjectAlarm(room)).toBe(true);
    expect(await noticeOf(room)).toBe(2);
    expect(await runnerHeard(runner)).toBe(true);
    expect(await runInDurableObject(room, (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("a session outside any campaign owes nobody a notice", async () => {
    const sessionId = newId("session");
    const room = SESSION_ROOM.get(SESSION_ROOM.idFromName(sessionId));
    await room.init({ sessionId, dispatchTimeoutMs: minute, heartbeatTimeoutMs: minute, maxDurationMs: 60 * minute });
    await room.transition({ to: "failed", reason: "busy" });
    expect(await noticeOf(room)).toBeNull();
    expect(await runInDurableObject(room, (_i, state) => state.storage.getAlarm())).toBeNull();
  });
});
