// A LiveKit room whose caller is a SIP participant, against a fake Room: the call's phone line
// (keys both ways as RFC 4733 events, LiveKit's call id), sip.callStatus ending the call, and the
// Worker told about the caller; a web caller's call has none of it.
import { llm, type voice } from "@livekit/agents";
import { DisconnectReason, ParticipantKind, type RemoteParticipant } from "@livekit/rtc-node";
import { newId, type RuntimeEvent, type RuntimePhone } from "@speaknode/contracts";
import { describe, expect, it } from "vitest";
import { setLogLevel } from "../../log.ts";
import { dtmfUserInput, PhoneCall } from "../../session/phone.ts";
import type { CallEnd } from "../types.ts";
import { roomCallIo, type RoomCallOptions } from "./room-io.ts";
import { FakeJobContext, FakeRoom, type FakeParticipantInit } from "./testing.ts";

setLogLevel("error");

const sipCaller: FakeParticipantInit = {
  identity: "sip_+15550100",
  kind: ParticipantKind.SIP,
  attributes: { "sip.callID": "SCL_abc123", "sip.callStatus": "active", "sip.phoneNumber": "+15550100" },
};

function callIn(room: FakeRoom, options: RoomCallOptions = {}) {
  const reported: { identity: string; callStatus: string | undefined }[] = [];
  const io = roomCallIo(new FakeJobContext({ metadata: "{}", room }), newId("session"), {
    interDigitPauseMs: 40,
    onSipCaller: (caller: RemoteParticipant) => reported.push({ identity: caller.identity, callStatus: caller.attributes["sip.callStatus"] }),
    ...options,
  });
  const phone = io.phone;
  if (!phone) throw new Error("a LiveKit call always has its phone line");
  const keys: string[] = [];
  phone.onDtmf((digit) => keys.push(digit));
  return { io, phone, keys, reported };
}

async function state(ended: Promise<CallEnd>): Promise<CallEnd | "still on"> {
  return Promise.race([ended, new Promise<"still on">((resolve) => setTimeout(() => resolve("still on"), 20))]);
}

const hangUp: CallEnd = { reason: "caller hung up", failed: false };

describe("a LiveKit room with a SIP caller", () => {
  it("is a phone line of LiveKit SIP with the caller's SIP call id, the Worker told of the caller", () => {
    const room = new FakeRoom();
    room.present(sipCaller);
    const { phone, reported } = callIn(room);
    expect(phone.provider).toBe("livekit_sip");
    expect(phone.callId).toBe("SCL_abc123");
    expect(reported).toEqual([{ identity: "sip_+15550100", callStatus: "active" }]);
  });

  it("passes on the keys the caller presses, by digit or by event code alone, and no one else's", async () => {
    const room = new FakeRoom();
    const { keys } = callIn(room);
    const caller = room.join(sipCaller);
    const other = room.join({ identity: "sip_other", kind: ParticipantKind.SIP });
    room.pressKey(caller, 1, "1");
    room.pressKey(other, 9, "9");
    room.pressKey(caller, 11, "#");
    room.pressKey(caller, 10, "");
    room.pressKey(caller, 13, "b");
    room.pressKey(caller, 99, "");
    expect(keys).toEqual(["1", "#", "*", "B"]);
  });

  it("presses the agent's keys as RFC 4733 events, one per key with a pause between them", async () => {
    const room = new FakeRoom();
    room.present(sipCaller);
    const { phone } = callIn(room);
    await phone.sendDtmf("09*#aD");
    expect(room.publishedDtmf.map(({ code, digit }) => [code, digit])).toEqual([
      [0, "0"],
      [9, "9"],
      [10, "*"],
      [11, "#"],
      [12, "A"],
      [15, "D"],
    ]);
    const at = room.publishedDtmf.map((k) => k.atMs);
    for (let i = 1; i < at.length; i++) expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(35);
  });

  it("refuses keys that are not on a keypad, pressing none of them", async () => {
    const room = new FakeRoom();
    room.present(sipCaller);
    const { phone } = callIn(room);
    await expect(phone.sendDtmf("12x")).rejects.toBeInstanceOf(llm.ToolError);
    expect(room.publishedDtmf).toEqual([]);
  });

  it("ends as a hang-up when LiveKit says the SIP call hung up, though the participant is still there", async () => {
    const room = new FakeRoom();
    const { io, reported } = callIn(room);
    const caller = room.join({ ...sipCaller, attributes: { ...sipCaller.attributes, "sip.callStatus": "ringing" } });
    room.setAttributes(caller, { "sip.callStatus": "active" });
    expect(await state(io.ended)).toBe("still on");
    room.setAttributes(caller, { "sip.phoneNumber": "+15550101" });
    room.setAttributes(caller, { "sip.callStatus": "hangup" });
    expect(await state(io.ended)).toEqual(hangUp);
    expect(reported.map((r) => r.callStatus)).toEqual(["ringing", "active", "hangup"]);
  });

  it("ends as a hang-up when the SIP caller leaves the room", async () => {
    const room = new FakeRoom();
    const { io } = callIn(room);
    const caller = room.join(sipCaller);
    room.leave(caller);
    expect(await state(io.ended)).toEqual(hangUp);
  });

  it("goes on when another SIP participant's call hangs up", async () => {
    const room = new FakeRoom();
    const { io } = callIn(room);
    room.join(sipCaller);
    const other = room.join({ identity: "sip_other", kind: ParticipantKind.SIP, attributes: { "sip.callStatus": "active" } });
    room.setAttributes(other, { "sip.callStatus": "hangup" });
    expect(await state(io.ended)).toBe("still on");
  });
});

describe("a LiveKit room with a web caller", () => {
  it("has a phone line that hears no keys and refuses to press any, and tells the Worker nothing", async () => {
    const room = new FakeRoom();
    const { phone, keys, reported } = callIn(room);
    const visitor = room.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD, attributes: { "sip.callStatus": "active" } });
    room.pressKey(visitor, 1, "1");
    room.setAttributes(visitor, { "sip.callStatus": "hangup" });
    expect(keys).toEqual([]);
    expect(phone.callId).toBe("");
    await expect(phone.sendDtmf("1")).rejects.toBeInstanceOf(llm.ToolError);
    expect(room.publishedDtmf).toEqual([]);
    expect(reported).toEqual([]);
  });
});

describe("the session's phone features on a LiveKit SIP call", () => {
  // RuntimePhone.provider names only Twilio so far (the Worker sends it for every phone session); the runner never reads it.
  const phone: RuntimePhone = {
    provider: "twilio",
    direction: "inbound",
    from: "+15550100",
    to: "+15550199",
    providerCallId: "SCL_abc123",
    recordingEnabled: true,
    voicemail: { action: "hang_up", message: "" },
  };

  it("hear the caller's keys as one input and press the agent's keys, through the session runner's phone call", async () => {
    const room = new FakeRoom();
    room.present(sipCaller);
    const { phone: line } = callIn(room);
    const reports: RuntimeEvent[] = [];
    const replies: string[] = [];
    const call = new PhoneCall(line, phone, { sessionId: newId("session"), api: { transferCall: async () => {} }, report: (e) => reports.push(e), beginEnding: () => true }, { dtmfQuietMs: 30 });
    // The part of an AgentSession a phone call uses when keys arrive.
    call.attach({ agentState: "listening", generateReply: ({ userInput }: { userInput: string }) => void replies.push(userInput) } as unknown as voice.AgentSession);
    const caller = room.remoteParticipants.get(sipCaller.identity);
    if (!caller) throw new Error("the caller is in the room");
    room.pressKey(caller, 4, "4");
    room.pressKey(caller, 2, "2");
    await new Promise((r) => setTimeout(r, 80));
    expect(replies).toEqual([dtmfUserInput("42")]);
    await call.sendDtmf("9#");
    expect(room.publishedDtmf.map((k) => k.code)).toEqual([9, 11]);
    expect(reports).toEqual([
      { type: "dtmf", digits: "42", direction: "received" },
      { type: "dtmf", digits: "9#", direction: "sent" },
    ]);
    call.detach();
  });
});

describe("the agent ending a LiveKit SIP call", () => {
  it("hangs the caller up by deleting the call's room", async () => {
    const room = new FakeRoom();
    const caller = room.present(sipCaller);
    const ctx = new FakeJobContext({ metadata: "{}", room });
    await roomCallIo(ctx, newId("session")).close("the agent ended the call");
    expect(ctx.roomDeletions).toBe(1);
    expect(caller.disconnectReason).toBe(DisconnectReason.ROOM_DELETED);
    expect(ctx.shutdownReasons).toEqual(["the agent ended the call"]);
  });

  it("leaves the room alone once the caller has hung up, and for a web caller", async () => {
    for (const init of [sipCaller, { identity: "visitor-1", kind: ParticipantKind.STANDARD }]) {
      const room = new FakeRoom();
      const ctx = new FakeJobContext({ metadata: "{}", room });
      const io = roomCallIo(ctx, newId("session"));
      const caller = room.join(init);
      if (init === sipCaller) room.leave(caller);
      await io.close("session ended");
      expect(ctx.roomDeletions, init.identity).toBe(0);
    }
  });
});
