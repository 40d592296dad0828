// Which session a LiveKit SIP participant's call is, against a fake Room and a fake runtime API:
// the platform's signed attributes, a pure trunk call the Worker accepts or refuses, and headers
// someone forged.
import { ParticipantKind, type RemoteParticipant } from "@livekit/rtc-node";
import { newId, type RuntimeSipInboundBody, type RuntimeSipInboundResult, type SipDispatchMetadata } from "@speaknode/contracts";
import { signSessionToken } from "@speaknode/tokens";
import { describe, expect, it } from "vitest";
import { sipCallSession, sipFactsOf, waitForSipParticipant } from "./sip.ts";
import { FakeRoom, fakeParticipant, type FakeParticipantInit } from "./testing.ts";

const secret = "test-runtime-token-secret-of-32-chars!";
const rule: SipDispatchMetadata = { kind: "speaknode.sip", phoneNumberId: newId("phoneNumber"), connectionId: newId("telephonyConnection") };
const sipAttrs = { "sip.callID": "SCL_abc123", "sip.callStatus": "active", "sip.phoneNumber": "+15550100", "sip.trunkPhoneNumber": "+15550199" };

function sipCaller(attributes: Record<string, string> = {}): RemoteParticipant {
  return fakeParticipant({ identity: "sip_+15550100", kind: ParticipantKind.SIP, attributes: { ...sipAttrs, ...attributes } }) as unknown as RemoteParticipant;
}

/** A runtime API that answers POST /sip/sessions with `answer` and remembers what it was asked. */
function fakeApi(answer: RuntimeSipInboundResult) {
  const asked: RuntimeSipInboundBody[] = [];
  return {
    asked,
    sipInbound: async (body: RuntimeSipInboundBody) => {
      asked.push(body);
      return answer;
    },
  };
}

const refuseAll = fakeApi({ action: "reject", reason: "must not be asked", busy: false });
const room = { name: "call-_+15550100_abc" };

async function tokenFor(sessionId: string, claims: { role?: string; secret?: string; scope?: "media" | "events" } = {}) {
  return signSessionToken(claims.secret ?? secret, { sessionId, agentId: newId("agent"), scope: claims.scope ?? "media", ttlS: 120, ...(claims.role === "" ? {} : { role: claims.role ?? "sip" }) });
}

describe("the session of a SIP call", () => {
  it("is the one the platform's signed attributes name, without asking the Worker", async () => {
    const sessionId = newId("session");
    const caller = sipCaller({ "speaknode.sessionId": sessionId, "speaknode.token": await tokenFor(sessionId) });
    const api = fakeApi({ action: "reject", reason: "x", busy: false });
    expect(await sipCallSession(caller, { room, rule, tokenSecret: secret, api })).toEqual({ action: "run", sessionId });
    expect(api.asked).toEqual([]);
  });

  it("hangs up when the attributes' token is forged, expired in scope, for another role or another session", async () => {
    const sessionId = newId("session");
    const bad: Record<string, string>[] = [
      { "speaknode.sessionId": sessionId, "speaknode.token": await tokenFor(sessionId, { secret: "another-secret-that-is-32-chars-long!!" }) },
      { "speaknode.sessionId": sessionId, "speaknode.token": await tokenFor(sessionId, { scope: "events" }) },
      { "speaknode.sessionId": sessionId, "speaknode.token": await tokenFor(sessionId, { role: "voximplant" }) },
      { "speaknode.sessionId": sessionId, "speaknode.token": await tokenFor(sessionId, { role: "" }) },
      { "speaknode.sessionId": sessionId, "speaknode.token": await tokenFor(newId("session")) },
      { "speaknode.sessionId": sessionId, "speaknode.token": "not-a-jwt" },
      { "speaknode.sessionId": sessionId },
      { "speaknode.token": await tokenFor(sessionId) },
    ];
    for (const attributes of bad) {
      const result = await sipCallSession(sipCaller(attributes), { room, rule, tokenSecret: secret, api: refuseAll });
      expect(result, JSON.stringify(Object.keys(attributes))).toEqual({ action: "hang_up", reason: "the call's session token is not valid" });
    }
    expect(refuseAll.asked).toEqual([]);
  });

  it("is the one the Worker creates for a call straight from a trunk, told the rule and the caller", async () => {
    const sessionId = newId("session");
    const api = fakeApi({ action: "accept", sessionId, agentId: newId("agent") });
    expect(await sipCallSession(sipCaller(), { room, rule, tokenSecret: secret, api })).toEqual({ action: "run", sessionId });
    expect(api.asked).toEqual([
      {
        dispatch: rule,
        participant: { room: room.name, participantIdentity: "sip_+15550100", callId: "SCL_abc123", callStatus: "active", phoneNumber: "+15550100", trunkPhoneNumber: "+15550199" },
      },
    ]);
  });

  it("hangs up with the Worker's reason when it refuses the call", async () => {
    const api = fakeApi({ action: "reject", reason: "number not in service", busy: true });
    expect(await sipCallSession(sipCaller(), { room, rule, tokenSecret: secret, api })).toEqual({ action: "hang_up", reason: "the platform refused the call (busy): number not in service" });
  });
});

describe("the facts of a SIP participant", () => {
  it("has null for attributes LiveKit did not set and the identity for a missing call id", () => {
    const caller = fakeParticipant({ identity: "sip_anon", kind: ParticipantKind.SIP, attributes: { "sip.phoneNumber": " " } }) as unknown as RemoteParticipant;
    expect(sipFactsOf(room, caller)).toEqual({ room: room.name, participantIdentity: "sip_anon", callId: "sip_anon", callStatus: null, phoneNumber: null, trunkPhoneNumber: null });
  });
});

describe("waiting for the SIP participant", () => {
  const sip: FakeParticipantInit = { identity: "sip_1", kind: ParticipantKind.SIP };

  it("takes one already in the room", async () => {
    const fake = new FakeRoom();
    fake.present({ identity: "EG_rec", kind: ParticipantKind.EGRESS });
    const caller = fake.present(sip);
    expect(await waitForSipParticipant(fake.asRoom, 1000)).toBe(caller);
  });

  it("takes the first SIP participant to join, not a web visitor before it", async () => {
    const fake = new FakeRoom();
    const waiting = waitForSipParticipant(fake.asRoom, 1000);
    fake.join({ identity: "visitor", kind: ParticipantKind.STANDARD });
    const caller = fake.join(sip);
    expect(await waiting).toBe(caller);
    expect(fake.listenerCount("participantConnected")).toBe(0);
  });

  it("gives up after its time with no SIP participant", async () => {
    const fake = new FakeRoom();
    fake.join({ identity: "visitor", kind: ParticipantKind.STANDARD });
    expect(await waitForSipParticipant(fake.asRoom, 30)).toBeNull();
    expect(fake.listenerCount("participantConnected")).toBe(0);
  });
});
