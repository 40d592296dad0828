import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { sessionCallStatuses, sessionRuntimeEvents, sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";

interface CallRow {
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  caller?: string | null;
  providerCallId?: string;
}

/** A finished phone session row as the telephony routes write it (no provider needed). */
async function insertCall(w: World, c: CallRow): Promise<string> {
  const id = newId("session");
  await withDb((db) =>
    db.insert(sessions).values({
      id,
      spaceId: w.spaceId,
      agentId: w.agentId,
      status: "completed",
      channel: "phone",
      caller: c.caller === undefined ? (c.direction === "inbound" ? c.from : c.to) : c.caller,
      language: "en",
      mediaDriver: "twilio",
      direction: c.direction,
      fromNumber: c.from,
      toNumber: c.to,
      providerCallId: c.providerCallId ?? `CA${crypto.randomUUID().replaceAll("-", "")}`,
      providerStatus: "completed",
      hangupCause: "caller hung up",
      startedAt: new Date("2026-12-01T10:00:00Z"),
      endedAt: new Date("2026-12-01T10:01:30Z"),
    }),
  );
  return id;
}

async function insertWebSession(w: World, caller: string): Promise<string> {
  const id = newId("session");
  await withDb((db) => db.insert(sessions).values({ id, spaceId: w.spaceId, agentId: w.agentId, status: "completed", channel: "web", caller, language: "en", mediaDriver: "local" }));
  return id;
}

const ids = (body: { data?: Record<string, unknown>[] }) => body.data?.map((s) => s["id"]);

describe("sessions list: channel, direction and caller number filters", () => {
  it("filters calls by channel and direction, and finds a number in any written form as caller, from or to", async () => {
    const w = await makeWorld();
    const inbound = await insertCall(w, { direction: "inbound", from: "+14155550100", to: "+14155550199" });
    const outbound = await insertCall(w, { direction: "outbound", from: "+14155550199", to: "+442071838750" });
    const web = await insertWebSession(w, "visitor-7");
    const base = `/v1/spaces/${w.spaceId}/sessions`;
    const get = async (query: string) => {
      const res = await call("GET", `${base}?${query}`, { token: w.member.token });
      expect(res.status).toBe(200);
      return ids(res.body);
    };

    expect(await get("channel=phone")).toEqual([outbound, inbound]);
    expect(await get("channel=web")).toEqual([web]);
    expect(await get("direction=inbound")).toEqual([inbound]);
    expect(await get("direction=outbound&channel=phone")).toEqual([outbound]);
    // The platform's number was the callee of one call and the caller id of the other.
    expect(await get(`caller=${encodeURIComponent("+1 (415) 555-0199")}`)).toEqual([outbound, inbound]);
    expect(await get(`caller=${encodeURIComponent("0044 20 7183 8750")}`)).toEqual([outbound]);
    expect(await get(`caller=${encodeURIComponent("+14155550100")}&direction=outbound`)).toEqual([]);
    // Caller ids that are not numbers still match exactly.
    expect(await get("caller=visitor-7")).toEqual([web]);
    expect(await get("caller=visitor")).toEqual([]);
    expectProblem(await call("GET", `${base}?direction=sideways`, { token: w.member.token }), 400, "validation_failed");
  });

  it("finds calls by the last digits of a number or its national form, and not by too few digits", async () => {
    const w = await makeWorld();
    const a = await insertCall(w, { direction: "inbound", from: "+14155550100", to: "+14155550199" });
    const b = await insertCall(w, { direction: "outbound", from: "+14155550199", to: "+14155552671" });
    const base = `/v1/spaces/${w.spaceId}/sessions`;
    const get = async (query: string) => ids((await call("GET", `${base}?${query}`, { token: w.member.token })).body);

    expect(await get("caller=0100")).toEqual([a]);
    expect(await get(`caller=${encodeURIComponent("555-2671")}`)).toEqual([b]);
    expect(await get(`caller=${encodeURIComponent("(415) 555-0100")}`)).toEqual([a]);
    expect(await get("caller=0199")).toEqual([b, a]);
    expect(await get("caller=99")).toEqual([]);
    // Another space's calls never match.
    const other = await call("GET", `/v1/spaces/${w.otherSpaceId}/sessions?caller=0100`, { token: w.outsider.token });
    expect(ids(other.body)).toEqual([]);
  });
});

describe("GET /v1/sessions/{id}: a call's phone facts", () => {
  it("returns direction, numbers, provider call, the status history in time order and the DTMF, transfer and voicemail events", async () => {
    const w = await makeWorld();
    const id = await insertCall(w, { direction: "outbound", from: "+14155550199", to: "+14155550100", providerCallId: `CA${"1".repeat(32)}` });
    const t = (s: number) => new Date(Date.parse("2026-12-01T10:00:00Z") + s * 1000);
    await withDb(async (db) => {
      // Inserted out of order: the API orders by when the provider says it happened.
      await db.insert(sessionCallStatuses).values([
        { sessionId: id, eventKey: "completed:3", status: "completed", at: t(90), detail: { CallDuration: "90" } },
        { sessionId: id, eventKey: "ringing:1", status: "ringing", at: t(-5), detail: {} },
        { sessionId: id, eventKey: "in-progress:2", status: "in-progress", at: t(0), detail: {} },
        { sessionId: id, eventKey: "amd", status: "amd:machine_end_beep", at: t(4), detail: { MachineDetectionDuration: 3800 } },
      ]);
      await db.insert(sessionRuntimeEvents).values([
        { sessionId: id, eventId: "e1", type: "agent.ready", detail: null, createdAt: t(1) },
        { sessionId: id, eventId: "e2", type: "phone.voicemail", detail: { answeredBy: "machine_end_beep", action: "leave_message" }, createdAt: t(5) },
        { sessionId: id, eventId: "e3", type: "dtmf", detail: { digits: "12#", direction: "received" }, createdAt: t(20) },
        { sessionId: id, eventId: "e4", type: "phone.transferred", detail: { destination: "support", reason: null }, createdAt: t(60) },
        { sessionId: id, eventId: "e5", type: "error", detail: { code: "stt_failed", stage: "stt" }, createdAt: t(30) },
      ]);
    });

    const res = await call("GET", `/v1/sessions/${id}`, { token: w.member.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      channel: "phone",
      direction: "outbound",
      phone: { direction: "outbound", from: "+14155550199", to: "+14155550100", provider: "twilio", providerCallId: `CA${"1".repeat(32)}`, providerStatus: "completed", hangupCause: "caller hung up" },
    });
    expect(res.body["callStatuses"]).toEqual([
      { status: "ringing", at: t(-5).toISOString(), detail: {} },
      { status: "in-progress", at: t(0).toISOString(), detail: {} },
      { status: "amd:machine_end_beep", at: t(4).toISOString(), detail: { MachineDetectionDuration: 3800 } },
      { status: "completed", at: t(90).toISOString(), detail: { CallDuration: "90" } },
    ]);
    expect(res.body["phoneEvents"]).toEqual([
      { type: "phone.voicemail", at: t(5).toISOString(), detail: { answeredBy: "machine_end_beep", action: "leave_message" } },
      { type: "dtmf", at: t(20).toISOString(), detail: { digits: "12#", direction: "received" } },
      { type: "phone.transferred", at: t(60).toISOString(), detail: { destination: "support", reason: null } },
    ]);
    // The list shows the same facts per row.
    const list = await call("GET", `/v1/spaces/${w.spaceId}/sessions?channel=phone`, { token: w.member.token });
    expect(list.body.data?.[0]).toMatchObject({ id, direction: "outbound", phone: { from: "+14155550199", to: "+14155550100", provider: "twilio" } });
  });

  it("shows no phone facts for a web session, and skips a stored phone event whose detail does not fit", async () => {
    const w = await makeWorld();
    const web = await insertWebSession(w, "visitor-1");
    const res = await call("GET", `/v1/sessions/${web}`, { token: w.member.token });
    expect(res.body).toMatchObject({ direction: null, phone: null, callStatuses: [], phoneEvents: [] });

    const phone = await insertCall(w, { direction: "inbound", from: "+14155550100", to: "+14155550199" });
    await withDb((db) =>
      db.insert(sessionRuntimeEvents).values([
        { sessionId: phone, eventId: "bad", type: "dtmf", detail: { digits: 5 } },
        { sessionId: phone, eventId: "good", type: "dtmf", detail: { digits: "5", direction: "sent" } },
      ]),
    );
    const detail = await call("GET", `/v1/sessions/${phone}`, { token: w.member.token });
    expect(detail.status).toBe(200);
    expect(detail.body["phoneEvents"]).toEqual([expect.objectContaining({ type: "dtmf", detail: { digits: "5", direction: "sent" } })]);
  });
});
