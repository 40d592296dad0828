// The CampaignRunner and the space's plan, through the real outbound path: spent voice minutes on a
// hard-stop plan pause the campaign with the reason and leave its items to be called after a resume
// (never failed); the plan's concurrent sessions make calls wait and be tried again.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { afterEach, describe, expect, it, vi } from "vitest";
import { onOwnPlan, spendSeconds } from "../../workers/src/billing/enforcement-testing.ts";
import { campaignFixture, campaignRow, endCall, fastForward, itemsOf, liveSessionsOf, runnerWorld, setStatus, tick, twilioAccepting, wake, waitFor } from "./testing.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("CampaignRunner and the space's plan", () => {
  it("pauses the campaign when the plan's minutes are spent, fails no item, and calls them all once resumed on a plan with minutes", async () => {
    const rw = await runnerWorld();
    const plan = await onOwnPlan(rw.world.spaceId, { name: "Starter", includedMinutes: 1, overagePricePerMinute: null });
    await spendSeconds(rw.world.spaceId, plan.id, 60);
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 3 });
    await wake(c);
    await waitFor("the campaign paused", async () => (await campaignRow(c.campaignId))?.status === "paused");
    await tick(c);
    expect(twilio.calls()).toHaveLength(0);
    const items = await itemsOf(c.campaignId);
    expect(items.filter((i) => i.status === "failed")).toEqual([]);
    expect(items.every((i) => i.status === "pending" || (i.status === "scheduled" && i.lastOutcome === "not_placed"))).toBe(true);
    const progress = await c.runner.progress();
    expect(progress?.status).toBe("paused");
    expect(progress?.waiting).toContain("paused: the Starter plan includes 1 voice minutes");

    await onOwnPlan(rw.world.spaceId, { includedMinutes: 1, overagePricePerMinute: "0.05" });
    await setStatus(c, "running");
    await fastForward(c.campaignId);
    await tick(c);
    await waitFor("every item called", async () => twilio.calls().length === 3);
    expect((await liveSessionsOf(c.campaignId)).length).toBe(3);
  });

  it("keeps to the plan's concurrent sessions: refused calls wait and are placed as slots free up", async () => {
    const rw = await runnerWorld();
    await onOwnPlan(rw.world.spaceId, { limits: { concurrentCalls: 1 } });
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 2 });
    await wake(c);
    const [first] = await waitFor("one live call", async () => {
      const live = await liveSessionsOf(c.campaignId);
      return live.length === 1 && twilio.calls().length === 1 && live;
    });
    await tick(c);
    expect(twilio.calls()).toHaveLength(1);
    const waiting = await itemsOf(c.campaignId);
    expect(waiting.filter((i) => i.status === "failed")).toEqual([]);
    expect((await campaignRow(c.campaignId))?.status).toBe("running");

    await endCall(first?.id ?? "", "completed");
    await tick(c);
    await fastForward(c.campaignId);
    await tick(c);
    await waitFor("the second call placed", async () => twilio.calls().length === 2);
  });
});
