// The CampaignRunner's dialing loop inside workerd, through the real outbound path (sessions,
// SessionRooms, Twilio's Calls.json faked at the fetch boundary) against real Postgres.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { campaignItems } from "@speaknode/db";
import { withDb } from "../../workers/test/helpers.ts";
import {
  attemptsOf,
  campaignFixture,
  campaignRow,
  endCall,
  fastForward,
  itemsOf,
  liveSessionsOf,
  runnerWorld,
  sessionOf,
  tick,
  twilioAccepting,
  wake,
  waitFor,
  type RunnerWorld,
} from "./testing.ts";

let rw: RunnerWorld;
beforeAll(async () => {
  rw = await runnerWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("CampaignRunner dialing", () => {
  it("dials every item once through the outbound path, applies outcomes and completes the campaign with exact counts", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 3 });
    await wake(c);
    const live = await waitFor("three live calls", async () => {
      const s = await liveSessionsOf(c.campaignId);
      return s.length === 3 && twilio.calls().length === 3 && s;
    });
    expect(twilio.calls()).toHaveLength(3);
    expect(new Set(twilio.calls().map((r) => r.form.get("To")))).toEqual(new Set(c.phones));
    expect(new Set(twilio.calls().map(sessionOf))).toEqual(new Set(live.map((s) => s.id)));

    for (const s of live) await endCall(s.id, "completed");
    // Each room told the runner; a notice that came while an alarm ran is applied by the next tick.
    await tick(c);
    const items = await itemsOf(c.campaignId);
    expect(items.map((i) => [i.status, i.attempts, i.lastOutcome])).toEqual([
      ["completed", 1, "completed"],
      ["completed", 1, "completed"],
      ["completed", 1, "completed"],
    ]);
    const row = await campaignRow(c.campaignId);
    expect(row?.status).toBe("completed");
    expect(row?.endedAt).toBeInstanceOf(Date);
    const attempts = await attemptsOf(c.campaignId);
    expect(attempts.map((a) => [a.state, a.outcome, a.attemptNumber])).toEqual([
      ["ended", "completed", 1],
      ["ended", "completed", 1],
      ["ended", "completed", 1],
    ]);
    const progress = await c.runner.progress();
    expect(progress).toMatchObject({ campaignId: c.campaignId, status: "completed", total: 3, liveCalls: [], etaS: 0 });
    expect(progress?.byStatus).toMatchObject({ completed: 3, pending: 0, in_progress: 0 });
    expect(progress?.recent).toHaveLength(3);
    expect(progress?.recent[0]?.phone).toMatch(/•/);
    expect(twilio.calls()).toHaveLength(3);
  });

  it("never calls a number twice at once, even when the campaign lists it twice (allowDuplicates)", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 3, settings: { allowDuplicates: true } });
    const [first, second] = c.itemIds;
    if (!first || !second) throw new Error("no items");
    await withDb((db) => db.update(campaignItems).set({ phone: c.phones[0] ?? "" }).where(eq(campaignItems.id, second)));
    await wake(c);
    const live = await waitFor("two live calls", async () => {
      const s = await liveSessionsOf(c.campaignId);
      return s.length === 2 && twilio.calls().length === 2 && s;
    });
    await tick(c);
    // One call to the shared number, one to the third; the repeated row waits for the first to end.
    expect(twilio.calls().map((r) => r.form.get("To")).sort()).toEqual([c.phones[0], c.phones[2]].sort());
    const waiting = (await itemsOf(c.campaignId)).find((i) => i.id === second);
    expect(waiting).toMatchObject({ status: "scheduled", attempts: 0 });

    const onShared = live.find((s) => twilio.calls().some((r) => sessionOf(r) === s.id && r.form.get("To") === c.phones[0]));
    if (!onShared) throw new Error("no call to the shared number");
    await endCall(onShared.id, "completed");
    await tick(c);
    await fastForward(c.campaignId);
    await tick(c);
    await waitFor("the repeated row called once the first call ended", async () => twilio.calls().length === 3);
    expect(twilio.calls().filter((r) => r.form.get("To") === c.phones[0])).toHaveLength(2);
  });
});
