import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessionCallStatuses, sessionRuntimeEvents, sessions, spaces } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import { classifyOutcome, loadOutcomeFacts, type OutcomeFacts } from "./outcome.ts";

const startedAt = new Date("2026-12-07T10:00:00Z");
const endedAt = new Date("2026-12-07T10:01:30.200Z");

/** A call the agent talked on, as the runtime completes it. */
const talked: OutcomeFacts = {
  status: "completed",
  failureReason: null,
  providerStatus: "completed",
  hangupCause: "completed",
  answeredBy: null,
  voicemailEvent: false,
  startedAt,
  endedAt,
};

/** A call that never reached the agent, failed by call-status.ts with its reason. */
const notJoined = (providerStatus: string | null, failureReason: string): OutcomeFacts => ({
  status: "failed",
  failureReason,
  providerStatus,
  hangupCause: providerStatus,
  answeredBy: null,
  voicemailEvent: false,
  startedAt: null,
  endedAt: new Date("2026-12-07T10:00:20Z"),
});

describe("classifying how a campaign call ended", () => {
  it("has no outcome while the session is pending, dispatching or active", () => {
    for (const status of ["pending", "dispatching", "active"] as const) expect(classifyOutcome({ ...talked, status, endedAt: null })).toBeNull();
  });

  it("counts a completed call with a person (or an unsure verdict) as completed, with its talk time rounded up", () => {
    expect(classifyOutcome(talked)).toEqual({ outcome: "completed", durationS: 91 });
    expect(classifyOutcome({ ...talked, answeredBy: "human" })).toEqual({ outcome: "completed", durationS: 91 });
    expect(classifyOutcome({ ...talked, answeredBy: "unknown" })).toEqual({ outcome: "completed", durationS: 91 });
  });

  it("counts a completed call a machine or fax answered, or where the runtime reached voicemail, as voicemail", () => {
    for (const answeredBy of ["machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax"]) {
      expect(classifyOutcome({ ...talked, answeredBy })).toEqual({ outcome: "voicemail", durationS: 91 });
    }
    expect(classifyOutcome({ ...talked, answeredBy: "unknown", voicemailEvent: true })).toEqual({ outcome: "voicemail", durationS: 91 });
  });

  it("reads busy, no-answer and canceled from the provider's status, without talk time", () => {
    expect(classifyOutcome(notJoined("busy", "busy"))).toEqual({ outcome: "busy", durationS: null });
    expect(classifyOutcome(notJoined("no-answer", "no answer"))).toEqual({ outcome: "no_answer", durationS: null });
    expect(classifyOutcome(notJoined("canceled", "canceled"))).toEqual({ outcome: "failed", durationS: null });
    expect(classifyOutcome(notJoined("failed", "call failed"))).toEqual({ outcome: "failed", durationS: null });
  });

  it("falls back to the failure reason, then the hang-up cause, when the provider's status is missing", () => {
    expect(classifyOutcome(notJoined(null, "busy"))).toEqual({ outcome: "busy", durationS: null });
    expect(classifyOutcome(notJoined(null, "no answer"))).toEqual({ outcome: "no_answer", durationS: null });
    expect(classifyOutcome(notJoined(null, "canceled"))).toEqual({ outcome: "failed", durationS: null });
    expect(classifyOutcome({ ...notJoined(null, "call failed"), hangupCause: "busy (sip 486)" })).toEqual({ outcome: "busy", durationS: null });
    expect(classifyOutcome({ ...notJoined(null, "call failed"), hangupCause: "no-answer" })).toEqual({ outcome: "no_answer", durationS: null });
  });

  it("counts a failed call a machine answered as voicemail (hung up by the voicemail policy before the agent joined)", () => {
    const hungUp = notJoined("completed", "call ended before the agent joined");
    expect(classifyOutcome(hungUp)).toEqual({ outcome: "failed", durationS: null });
    expect(classifyOutcome({ ...hungUp, answeredBy: "machine_start" })).toEqual({ outcome: "voicemail", durationS: null });
    expect(classifyOutcome({ ...hungUp, voicemailEvent: true })).toEqual({ outcome: "voicemail", durationS: null });
    // A busy line never had a machine answer: the provider's status wins.
    expect(classifyOutcome({ ...notJoined("busy", "busy"), answeredBy: "machine_start" })).toEqual({ outcome: "busy", durationS: null });
  });

  it("counts any other failure as failed, with talk time when the call had started", () => {
    const broke: OutcomeFacts = { ...talked, status: "failed", failureReason: "llm error: provider_unavailable" };
    expect(classifyOutcome(broke)).toEqual({ outcome: "failed", durationS: 91 });
    expect(classifyOutcome({ ...broke, providerStatus: null, hangupCause: null })).toEqual({ outcome: "failed", durationS: 91 });
  });
});

describe("loading outcome facts", () => {
  async function seed(): Promise<Record<"machine" | "human" | "voicemail" | "busy" | "active" | "mixed", string>> {
    const spaceId = newId("space");
    const ids = { machine: newId("session"), human: newId("session"), voicemail: newId("session"), busy: newId("session"), active: newId("session"), mixed: newId("session") };
    const base = { spaceId, channel: "phone" as const, language: "en", mediaDriver: "twilio", direction: "outbound" as const };
    const done = { ...base, status: "completed" as const, providerStatus: "completed", hangupCause: "completed", startedAt, endedAt };
    const t = (s: number) => new Date(startedAt.getTime() + s * 1000);
    await withDb(async (db) => {
      await db.insert(spaces).values({ id: spaceId, name: "outcomes" });
      await db.insert(sessions).values([
        { id: ids.machine, ...done },
        { id: ids.human, ...done },
        { id: ids.voicemail, ...done },
        { id: ids.mixed, ...done },
        { id: ids.busy, ...base, status: "failed", failureReason: "busy", providerStatus: "busy", hangupCause: "busy (sip 486)", endedAt },
        { id: ids.active, ...base, status: "active", providerStatus: "in-progress", startedAt },
      ]);
      await db.insert(sessionCallStatuses).values([
        { sessionId: ids.machine, eventKey: "in-progress:1", status: "in-progress", at: t(1) },
        { sessionId: ids.machine, eventKey: "amd:machine_end_beep", status: "amd:machine_end_beep", at: t(5), detail: { answeredBy: "machine_end_beep" } },
        { sessionId: ids.human, eventKey: "completed:3", status: "completed", at: t(90), detail: { callDurationS: 90, answeredBy: "human" } },
        // A later status callback saying "human" does not hide the machine verdict.
        { sessionId: ids.mixed, eventKey: "amd:machine_start", status: "amd:machine_start", at: t(5) },
        { sessionId: ids.mixed, eventKey: "completed:2", status: "completed", at: t(90), detail: { answeredBy: "human" } },
        { sessionId: ids.busy, eventKey: "busy:1", status: "busy", at: t(2), detail: { sipResponseCode: "486" } },
      ]);
      await db.insert(sessionRuntimeEvents).values([
        { sessionId: ids.voicemail, eventId: "ev-vm", type: "phone.voicemail", detail: { answeredBy: "machine_end_beep", action: "leave_message" } },
        { sessionId: ids.human, eventId: "ev-dtmf", type: "dtmf", detail: { digits: "1", direction: "inbound" } },
      ]);
    });
    return ids;
  }

  it("reads every session's status, provider facts, answering-machine verdict and voicemail event in one call", async () => {
    const ids = await seed();
    const facts = await withDb((db) => loadOutcomeFacts(db, [...Object.values(ids), ids.machine, newId("session")]));
    expect(facts.size).toBe(6);
    expect(facts.get(ids.machine)).toEqual({ ...talked, answeredBy: "machine_end_beep" });
    expect(facts.get(ids.human)).toEqual({ ...talked, answeredBy: "human" });
    expect(facts.get(ids.voicemail)).toEqual({ ...talked, voicemailEvent: true });
    expect(facts.get(ids.mixed)?.answeredBy).toBe("machine_start");
    expect(facts.get(ids.busy)).toEqual({ status: "failed", failureReason: "busy", providerStatus: "busy", hangupCause: "busy (sip 486)", answeredBy: null, voicemailEvent: false, startedAt: null, endedAt });
    expect(facts.get(ids.active)).toMatchObject({ status: "active", endedAt: null });

    const outcomes = Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, classifyOutcome(facts.get(id)!)?.outcome ?? null]));
    expect(outcomes).toEqual({ machine: "voicemail", human: "completed", voicemail: "voicemail", busy: "busy", active: null, mixed: "voicemail" });
  });

  it("asks nothing for no sessions", async () => {
    // A database that would throw proves no query is made.
    const unused = new Proxy({}, { get: () => { throw new Error("no query expected"); } }) as Parameters<typeof loadOutcomeFacts>[0];
    expect((await loadOutcomeFacts(unused, [])).size).toBe(0);
  });
});
