// A call's facts on the sessions pages without a DOM: the list row's masked number, the filters
// that only calls have, and the detail page's merged status and event timeline.
import { describe, expect, it } from "vitest";
import type { SessionPhone } from "../../../packages/contracts/src/telephony.ts";
import { callStatusLabel, otherParty, phoneRowLabel, phoneTimeline } from "./session-phone.ts";
import { directionApplies, filtersQuery, noFilters, withFilter } from "./sessions.ts";

const phone = (patch: Partial<SessionPhone> = {}): SessionPhone => ({
  direction: "inbound",
  from: "+14155550100",
  to: "+14155550199",
  phoneNumberId: null,
  provider: "twilio",
  providerCallId: "CA00000000000000000000000000000001",
  providerStatus: "completed",
  hangupCause: null,
  ...patch,
});

describe("sessions list: a call's row", () => {
  it("shows the direction and the other party's number masked, never the full number", () => {
    const inbound = phoneRowLabel({ phone: phone() });
    expect(inbound).toEqual({ direction: "inbound", title: "Inbound call from", number: "+1415•••0100" });
    const outbound = phoneRowLabel({ phone: phone({ direction: "outbound", from: "+14155550199", to: "+442071838750" }) });
    expect(outbound).toEqual({ direction: "outbound", title: "Outbound call to", number: "+4420••••8750" });
    expect(JSON.stringify(outbound)).not.toContain("2071838750");
    expect(otherParty(phone({ direction: "outbound" }))).toBe("+14155550199");
    expect(phoneRowLabel({ phone: phone({ from: null }) })?.number).toBe("—");
    expect(phoneRowLabel({ phone: null })).toBeNull();
  });
});

describe("sessions list: the call filters", () => {
  it("sends the direction only while no other channel than phone is chosen, and drops it when one is", () => {
    const inbound = withFilter(noFilters, "direction", "inbound");
    expect(filtersQuery(inbound).direction).toBe("inbound");
    const phoneOnly = withFilter(inbound, "channel", "phone");
    expect(phoneOnly).toMatchObject({ channel: "phone", direction: "inbound" });
    expect(directionApplies(phoneOnly)).toBe(true);
    const web = withFilter(phoneOnly, "channel", "web");
    expect(web).toMatchObject({ channel: "web", direction: "" });
    expect(directionApplies(web)).toBe(false);
    // A stale direction with another channel (filters kept from an older page) is not sent either.
    expect(filtersQuery({ ...noFilters, channel: "widget", direction: "outbound" }).direction).toBeUndefined();
    expect(filtersQuery(withFilter(noFilters, "caller", " 0100 ")).caller).toBe("0100");
  });
});

describe("session detail: the call timeline", () => {
  it("merges provider statuses and phone events in time order, a status first at the same instant", () => {
    const t = (s: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + s * 1000).toISOString();
    const timeline = phoneTimeline({
      callStatuses: [
        { status: "ringing", at: t(-5), detail: {} },
        { status: "in-progress", at: t(0), detail: {} },
        { status: "amd:machine_end_beep", at: t(4), detail: { MachineDetectionDuration: 3800 } },
        { status: "completed", at: t(90), detail: { CallDuration: "90" } },
      ],
      phoneEvents: [
        { type: "phone.voicemail", at: t(4), detail: { answeredBy: "machine_end_beep", action: "leave_message" } },
        { type: "dtmf", at: t(20), detail: { digits: "12#", direction: "received" } },
        { type: "dtmf", at: t(21), detail: { digits: "9", direction: "sent" } },
        { type: "phone.transferred", at: t(60), detail: { destination: "support", reason: "asked for a person" } },
      ],
    });
    expect(timeline.map((e) => e.label)).toEqual([
      "Ringing",
      "Answered",
      "Answered by an answering machine (after the beep)",
      "Voicemail: left a message",
      "Caller pressed keys",
      "Agent sent keys",
      "Transferred to support",
      "Completed",
    ]);
    expect(timeline[4]).toMatchObject({ kind: "dtmf", digits: "12#", direction: "received" });
    expect(timeline[6]).toMatchObject({ kind: "transfer", destination: "support", reason: "asked for a person" });
    expect(phoneTimeline({ callStatuses: [], phoneEvents: [] })).toEqual([]);
  });

  it("names provider statuses for people and flags the ones that end a call badly", () => {
    expect(callStatusLabel("no-answer")).toBe("No answer");
    expect(callStatusLabel("amd:human")).toBe("Answered by a person");
    expect(callStatusLabel("amd:something_new")).toBe("Answered by something new");
    expect(callStatusLabel("forwarding")).toBe("forwarding");
    const [busy, done] = phoneTimeline({ callStatuses: [{ status: "busy", at: "2026-12-01T10:00:00.000Z", detail: {} }, { status: "completed", at: "2026-12-01T10:00:01.000Z", detail: {} }], phoneEvents: [] });
    expect(busy).toMatchObject({ kind: "status", bad: true });
    expect(done).toMatchObject({ kind: "status", bad: false });
  });
});
