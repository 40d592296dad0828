// The campaign's webhook events through the real runner: campaign.item.completed when an item
// reaches a final status (not when an attempt is retried), campaign.completed when the campaign
// completes or, cancelled, has nothing left; each once whatever ticks again, in the contract's
// layout, announced after the commit. The campaign's calls carry their campaign and item.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { eventsKeyed, parsedData, recordAnnouncements, waitFor as waitUntil, type Announcements } from "../../workers/src/webhooks/events/testing.ts";
import { campaignFixture, endCall, fastForward, liveSessionsOf, runnerOf, runnerWorld, setStatus, tick, twilioAccepting, wake, waitFor, type RunnerWorld } from "./testing.ts";

let rw: RunnerWorld;
let announced: Announcements | null = null;
beforeAll(async () => {
  rw = await runnerWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
  announced?.restore();
  announced = null;
});

const itemEvents = (itemId: string) => eventsKeyed(`campaign.item.completed:${itemId}:`);

describe("campaign webhook events", () => {
  it("writes campaign.item.completed when an item is final (after its retry), campaign.completed once, and announces them", async () => {
    twilioAccepting();
    const c = await campaignFixture(rw, { items: 2 });
    announced = await recordAnnouncements(runnerOf(c));
    const [first, second] = c.itemIds;
    await wake(c);
    const live = await waitFor("two live calls", async () => {
      const s = await liveSessionsOf(c.campaignId);
      return s.length === 2 && s;
    });
    const [a, b] = live;
    if (!a || !b) throw new Error("no calls");
    await endCall(a.id, "completed");
    await endCall(b.id, "busy");
    await tick(c);

    // The campaign's call says which campaign and item it was.
    const [started] = await eventsKeyed(`session.started:${a.id}`);
    expect(parsedData(started!)).toMatchObject({ sessionId: a.id, channel: "phone", direction: "outbound", campaignId: c.campaignId, campaignItemId: expect.stringMatching(/^cit_/) });

    // The busy item waits for its retry: not final, no event yet.
    const bItem = c.itemIds.find((id) => id !== (parsedData(started!)["campaignItemId"] as string));
    const aItem = parsedData(started!)["campaignItemId"] as string;
    expect([first, second]).toContain(aItem);
    expect(await itemEvents(bItem ?? "")).toEqual([]);
    const [aEvent, ...aMore] = await itemEvents(aItem);
    expect(aMore).toEqual([]);
    expect(aEvent?.key).toBe(`campaign.item.completed:${aItem}:1`);
    expect(parsedData(aEvent!)).toMatchObject({ campaignId: c.campaignId, itemId: aItem, status: "completed", outcome: "completed", attempts: 1, sessionId: a.id });

    await fastForward(c.campaignId);
    await tick(c);
    const retry = await waitFor("the retry's call", async () => (await liveSessionsOf(c.campaignId))[0]);
    await endCall(retry.id, "completed");
    await tick(c);
    await tick(c);

    const [bEvent, ...bMore] = await itemEvents(bItem ?? "");
    expect(bMore).toEqual([]);
    expect(bEvent?.key).toBe(`campaign.item.completed:${bItem}:2`);
    expect(parsedData(bEvent!)).toMatchObject({ status: "completed", outcome: "completed", attempts: 2, sessionId: retry.id });
    const [done, ...doneMore] = await eventsKeyed(`campaign.completed:${c.campaignId}`);
    expect(doneMore).toEqual([]);
    expect(parsedData(done!)).toMatchObject({ campaignId: c.campaignId, name: "Runner test", status: "completed", counts: { completed: 2 } });
    expect(await itemEvents(aItem)).toEqual([aEvent]);

    const ids = await waitUntil(() => announced?.ids ?? [], (v) => [aEvent, bEvent, done].every((e) => v.includes(e!.id)));
    expect(ids).toEqual(expect.arrayContaining([aEvent!.id, bEvent!.id, done!.id]));
    expect(ids.filter((id) => id === done!.id)).toHaveLength(1);
  });

  it("closes a cancelled campaign's waiting items with one event each, then campaign.completed (cancelled), once", async () => {
    const c = await campaignFixture(rw, { items: 3, status: "paused" });
    announced = await recordAnnouncements(runnerOf(c));
    await setStatus(c, "cancelled");
    await tick(c);
    await tick(c);
    for (const itemId of c.itemIds) {
      const [event, ...more] = await itemEvents(itemId);
      expect(more).toEqual([]);
      expect(event?.key).toBe(`campaign.item.completed:${itemId}:0`);
      expect(parsedData(event!)).toMatchObject({ itemId, status: "cancelled", outcome: null, attempts: 0, sessionId: null });
    }
    const [done, ...more] = await eventsKeyed(`campaign.completed:${c.campaignId}`);
    expect(more).toEqual([]);
    expect(parsedData(done!)).toMatchObject({ status: "cancelled", counts: { cancelled: 3 } });
    const ids = await waitUntil(() => announced?.ids ?? [], (v) => v.length >= 4);
    expect([...ids].sort()).toEqual([done!.id, ...(await Promise.all(c.itemIds.map(async (id) => (await itemEvents(id))[0]!.id)))].sort());
  });
});
