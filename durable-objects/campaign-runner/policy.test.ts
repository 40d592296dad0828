// What the runner decides: retries by outcome with their backoff, provider refusals (retried with
// backoff, or the item fails), calling windows, the campaign's concurrency limit under duplicate
// alarms, endBy and cancel.
/// <reference types="@cloudflare/vitest-plugin/types" />
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { twilioError } from "../../workers/test/outbound-fixtures.ts";
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
  wake,
  waitFor,
  type CallEnd,
  type CampaignFixture,
  type RunnerWorld,
} from "./testing.ts";

let rw: RunnerWorld;
beforeAll(async () => {
  rw = await runnerWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function placed(c: CampaignFixture, twilio: ReturnType<typeof twilioAccepting>, n: number) {
  return waitFor(`${n} live calls`, async () => {
    const live = await liveSessionsOf(c.campaignId);
    const sent = new Set(twilio.calls().map(sessionOf));
    return live.length === n && live.every((s) => sent.has(s.id)) && live;
  });
}

describe("CampaignRunner retries", () => {
  it("retries each outcome by its rule and backoff, never retries a completed call, and fails exhausted items", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 4 });
    await wake(c);
    const ends: CallEnd[] = ["busy", "no_answer", "voicemail", "failed"];
    const byPhone = (phone: string) => ends[c.phones.indexOf(phone)] ?? "completed";
    const endRound = async (n: number) => {
      const live = await placed(c, twilio, n);
      const phoneOf = new Map(twilio.calls().map((r) => [sessionOf(r), r.form.get("To") ?? ""]));
      for (const s of live) await endCall(s.id, byPhone(phoneOf.get(s.id) ?? ""));
      // A notice that arrived while an alarm ran is applied by the next tick.
      await tick(c);
    };
    const t0 = Date.now();
    await endRound(4);
    const first = await itemsOf(c.campaignId);
    expect(first.map((i) => [i.status, i.lastOutcome])).toEqual([
      ["scheduled", "busy"],
      ["scheduled", "no_answer"],
      ["scheduled", "voicemail"],
      ["scheduled", "failed"],
    ]);
    // Each waits its rule's backoff (busy 900 s, no answer 3600 s, voicemail 7200 s, failed 1800 s).
    const waits = first.map((i) => Math.round(((i.nextAttemptAt?.getTime() ?? 0) - t0) / 1000));
    [900, 3600, 7200, 1800].forEach((backoffS, k) => expect(waits[k]).toBeGreaterThanOrEqual(backoffS - 5));
    [900, 3600, 7200, 1800].forEach((backoffS, k) => expect(waits[k]).toBeLessThanOrEqual(backoffS + 30));
    await tick(c);
    expect(twilio.calls()).toHaveLength(4);

    await fastForward(c.campaignId);
    await tick(c);
    await endRound(4);
    const second = await itemsOf(c.campaignId);
    // busy, voicemail and failed allow one retry; no answer two.
    expect(second.map((i) => [i.status, i.attempts])).toEqual([
      ["failed", 2],
      ["scheduled", 2],
      ["failed", 2],
      ["failed", 2],
    ]);
    await fastForward(c.campaignId);
    await tick(c);
    await endRound(1);
    await tick(c);
    expect((await itemsOf(c.campaignId)).map((i) => i.status)).toEqual(["failed", "failed", "failed", "failed"]);
    expect((await campaignRow(c.campaignId))?.status).toBe("completed");
    expect(callsTo(twilio.calls())).toEqual({ [c.phones[0] ?? ""]: 2, [c.phones[1] ?? ""]: 3, [c.phones[2] ?? ""]: 2, [c.phones[3] ?? ""]: 2 });
    const progress = await runnerOf(c).progress();
    expect(progress?.byStatus).toMatchObject({ failed: 4, completed: 0, scheduled: 0, in_progress: 0 });
  });

  it("a provider refusal is not_placed with backoff (429 honours Retry-After); an invalid destination fails the item", async () => {
    let refuse = true;
    const twilio = twilioAccepting((req) => {
      if (!refuse) return null;
      return req.form.get("To")?.endsWith("0100") ? twilioError(429, 20429, "Too Many Requests", { "retry-after": "300" }) : twilioError(400, 21211, "Invalid 'To' Phone Number");
    });
    const c = await campaignFixture(rw, { items: 2 });
    const t0 = Date.now();
    await wake(c);
    await waitFor("both refused", async () => (await attemptsOf(c.campaignId)).filter((a) => a.state === "ended").length === 2);
    const items = await itemsOf(c.campaignId);
    expect(items[0]).toMatchObject({ status: "scheduled", lastOutcome: "not_placed" });
    expect((items[0]?.nextAttemptAt?.getTime() ?? 0) - t0).toBeGreaterThanOrEqual(299_000);
    expect(items[1]).toMatchObject({ status: "failed", lastOutcome: "not_placed", nextAttemptAt: null });
    expect(items[1]?.lastError).toMatch(/destination/i);
    expect(twilio.calls()).toHaveLength(2);

    refuse = false;
    await fastForward(c.campaignId);
    await tick(c);
    const [live] = await placed(c, twilio, 1);
    await endCall(live?.id ?? "", "completed");
    await tick(c);
    expect((await itemsOf(c.campaignId)).map((i) => [i.status, i.attempts])).toEqual([
      ["completed", 2],
      ["failed", 1],
    ]);
    expect((await campaignRow(c.campaignId))?.status).toBe("completed");
  });
});

describe("CampaignRunner limits", () => {
  it("calls only inside the calling windows: outside, items wait scheduled for the window's opening", async () => {
    const twilio = twilioAccepting();
    const today = ((new Date().getUTCDay() + 6) % 7) + 1;
    const tomorrow = (today % 7) + 1;
    const c = await campaignFixture(rw, { items: 2, settings: { windows: [{ days: [tomorrow], start: "09:00", end: "10:00" }], defaultTimeZone: "UTC" } });
    await wake(c);
    await waitFor("items scheduled", async () => (await itemsOf(c.campaignId)).every((i) => i.status === "scheduled"));
    const opening = new Date();
    opening.setUTCDate(opening.getUTCDate() + 1);
    opening.setUTCHours(9, 0, 0, 0);
    for (const item of await itemsOf(c.campaignId)) expect(item.nextAttemptAt?.getTime()).toBe(opening.getTime());
    const nextAlarmAt = await tick(c);
    expect(nextAlarmAt).toBe(opening.getTime());
    const progress = await runnerOf(c).progress();
    expect(progress?.waiting).toMatch(/^outside calling windows until .* 09:00 UTC$|^next call at/);
    expect(progress?.nextDialAt).toBe(opening.toISOString());
    expect(twilio.calls()).toHaveLength(0);
  });

  it("never has more live calls than maxConcurrentCalls, even with alarms run in parallel, and fills freed slots", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 6, status: "paused", settings: { maxConcurrentCalls: 2 } });
    await wake(c);
    await tick(c);
    const { withDb } = await import("../../workers/test/helpers.ts");
    const { campaigns } = await import("@speaknode/db");
    const { eq } = await import("drizzle-orm");
    await withDb((db) => db.update(campaigns).set({ status: "running" }).where(eq(campaigns.id, c.campaignId)));
    let peak = 0;
    for (let round = 0; round < 3; round++) {
      await Promise.all([tick(c), tick(c), tick(c), tick(c)]);
      const live = await placed(c, twilio, 2);
      peak = Math.max(peak, live.length, (await runnerOf(c).progress())?.liveCalls.length ?? 0);
      await Promise.all([tick(c), tick(c)]);
      expect((await liveSessionsOf(c.campaignId)).length).toBeLessThanOrEqual(2);
      for (const s of live) await endCall(s.id, "completed");
    }
    await tick(c);
    expect(peak).toBe(2);
    expect(Object.values(callsTo(twilio.calls()))).toEqual([1, 1, 1, 1, 1, 1]);
    expect((await campaignRow(c.campaignId))?.status).toBe("completed");
  });

  it("rotates the caller numbers and spaces each connection's dials by the dial rate", async () => {
    const at = new Map<string, number>();
    const twilio = twilioAccepting((req) => {
      at.set(req.form.get("To") ?? "", Date.now());
      return null;
    });
    const c = await campaignFixture(rw, { items: 4, numbers: 2, settings: { dialRatePerS: 1 } });
    await wake(c);
    await waitFor("four calls", async () => twilio.calls().length === 4);
    const [a, b] = c.numbers;
    expect(twilio.calls().map((r) => r.form.get("From"))).toEqual([a?.e164, b?.e164, a?.e164, b?.e164]);
    const times = c.phones.map((p) => at.get(p) ?? 0);
    // Same connection: a second apart at 1 dial/s; the two connections dial side by side.
    expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect((times[3] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(950);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeLessThan(900);
  });

  it("reads each contact's window in its own zone", async () => {
    const twilio = twilioAccepting();
    // A window open now in UTC only: a contact in a zone 12 hours away waits.
    const now = new Date();
    const hour = now.getUTCHours();
    const day = ((now.getUTCDay() + 6) % 7) + 1;
    const pad = (h: number) => String(h).padStart(2, "0");
    const windows = [{ days: [day], start: `${pad(hour)}:00`, end: hour >= 22 ? "24:00" : `${pad(hour + 2)}:00` }];
    const c = await campaignFixture(rw, { items: 2, settings: { windows, defaultTimeZone: "UTC" } });
    const { withDb } = await import("../../workers/test/helpers.ts");
    const { campaignItems } = await import("@speaknode/db");
    const { eq } = await import("drizzle-orm");
    await withDb((db) => db.update(campaignItems).set({ timeZone: "Pacific/Kiritimati" }).where(eq(campaignItems.id, c.itemIds[1] ?? "")));
    await wake(c);
    await waitFor("one call", async () => twilio.calls().length === 1);
    await tick(c);
    expect(twilio.calls().map((r) => r.form.get("To"))).toEqual([c.phones[0]]);
    const far = (await itemsOf(c.campaignId))[1];
    expect(far?.status).toBe("scheduled");
    expect(far?.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now());
  });

  it("at the space's concurrent-call limit, dials past it are not placed and wait with backoff; the space never exceeds it", async () => {
    const own = await runnerWorld();
    const { withDb } = await import("../../workers/test/helpers.ts");
    const { spaces, sessions } = await import("@speaknode/db");
    const { and, eq, inArray } = await import("drizzle-orm");
    await withDb((db) => db.update(spaces).set({ maxConcurrentCalls: 1 }).where(eq(spaces.id, own.world.spaceId)));
    const twilio = twilioAccepting();
    const c = await campaignFixture(own, { items: 3, settings: { maxConcurrentCalls: 3 } });
    await wake(c);
    await waitFor("two refused", async () => (await attemptsOf(c.campaignId)).filter((a) => a.outcome === "not_placed").length === 2);
    await tick(c);
    expect(twilio.calls()).toHaveLength(1);
    const live = await withDb((db) => db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.spaceId, own.world.spaceId), inArray(sessions.status, ["pending", "dispatching", "active"]))));
    expect(live).toHaveLength(1);
    const waiting = (await itemsOf(c.campaignId)).filter((i) => i.status === "scheduled");
    expect(waiting).toHaveLength(2);
    for (const i of waiting) expect(i.lastError).toMatch(/space/);
    for (const i of waiting) expect(i.nextAttemptAt?.getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it("skips what still waits once endBy has passed, and completes", async () => {
    const twilio = twilioAccepting();
    const c = await campaignFixture(rw, { items: 2, settings: { endBy: new Date(Date.now() - 1000).toISOString() } });
    await wake(c);
    await waitFor("completed", async () => (await campaignRow(c.campaignId))?.status === "completed");
    expect((await itemsOf(c.campaignId)).map((i) => [i.status, i.lastError])).toEqual([
      ["skipped", "the campaign ended (endBy)"],
      ["skipped", "the campaign ended (endBy)"],
    ]);
    expect(twilio.calls()).toHaveLength(0);
  });

  it("paused dials nothing; cancelled cancels what waits and, with end_calls, hangs up the live calls", async () => {
    const twilio = twilioAccepting((req) => (req.path.includes("/Calls/CA") ? { status: 200, body: { sid: req.path.split("/").at(-1)?.replace(".json", ""), status: "canceled" } } : null));
    const c = await campaignFixture(rw, { items: 3, settings: { maxConcurrentCalls: 1 } });
    await wake(c);
    const [live] = await placed(c, twilio, 1);
    await setStatus(c, "paused");
    await tick(c);
    expect((await runnerOf(c).progress())?.waiting).toBe("paused");
    await endCall(live?.id ?? "", "completed");
    await tick(c);
    expect(twilio.calls()).toHaveLength(1);

    await setStatus(c, "running");
    const [second] = await placed(c, twilio, 1);
    await setStatus(c, "cancelled", "end_calls");
    await tick(c);
    const hangups = twilio.requests.filter((r) => r.path.includes("/Calls/CA"));
    expect(hangups).toHaveLength(1);
    expect(["canceled", "completed"]).toContain(hangups[0]?.form.get("Status"));
    await endCall(second?.id ?? "", "failed");
    await tick(c);
    const items = await itemsOf(c.campaignId);
    expect(items.map((i) => i.status)).toEqual(["completed", "cancelled", "cancelled"]);
    const row = await campaignRow(c.campaignId);
    expect(row?.status).toBe("cancelled");
    expect(row?.endedAt).toBeInstanceOf(Date);
    expect(twilio.calls()).toHaveLength(2);
  });
});
