// The CampaignRunner's dialing loop inside workerd, through the real outbound path (sessions,
// SessionRooms, Twilio's Calls.json faked at the fetch boundary) against real Postgres.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
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
});
