// The runner stopped in the middle of a dial (a real abort: memory lost, SQLite kept) at each step
// of claim → CAS → session → provider, duplicate alarms and duplicate session-ended notices: zero
// double dials (Twilio is asked once per destination and per attempt), zero lost items, exact counts.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { origin } from "../../workers/test/helpers.ts";
import { runnerTestSeams, type CrashPoint } from "./dialer.ts";
import { interruptedDialReason } from "./reconcile.ts";
import {
  attemptsOf,
  callsTo,
  campaignFixture,
  campaignRow,
  endCall,
  fastForward,
  itemsOf,
  liveSessionsOf,
  runnerOf,
  runnerWorld,
  sessionOf,
  setStatus,
  tick,
  twilioAccepting,
  waitFor,
  type CampaignFixture,
  type RunnerWorld,
} from "./testing.ts";

let rw: RunnerWorld;
beforeAll(async () => {
  rw = await runnerWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
  runnerTestSeams.crashAt = null;
});

/** A paused campaign the runner knows (woken once); nothing dials until the test says so. */
async function quietCampaign(items: number, maxConcurrentCalls = 1): Promise<CampaignFixture> {
  const c = await campaignFixture(rw, { items, status: "paused", settings: { maxConcurrentCalls } });
  await runnerOf(c).wake({ campaignId: c.campaignId, origin });
  await tick(c);
  return c;
}

/** Flips the campaign to running without waking the runner, so the next tick is the test's. */
async function runningUnwoken(c: CampaignFixture): Promise<void> {
  const { withDb } = await import("../../workers/test/helpers.ts");
  const { campaigns } = await import("@speaknode/db");
  const { eq } = await import("drizzle-orm");
  await withDb((db) => db.update(campaigns).set({ status: "running" }).where(eq(campaigns.id, c.campaignId)));
}

async function finishAll(c: CampaignFixture, twilio: ReturnType<typeof twilioAccepting>): Promise<void> {
  for (let round = 0; round < 10; round++) {
    await fastForward(c.campaignId);
    await tick(c);
    const live = await waitFor("the dials of this round", async () => {
      const s = await liveSessionsOf(c.campaignId);
      const placed = new Set(twilio.calls().map(sessionOf));
      return s.every((x) => placed.has(x.id)) && s;
    });
    for (const s of live) await endCall(s.id, "completed");
    const row = await campaignRow(c.campaignId);
    if (row?.status === "completed") return;
  }
  throw new Error("the campaign did not complete");
}

describe("CampaignRunner stopped in the middle of a dial", () => {
  it.each<[CrashPoint, string]>([
    ["after_claim", "after the claim and before the CAS"],
    ["after_cas", "after the CAS and before the session"],
  ])("%s (%s): the interrupted attempt ends not_placed, the item is dialled once later, nothing is lost", async (point) => {
    const twilio = twilioAccepting();
    const c = await quietCampaign(2);
    await runningUnwoken(c);
    runnerTestSeams.crashAt = point;
    await expect(tick(c)).rejects.toThrow();
    expect(runnerTestSeams.crashAt).toBeNull();
    expect(twilio.calls()).toHaveLength(0);
    const [interrupted] = await attemptsOf(c.campaignId);
    expect(interrupted?.state).toBe(point === "after_claim" ? "created" : "dialing");

    // A new instance: the reconcile gives the attempt up, the other item is dialled.
    await tick(c);
    const attempts = await attemptsOf(c.campaignId);
    expect(attempts[0]).toMatchObject({ id: interrupted?.id, state: "ended", outcome: "not_placed", error: interruptedDialReason, sessionId: null });
    await finishAll(c, twilio);

    expect(callsTo(twilio.calls())).toEqual({ [c.phones[0] ?? ""]: 1, [c.phones[1] ?? ""]: 1 });
    const items = await itemsOf(c.campaignId);
    expect(items.map((i) => [i.status, i.lastOutcome])).toEqual([
      ["completed", "completed"],
      ["completed", "completed"],
    ]);
    expect(items[0]?.attempts).toBe(2);
    expect(items[1]?.attempts).toBe(1);
    const all = await attemptsOf(c.campaignId);
    expect(all).toHaveLength(3);
    expect(all.every((a) => a.state === "ended")).toBe(true);
    expect((await campaignRow(c.campaignId))?.status).toBe("completed");
  });

  it("after_session: the attempt waits for its session (no call was placed), whose end decides the retry", async () => {
    const twilio = twilioAccepting();
    const c = await quietCampaign(1);
    await runningUnwoken(c);
    runnerTestSeams.crashAt = "after_session";
    await expect(tick(c)).rejects.toThrow();
    expect(twilio.calls()).toHaveLength(0);
    const [attempt] = await attemptsOf(c.campaignId);
    expect(attempt).toMatchObject({ state: "dialing", sessionId: expect.stringMatching(/^ses_/) });

    // Restarted: the attempt still holds the campaign's only slot; nothing else is dialled.
    await tick(c);
    await tick(c);
    expect(twilio.calls()).toHaveLength(0);
    expect((await runnerOf(c).progress())?.liveCalls.map((l) => l.attemptId)).toEqual([attempt?.id]);

    // Its room fails it as the dispatch timeout would; the failed rule retries it once.
    const { sessionRoomIn } = await import("../../workers/src/sessions/room.ts");
    const { env } = await import("cloudflare:workers");
    await sessionRoomIn(env, attempt?.sessionId ?? "").transition({ to: "failed", reason: "agent did not join" });
    await tick(c);
    const [item] = await itemsOf(c.campaignId);
    expect(item).toMatchObject({ status: "scheduled", lastOutcome: "failed", attempts: 1 });
    await finishAll(c, twilio);
    expect(callsTo(twilio.calls())).toEqual({ [c.phones[0] ?? ""]: 1 });
    expect((await itemsOf(c.campaignId))[0]).toMatchObject({ status: "completed", attempts: 2 });
  });

  it("an eviction with calls live loses nothing: the live calls come back from SQLite and Postgres, and none is dialled again", async () => {
    const twilio = twilioAccepting();
    const c = await quietCampaign(3, 2);
    await setStatus(c, "running");
    await waitFor("two live calls", async () => twilio.calls().length === 2);
    const before = await runnerOf(c).progress();
    expect(before?.liveCalls).toHaveLength(2);

    expect(await runnerOf(c).evictForTest()).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 50));
    const after = await runnerOf(c).progress();
    expect(after?.liveCalls.map((l) => l.attemptId).sort()).toEqual(before?.liveCalls.map((l) => l.attemptId).sort());
    await tick(c);
    await tick(c);
    expect(twilio.calls()).toHaveLength(2);
    await finishAll(c, twilio);
    expect(Object.values(callsTo(twilio.calls()))).toEqual([1, 1, 1]);
  });

  it("a dial resumed after a recovery gave its attempt up places no call (CAS and session bind refuse it)", async () => {
    const twilio = twilioAccepting();
    const c = await quietCampaign(1);
    const { withDb, testEnv } = await import("../../workers/test/helpers.ts");
    const { env } = await import("cloudflare:workers");
    const { readConfig } = await import("../../workers/src/config.ts");
    const { loadAgentRow, loadCampaign } = await import("./campaign-db.ts");
    const { bindSession, casDialing, claimItem, endAttempt } = await import("./attempts.ts");
    const { outboundDialer } = await import("./dialer.ts");
    await withDb(async (db) => {
      const campaign = await loadCampaign(db, c.campaignId);
      const agent = await loadAgentRow(db, rw.agentId);
      if (!campaign || !agent) throw new Error("fixture missing");
      const number = c.numbers[0]?.phoneNumberId ?? "";
      // Claimed, then given up by a recovery before the CAS: the CAS loses.
      const first = await claimItem(db, c.campaignId, c.itemIds[0] ?? "", number, Date.now());
      if (!first) throw new Error("not claimed");
      expect(await endAttempt(db, campaign, { attemptId: first.attemptId, outcome: "not_placed", error: interruptedDialReason, durationS: null, sessionId: null, onlyWithoutSession: true }, Date.now())).not.toBeNull();
      expect(await casDialing(db, first.attemptId, Date.now())).toBe(false);

      // Past the CAS, given up before its session was bound: the bind refuses and no call is placed.
      await fastForward(c.campaignId);
      const second = await claimItem(db, c.campaignId, c.itemIds[0] ?? "", number, Date.now());
      if (!second) throw new Error("not claimed again");
      expect(await casDialing(db, second.attemptId, Date.now())).toBe(true);
      expect(await endAttempt(db, campaign, { attemptId: second.attemptId, outcome: "not_placed", error: interruptedDialReason, durationS: null, sessionId: null, onlyWithoutSession: true }, Date.now())).not.toBeNull();
      const dial = outboundDialer(
        { db, config: readConfig(testEnv), env: env },
        { campaignId: c.campaignId, attemptId: second.attemptId, agent, agentVersion: rw.agentVersion, settings: campaign.settings, phone: c.phones[0] ?? "", variables: {}, fromNumberId: number, origin, onSessionCreated: (sessionId) => bindSession(db, second.attemptId, sessionId) },
      );
      await expect(dial).rejects.toThrow(/no longer dialing/);
    });
    expect(twilio.calls()).toHaveLength(0);
  });

  it("duplicate alarms and duplicate session-ended notices change nothing", async () => {
    const twilio = twilioAccepting();
    const c = await quietCampaign(3, 3);
    await runningUnwoken(c);
    await Promise.all([tick(c), tick(c), tick(c), tick(c)]);
    await waitFor("three calls", async () => twilio.calls().length === 3);
    await tick(c);
    expect(twilio.calls()).toHaveLength(3);
    expect(await attemptsOf(c.campaignId)).toHaveLength(3);

    const live = await liveSessionsOf(c.campaignId);
    const first = live[0];
    if (!first?.attemptId) throw new Error("no live session");
    await endCall(first.id, "busy");
    await tick(c);
    const once = await itemsOf(c.campaignId);
    const notice = { campaignId: c.campaignId, attemptId: first.attemptId, sessionId: first.id };
    await Promise.all([runnerOf(c).sessionEnded(notice), runnerOf(c).sessionEnded(notice)]);
    await runnerOf(c).sessionEnded(notice);
    await tick(c);
    expect(await itemsOf(c.campaignId)).toEqual(once);
    const ended = (await attemptsOf(c.campaignId)).filter((a) => a.state === "ended");
    expect(ended.map((a) => a.outcome)).toEqual(["busy"]);
    expect(twilio.calls()).toHaveLength(3);
  });
});
