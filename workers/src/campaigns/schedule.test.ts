import { describe, expect, it } from "vitest";
import type { CallingWindow, CampaignOutcome, RetryPolicy } from "@speaknode/contracts";
import { decideNext, isInWindow, nextWindowStart, windowEnd } from "./schedule.ts";

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const DAY_MS = 86_400_000;

const weekdays: CallingWindow[] = [{ days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" }];
const sunday = (start: string, end: string): CallingWindow[] => [{ days: [7], start, end }];

describe("calling windows in UTC", () => {
  it("is inside from the start minute up to, not including, the end minute, on the listed weekdays only", () => {
    // 2026-12-07 is a Monday.
    expect(isInWindow(weekdays, "UTC", at("2026-12-07T08:59:59.999Z"))).toBe(false);
    expect(isInWindow(weekdays, "UTC", at("2026-12-07T09:00:00Z"))).toBe(true);
    expect(isInWindow(weekdays, "UTC", at("2026-12-07T17:59:59.999Z"))).toBe(true);
    expect(isInWindow(weekdays, "UTC", at("2026-12-07T18:00:00Z"))).toBe(false);
    expect(isInWindow(weekdays, "UTC", at("2026-12-06T12:00:00Z"))).toBe(false); // Sunday
  });

  it("starts now when inside, else at the next opening; closes at the window's end", () => {
    expect(iso(nextWindowStart(weekdays, "UTC", at("2026-12-07T10:15:00Z")))).toBe("2026-12-07T10:15:00.000Z");
    expect(iso(nextWindowStart(weekdays, "UTC", at("2026-12-07T06:00:00Z")))).toBe("2026-12-07T09:00:00.000Z");
    expect(iso(nextWindowStart(weekdays, "UTC", at("2026-12-07T18:00:00Z")))).toBe("2026-12-08T09:00:00.000Z");
    // A window once a week, just missed: almost seven days on.
    expect(iso(nextWindowStart([{ days: [1], start: "09:00", end: "10:00" }], "UTC", at("2026-12-07T10:00:00Z")))).toBe("2026-12-14T09:00:00.000Z");
    expect(iso(windowEnd(weekdays, "UTC", at("2026-12-07T10:15:00Z")))).toBe("2026-12-07T18:00:00.000Z");
    expect(windowEnd(weekdays, "UTC", at("2026-12-07T18:00:00Z"))).toBeNull();
  });

  it("waits across the weekend gap: Friday evening → Monday 09:00", () => {
    expect(iso(nextWindowStart(weekdays, "UTC", at("2026-12-04T18:30:00Z")))).toBe("2026-12-07T09:00:00.000Z");
    expect(iso(nextWindowStart(weekdays, "UTC", at("2026-12-05T23:59:00Z")))).toBe("2026-12-07T09:00:00.000Z");
  });

  it("picks the earliest of several windows with gaps between them", () => {
    const split: CallingWindow[] = [
      { days: [1, 2, 3, 4, 5], start: "09:00", end: "12:00" },
      { days: [1, 2, 3, 4, 5], start: "14:00", end: "18:00" },
      { days: [6], start: "10:00", end: "13:00" },
    ];
    expect(iso(nextWindowStart(split, "UTC", at("2026-12-07T12:00:00Z")))).toBe("2026-12-07T14:00:00.000Z");
    expect(iso(windowEnd(split, "UTC", at("2026-12-07T11:00:00Z")))).toBe("2026-12-07T12:00:00.000Z");
    expect(iso(nextWindowStart(split, "UTC", at("2026-12-04T19:00:00Z")))).toBe("2026-12-05T10:00:00.000Z");
    expect(iso(nextWindowStart(split, "UTC", at("2026-12-05T13:00:00Z")))).toBe("2026-12-07T09:00:00.000Z");
  });

  it("treats 24:00 as the end of the day", () => {
    const evening: CallingWindow[] = [{ days: [1], start: "20:00", end: "24:00" }];
    expect(isInWindow(evening, "UTC", at("2026-12-07T23:59:59.999Z"))).toBe(true);
    expect(isInWindow(evening, "UTC", at("2026-12-08T00:00:00Z"))).toBe(false);
    expect(iso(windowEnd(evening, "UTC", at("2026-12-07T21:00:00Z")))).toBe("2026-12-08T00:00:00.000Z");
  });

  it("joins windows that meet or overlap, across midnight and across days", () => {
    const weekend: CallingWindow[] = [
      { days: [5], start: "18:00", end: "24:00" },
      { days: [6], start: "00:00", end: "24:00" },
      { days: [7], start: "00:00", end: "12:00" },
    ];
    expect(isInWindow(weekend, "UTC", at("2026-12-05T00:00:00Z"))).toBe(true);
    expect(iso(windowEnd(weekend, "UTC", at("2026-12-04T20:00:00Z")))).toBe("2026-12-06T12:00:00.000Z");
    const overlapping: CallingWindow[] = [
      { days: [1], start: "09:00", end: "12:00" },
      { days: [1], start: "11:00", end: "14:00" },
    ];
    expect(iso(windowEnd(overlapping, "UTC", at("2026-12-07T10:00:00Z")))).toBe("2026-12-07T14:00:00.000Z");
  });

  it("says a window open all week closes no earlier than the 8-day horizon, and an empty list never opens", () => {
    const always: CallingWindow[] = [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" }];
    const now = at("2026-12-07T10:00:00Z");
    expect(windowEnd(always, "UTC", now)).toBe(now + 8 * DAY_MS);
    expect(nextWindowStart([], "UTC", now)).toBeNull();
  });
});

describe("calling windows in the recipient's zone", () => {
  it("reads the window in local time (Asia/Kathmandu, +05:45), Friday evening → Monday 09:00", () => {
    // Friday 2026-12-04 17:45 in Kathmandu.
    expect(isInWindow(weekdays, "Asia/Kathmandu", at("2026-12-04T11:59:00Z"))).toBe(true);
    expect(isInWindow(weekdays, "Asia/Kathmandu", at("2026-12-04T12:15:00Z"))).toBe(false);
    expect(iso(nextWindowStart(weekdays, "Asia/Kathmandu", at("2026-12-04T12:15:00Z")))).toBe("2026-12-07T03:15:00.000Z");
    expect(iso(windowEnd(weekdays, "Asia/Kathmandu", at("2026-12-07T03:15:00Z")))).toBe("2026-12-07T12:15:00.000Z");
  });

  it("opens a window on the local weekday even when UTC is still on the day before", () => {
    // Monday 00:30 in Kathmandu is Sunday 18:45 UTC.
    const early: CallingWindow[] = [{ days: [1], start: "00:00", end: "01:00" }];
    expect(isInWindow(early, "Asia/Kathmandu", at("2026-12-06T18:45:00Z"))).toBe(true);
    expect(isInWindow(early, "UTC", at("2026-12-06T18:45:00Z"))).toBe(false);
  });
});

describe("calling windows across DST changes", () => {
  it("America/New_York spring forward (2026-03-08): a start in the gap opens when the gap ends", () => {
    // 02:00 EST jumps to 03:00 EDT at 07:00Z.
    const w = sunday("02:30", "04:00");
    expect(iso(nextWindowStart(w, "America/New_York", at("2026-03-08T00:00:00-05:00")))).toBe("2026-03-08T07:00:00.000Z");
    expect(isInWindow(w, "America/New_York", at("2026-03-08T06:59:59Z"))).toBe(false);
    expect(isInWindow(w, "America/New_York", at("2026-03-08T07:00:00Z"))).toBe(true);
    expect(iso(windowEnd(w, "America/New_York", at("2026-03-08T07:00:00Z")))).toBe("2026-03-08T08:00:00.000Z"); // 04:00 EDT
  });

  it("America/New_York spring forward: a window wholly inside the gap does not happen that day", () => {
    expect(iso(nextWindowStart(sunday("02:00", "02:30"), "America/New_York", at("2026-03-08T00:00:00-05:00")))).toBe("2026-03-15T06:00:00.000Z");
  });

  it("America/New_York spring forward: a window running into the gap closes when the gap begins", () => {
    expect(iso(windowEnd(sunday("01:00", "02:30"), "America/New_York", at("2026-03-08T01:30:00-05:00")))).toBe("2026-03-08T07:00:00.000Z");
  });

  it("America/New_York fall back (2026-11-01): a start in the repeated hour opens at its first occurrence", () => {
    // 02:00 EDT falls back to 01:00 EST at 06:00Z.
    const w = sunday("01:30", "03:00");
    expect(iso(nextWindowStart(w, "America/New_York", at("2026-11-01T00:00:00-04:00")))).toBe("2026-11-01T05:30:00.000Z");
    // Back at 01:00 EST the wall clock is before 01:30 again: outside until it reaches 01:30 a second time.
    expect(iso(windowEnd(w, "America/New_York", at("2026-11-01T05:30:00Z")))).toBe("2026-11-01T06:00:00.000Z");
    expect(iso(nextWindowStart(w, "America/New_York", at("2026-11-01T01:10:00-05:00")))).toBe("2026-11-01T06:30:00.000Z");
    expect(iso(windowEnd(w, "America/New_York", at("2026-11-01T06:30:00Z")))).toBe("2026-11-01T08:00:00.000Z"); // 03:00 EST
  });

  it("America/New_York fall back: the clock going back re-enters a window without passing its start", () => {
    const w = sunday("00:30", "01:30");
    expect(isInWindow(w, "America/New_York", at("2026-11-01T01:45:00-04:00"))).toBe(false);
    expect(iso(nextWindowStart(w, "America/New_York", at("2026-11-01T01:45:00-04:00")))).toBe("2026-11-01T06:00:00.000Z");
    expect(iso(windowEnd(w, "America/New_York", at("2026-11-01T06:00:00Z")))).toBe("2026-11-01T06:30:00.000Z");
  });

  it("America/New_York fall back: a day window lasts its wall-clock hours on the 25-hour day", () => {
    const daily: CallingWindow[] = [{ days: [7], start: "09:00", end: "17:00" }];
    expect(iso(nextWindowStart(daily, "America/New_York", at("2026-11-01T00:00:00-04:00")))).toBe("2026-11-01T14:00:00.000Z");
    expect(iso(windowEnd(daily, "America/New_York", at("2026-11-01T14:00:00Z")))).toBe("2026-11-01T22:00:00.000Z");
  });

  it("Europe/Paris spring forward (2026-03-29): a start in the gap opens at 03:00 CEST", () => {
    // 02:00 CET jumps to 03:00 CEST at 01:00Z.
    expect(iso(nextWindowStart(sunday("02:30", "05:00"), "Europe/Paris", at("2026-03-29T00:00:00+01:00")))).toBe("2026-03-29T01:00:00.000Z");
  });

  it("Europe/Paris fall back (2026-10-25): opens at the first 02:30, closes when the clock goes back, reopens at the second", () => {
    // 03:00 CEST falls back to 02:00 CET at 01:00Z.
    const w = sunday("02:30", "04:00");
    const first = nextWindowStart(w, "Europe/Paris", at("2026-10-25T00:00:00+02:00"));
    expect(iso(first)).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(windowEnd(w, "Europe/Paris", first!))).toBe("2026-10-25T01:00:00.000Z");
    expect(iso(nextWindowStart(w, "Europe/Paris", at("2026-10-25T01:00:00Z")))).toBe("2026-10-25T01:30:00.000Z");
    expect(iso(windowEnd(w, "Europe/Paris", at("2026-10-25T01:30:00Z")))).toBe("2026-10-25T03:00:00.000Z");
  });

  it("Australia/Lord_Howe (30-minute DST): the gap is 02:00–02:30 and the repeated half hour 01:30–02:00", () => {
    // 2026-10-04 02:00 +10:30 jumps to 02:30 +11:00 at 2026-10-03T15:30Z.
    expect(iso(nextWindowStart(sunday("02:15", "03:00"), "Australia/Lord_Howe", at("2026-10-03T12:00:00Z")))).toBe("2026-10-03T15:30:00.000Z");
    expect(iso(nextWindowStart(sunday("02:00", "02:20"), "Australia/Lord_Howe", at("2026-10-03T12:00:00Z")))).toBe("2026-10-10T15:00:00.000Z");
    // 2026-04-05 02:00 +11:00 falls back to 01:30 +10:30 at 2026-04-04T15:00Z.
    const w = sunday("01:45", "03:00");
    expect(iso(nextWindowStart(w, "Australia/Lord_Howe", at("2026-04-04T12:00:00Z")))).toBe("2026-04-04T14:45:00.000Z");
    expect(iso(windowEnd(w, "Australia/Lord_Howe", at("2026-04-04T14:45:00Z")))).toBe("2026-04-04T15:00:00.000Z");
    expect(iso(nextWindowStart(w, "Australia/Lord_Howe", at("2026-04-04T15:00:00Z")))).toBe("2026-04-04T15:15:00.000Z");
  });
});

const policy: RetryPolicy = {
  noAnswer: { attempts: 2, backoffS: 3600 },
  busy: { attempts: 1, backoffS: 900 },
  voicemail: { attempts: 1, backoffS: 7200 },
  failed: { attempts: 0, backoffS: 1800 },
};
const now = at("2026-12-07T10:00:00Z");
const np = "not_placed" as const;

describe("what happens to an item after an attempt", () => {
  it("completes on completed and fails on cancelled, never retrying", () => {
    expect(decideNext(policy, "completed", ["no_answer", "completed"], now)).toEqual({ kind: "final", status: "completed" });
    expect(decideNext(policy, "cancelled", ["cancelled"], now)).toEqual({ kind: "final", status: "failed" });
  });

  it("retries an unanswered call after its backoff until the extra attempts of that outcome are used", () => {
    const retry = { kind: "retry", atMs: now + 3600_000, countsAgainstPolicy: true };
    expect(decideNext(policy, "no_answer", ["no_answer"], now)).toEqual(retry);
    expect(decideNext(policy, "no_answer", ["no_answer", "no_answer"], now)).toEqual(retry);
    expect(decideNext(policy, "no_answer", ["no_answer", "no_answer", "no_answer"], now)).toEqual({ kind: "final", status: "failed" });
  });

  it("counts each outcome kind against its own rule, and not_placed against none", () => {
    expect(decideNext(policy, "busy", ["busy"], now)).toEqual({ kind: "retry", atMs: now + 900_000, countsAgainstPolicy: true });
    expect(decideNext(policy, "busy", ["busy", "no_answer", "busy"], now)).toEqual({ kind: "final", status: "failed" });
    expect(decideNext(policy, "voicemail", ["busy", "voicemail"], now)).toEqual({ kind: "retry", atMs: now + 7200_000, countsAgainstPolicy: true });
    expect(decideNext(policy, "voicemail", ["voicemail", "voicemail"], now)).toEqual({ kind: "final", status: "failed" });
    const history: CampaignOutcome[] = ["no_answer", np, np, "busy", np, "no_answer"];
    expect(decideNext(policy, "no_answer", history, now)).toEqual({ kind: "retry", atMs: now + 3600_000, countsAgainstPolicy: true });
  });

  it("fails at once when the rule allows no extra attempts", () => {
    expect(decideNext(policy, "failed", ["failed"], now)).toEqual({ kind: "final", status: "failed" });
    expect(decideNext({ ...policy, failed: { attempts: 1, backoffS: 1800 } }, "failed", ["failed"], now)).toEqual({ kind: "retry", atMs: now + 1800_000, countsAgainstPolicy: true });
  });

  it("retries a dial that was never placed with exponential backoff from 60 s, capped at 15 minutes, never giving up", () => {
    const delayS = (history: CampaignOutcome[], retryAfterMs?: number | null) => {
      const step = decideNext(policy, np, history, now, retryAfterMs);
      if (step.kind !== "retry") throw new Error("not_placed must be retried");
      expect(step.countsAgainstPolicy).toBe(false);
      return (step.atMs - now) / 1000;
    };
    expect(delayS([np])).toBe(60);
    expect(delayS([np, np])).toBe(120);
    expect(delayS([np, np, np, np])).toBe(480);
    expect(delayS([np, np, np, np, np])).toBe(900);
    expect(delayS(Array<CampaignOutcome>(40).fill(np))).toBe(900);
    // Only the not_placed run at the end counts.
    expect(delayS([np, np, np, "no_answer", np])).toBe(60);
  });

  it("waits for the provider's Retry-After when it is later, but never more than an hour", () => {
    const step = (history: CampaignOutcome[], retryAfterMs: number | null) => decideNext(policy, np, history, now, retryAfterMs);
    expect(step([np], 300_000)).toEqual({ kind: "retry", atMs: now + 300_000, countsAgainstPolicy: false });
    expect(step([np, np, np], 10_000)).toEqual({ kind: "retry", atMs: now + 240_000, countsAgainstPolicy: false });
    expect(step([np], 2 * 3600_000)).toEqual({ kind: "retry", atMs: now + 3600_000, countsAgainstPolicy: false });
    expect(step([np], null)).toEqual({ kind: "retry", atMs: now + 60_000, countsAgainstPolicy: false });
  });
});
