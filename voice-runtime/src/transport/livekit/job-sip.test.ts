// The LiveKit job with SIP callers, LiveKit's side played by a FakeJobContext around a FakeRoom and
// the Worker by the fake runtime API: a platform SIP dispatch rule's job finds its session (signed
// attributes, or the Worker's answer for a call straight from a trunk) or hangs the call up by
// deleting the room; every SIP caller, inbound or an outbound callee, is reported to the Worker.
import { EventEmitter } from "node:events";
import { DisconnectReason, ParticipantKind } from "@livekit/rtc-node";
import { newId, type SipDispatchMetadata } from "@speaknode/contracts";
import { signSessionToken } from "@speaknode/tokens";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../../test/fake-runtime-api.ts";
import { runtimeConfig } from "../../../test/fixtures.ts";
import type { CallIo, SessionOutcome } from "../../session/runner.ts";
import { liveKitJob, type LiveKitJob } from "./job.ts";
import { FakeJobContext, type FakeParticipantInit } from "./testing.ts";

let api: FakeRuntimeApi;
beforeAll(async () => {
  api = await startFakeRuntimeApi();
});
afterAll(async () => {
  await api.close();
});

let job: LiveKitJob | undefined;
afterEach(async () => {
  await job?.dispose();
  job = undefined;
  api.answerSipInbound = () => ({ action: "reject", reason: "not in service", busy: false });
});

/** A session the fake Worker knows. */
function knownSession(): string {
  const sessionId = newId("session");
  api.sessions.set(sessionId, runtimeConfig({ sessionId }));
  return sessionId;
}

const completed: SessionOutcome = { status: "completed", reason: "caller_hung_up", turns: 1, usage: { prompt: 0, completion: 0 } };

/** A job process whose session run hands the test its call and ends when the call does. */
function jobProcess() {
  const calls: CallIo[] = [];
  const run = vi.fn(async (io: CallIo) => {
    calls.push(io);
    const end = await io.ended;
    await io.close(end.reason);
    return completed;
  });
  job = liveKitJob({
    env: {
      SPEAKNODE_API_URL: api.url,
      RUNTIME_TOKEN_SECRET: testTokenSecret,
      RUNTIME_TRANSPORT: "livekit",
      LIVEKIT_URL: "ws://127.0.0.1:7880",
      LIVEKIT_API_KEY: "APIkey123",
      LIVEKIT_API_SECRET: "a-livekit-secret-of-at-least-32-characters",
      LOG_LEVEL: "error",
    },
    processEvents: new EventEmitter(),
    exit: vi.fn(),
    runSession: (io) => run(io),
    sipCallerWaitMs: 200,
  });
  return { job, run, calls };
}

const rule: SipDispatchMetadata = { kind: "speaknode.sip", phoneNumberId: newId("phoneNumber"), connectionId: newId("telephonyConnection") };
const ruleDispatch = () => new FakeJobContext({ metadata: JSON.stringify(rule) });

function sipCaller(attributes: Record<string, string> = {}): FakeParticipantInit {
  return { identity: "sip_+15550100", kind: ParticipantKind.SIP, attributes: { "sip.callID": "SCL_abc123", "sip.callStatus": "active", "sip.phoneNumber": "+15550100", "sip.trunkPhoneNumber": "+15550199", ...attributes } };
}

const signed = async (sessionId: string, role = "sip") =>
  ({ "speaknode.sessionId": sessionId, "speaknode.token": await signSessionToken(testTokenSecret, { sessionId, agentId: newId("agent"), scope: "media", role, ttlS: 120 }) });

describe("a LiveKit job for a platform SIP dispatch rule", () => {
  it("runs the session the caller's signed attributes name and reports the caller to the Worker", async () => {
    const { job, calls } = jobProcess();
    const sessionId = knownSession();
    const ctx = ruleDispatch();
    const caller = ctx.fakeRoom.present(sipCaller(await signed(sessionId)));
    const entry = job.entry(ctx);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]?.sessionId).toBe(sessionId);
    expect(calls[0]?.phone?.callId).toBe("SCL_abc123");
    ctx.fakeRoom.leave(caller);
    await entry;
    await ctx.runShutdownCallbacks();
    expect(api.sipInboundRequests).toEqual([]);
    expect(api.sipParticipants.filter((p) => p.sessionId === sessionId).map((p) => p.body)).toEqual([
      { room: ctx.fakeRoom.name, participantIdentity: "sip_+15550100", callId: "SCL_abc123", callStatus: "active", phoneNumber: "+15550100", trunkPhoneNumber: "+15550199" },
    ]);
    expect(ctx.shutdownReasons).toEqual(["caller hung up", "session ended"]);
    expect(ctx.roomDeletions).toBe(0);
  });

  it("waits for a caller straight from a trunk and runs the session the Worker creates for it", async () => {
    const { job, calls } = jobProcess();
    const sessionId = knownSession();
    api.answerSipInbound = () => ({ action: "accept", sessionId, agentId: newId("agent") });
    const ctx = ruleDispatch();
    const entry = job.entry(ctx);
    await vi.waitFor(() => expect(ctx.connected).toBe(true));
    ctx.fakeRoom.join({ identity: "EG_recorder", kind: ParticipantKind.EGRESS });
    const caller = ctx.fakeRoom.join(sipCaller());
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0]?.sessionId).toBe(sessionId);
    expect(api.sipInboundRequests.at(-1)).toEqual({
      dispatch: rule,
      participant: { room: ctx.fakeRoom.name, participantIdentity: "sip_+15550100", callId: "SCL_abc123", callStatus: "active", phoneNumber: "+15550100", trunkPhoneNumber: "+15550199" },
    });
    ctx.fakeRoom.setAttributes(caller, { "sip.callStatus": "hangup" });
    await entry;
    await ctx.runShutdownCallbacks();
    expect(api.sipParticipants.filter((p) => p.sessionId === sessionId).map((p) => p.body.callStatus)).toEqual(["active", "hangup"]);
    expect(ctx.shutdownReasons).toEqual(["caller hung up", "session ended"]);
  });

  it("hangs up a call the Worker refuses by deleting the room, running no session", async () => {
    const { job, run } = jobProcess();
    api.answerSipInbound = () => ({ action: "reject", reason: "number not in service", busy: false });
    const ctx = ruleDispatch();
    const caller = ctx.fakeRoom.present(sipCaller());
    await job.entry(ctx);
    expect(run).not.toHaveBeenCalled();
    expect(ctx.roomDeletions).toBe(1);
    expect(caller.disconnectReason).toBe(DisconnectReason.ROOM_DELETED);
    expect(ctx.shutdownReasons).toEqual(["the platform refused the call: number not in service"]);
  });

  it("hangs up a caller whose session attributes are not signed by the platform for SIP, without asking the Worker", async () => {
    const { job, run } = jobProcess();
    const before = api.sipInboundRequests.length;
    for (const attributes of [await signed(newId("session"), "voximplant"), { "speaknode.sessionId": newId("session"), "speaknode.token": "forged" }]) {
      const ctx = ruleDispatch();
      ctx.fakeRoom.present(sipCaller(attributes));
      await job.entry(ctx);
      expect(ctx.roomDeletions).toBe(1);
      expect(ctx.shutdownReasons).toEqual(["the call's session token is not valid"]);
    }
    expect(run).not.toHaveBeenCalled();
    expect(api.sipInboundRequests.length).toBe(before);
  });

  it("hangs up when no SIP caller joins in time", async () => {
    const { job, run } = jobProcess();
    const ctx = ruleDispatch();
    ctx.fakeRoom.present({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    await job.entry(ctx);
    expect(run).not.toHaveBeenCalled();
    expect(ctx.roomDeletions).toBe(1);
    expect(ctx.shutdownReasons).toEqual(["no SIP caller joined the room"]);
  });
});

describe("a LiveKit job for a session the Worker dispatched", () => {
  it("reports an outbound call's SIP callee to the Worker as its call progresses, and gives the session its keys", async () => {
    const { job, calls } = jobProcess();
    const sessionId = knownSession();
    const ctx = new FakeJobContext({ metadata: JSON.stringify({ sessionId, agentId: newId("agent") }) });
    const inboundBefore = api.sipInboundRequests.length;
    const entry = job.entry(ctx);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const keys: string[] = [];
    calls[0]?.phone?.onDtmf((k) => keys.push(k));
    const callee = ctx.fakeRoom.join(sipCaller({ "sip.callStatus": "ringing" }));
    ctx.fakeRoom.setAttributes(callee, { "sip.callStatus": "active" });
    ctx.fakeRoom.pressKey(callee, 5, "5");
    await calls[0]?.phone?.sendDtmf("1");
    expect(ctx.fakeRoom.publishedDtmf.map((k) => k.digit)).toEqual(["1"]);
    ctx.fakeRoom.leave(callee);
    await entry;
    await ctx.runShutdownCallbacks();
    expect(keys).toEqual(["5"]);
    expect(api.sipParticipants.filter((p) => p.sessionId === sessionId).map((p) => p.body.callStatus)).toEqual(["ringing", "active"]);
    expect(api.sipInboundRequests.length).toBe(inboundBefore);
  });

  it("tells the Worker nothing of a web visitor", async () => {
    const { job, calls } = jobProcess();
    const sessionId = knownSession();
    const ctx = new FakeJobContext({ metadata: JSON.stringify({ sessionId }) });
    const entry = job.entry(ctx);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    const visitor = ctx.fakeRoom.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    ctx.fakeRoom.leave(visitor);
    await entry;
    await ctx.runShutdownCallbacks();
    expect(api.sipParticipants.filter((p) => p.sessionId === sessionId)).toEqual([]);
    expect(ctx.shutdownReasons).toEqual(["caller hung up", "session ended"]);
  });
});

describe("a LiveKit job for an outbound SIP call", () => {
  it("starts the session once the ringing callee answers, not before", async () => {
    const { job, calls } = jobProcess();
    const sessionId = knownSession();
    const ctx = new FakeJobContext({ metadata: JSON.stringify({ sessionId }) });
    const callee = ctx.fakeRoom.present(sipCaller({ "sip.callStatus": "dialing" }));
    const entry = job.entry(ctx);
    ctx.fakeRoom.setAttributes(callee, { "sip.callStatus": "ringing" });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toHaveLength(0);
    ctx.fakeRoom.setAttributes(callee, { "sip.callStatus": "active" });
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    ctx.fakeRoom.leave(callee);
    await entry;
    await ctx.runShutdownCallbacks();
    expect(api.sipParticipants.filter((p) => p.sessionId === sessionId).map((p) => p.body.callStatus)).toEqual(["active"]);
  });

  it("runs no session when the callee hangs up or leaves without answering", async () => {
    const { job, calls } = jobProcess();
    const rejected = new FakeJobContext({ metadata: JSON.stringify({ sessionId: knownSession() }) });
    const busy = rejected.fakeRoom.present(sipCaller({ "sip.callStatus": "ringing" }));
    const first = job.entry(rejected);
    await new Promise((r) => setTimeout(r, 50));
    rejected.fakeRoom.setAttributes(busy, { "sip.callStatus": "hangup" });
    await first;
    expect(rejected.shutdownReasons).toEqual(["session failed: not_answered"]);
    const ctx = new FakeJobContext({ metadata: JSON.stringify({ sessionId: knownSession() }) });
    const callee = ctx.fakeRoom.present(sipCaller({ "sip.callStatus": "ringing" }));
    const entry = job.entry(ctx);
    await new Promise((r) => setTimeout(r, 50));
    ctx.fakeRoom.leave(callee);
    await entry;
    expect(calls).toHaveLength(0);
    expect(ctx.shutdownReasons).toEqual(["session failed: not_answered"]);
  });
});
