// The room I/O against a fake Room emitting LiveKit's events: which participant leaving ends the
// call. Participant kinds are the numeric ParticipantKind values LiveKit sends.
import { DisconnectReason, ParticipantKind } from "@livekit/rtc-node";
import { newId } from "@speaknode/contracts";
import { describe, expect, it } from "vitest";
import { setLogLevel } from "../../log.ts";
import type { CallEnd } from "../types.ts";
import { roomCallIo } from "./room-io.ts";
import { FakeJobContext, FakeRoom } from "./testing.ts";

setLogLevel("error");

function callIn(room: FakeRoom) {
  const ctx = new FakeJobContext({ metadata: "{}", room });
  return roomCallIo(ctx, newId("session")).ended;
}

/** The call's end, or "still on" if it has not ended once the events emitted so far are handled. */
async function state(ended: Promise<CallEnd>): Promise<CallEnd | "still on"> {
  return Promise.race([ended, new Promise<"still on">((resolve) => setTimeout(() => resolve("still on"), 20))]);
}

const hangUp: CallEnd = { reason: "caller hung up", failed: false };

describe("a LiveKit room as a call", () => {
  it("goes on when an egress recorder, an ingress feed or another agent leaves", async () => {
    const room = new FakeRoom();
    const ended = callIn(room);
    room.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    for (const [identity, kind] of [
      ["EG_recorder", ParticipantKind.EGRESS],
      ["IN_feed", ParticipantKind.INGRESS],
      ["agent-other", ParticipantKind.AGENT],
    ] as const) {
      const other = room.join({ identity, kind });
      room.publishAndUnpublishAudio(other);
      room.leave(other);
    }
    expect(await state(ended)).toBe("still on");
  });

  it("ends as a hang-up when the web caller leaves", async () => {
    const room = new FakeRoom();
    const ended = callIn(room);
    const caller = room.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    room.publishAndUnpublishAudio(caller);
    expect(await state(ended)).toBe("still on");
    room.leave(caller);
    expect(await state(ended)).toEqual(hangUp);
  });

  it("ends when a SIP caller who was in the room before the agent leaves, whatever the reason", async () => {
    const room = new FakeRoom();
    const caller = room.present({ identity: "sip_+15550100", kind: ParticipantKind.SIP });
    const ended = callIn(room);
    room.leave(caller, DisconnectReason.SIGNAL_CLOSE);
    expect(await state(ended)).toEqual(hangUp);
  });

  it("takes as the caller the first participant the agent would talk to, not one who came later", async () => {
    const room = new FakeRoom();
    const ended = callIn(room);
    room.join({ identity: "EG_recorder", kind: ParticipantKind.EGRESS });
    const caller = room.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    const second = room.join({ identity: "visitor-2", kind: ParticipantKind.STANDARD });
    room.leave(second);
    expect(await state(ended)).toBe("still on");
    room.leave(caller);
    expect(await state(ended)).toEqual(hangUp);
  });

  it("never takes a participant publishing on the agent's behalf as the caller", async () => {
    const room = new FakeRoom();
    const ended = callIn(room);
    const avatar = room.join({ identity: "avatar-1", kind: ParticipantKind.STANDARD, attributes: { "lk.publish_on_behalf": room.localParticipant.identity } });
    const caller = room.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    room.leave(avatar);
    expect(await state(ended)).toBe("still on");
    room.leave(caller);
    expect(await state(ended)).toEqual(hangUp);
  });

  it("fails when the agent loses the room", async () => {
    const room = new FakeRoom();
    const ended = callIn(room);
    room.join({ identity: "visitor-1", kind: ParticipantKind.STANDARD });
    room.lose();
    expect(await state(ended)).toEqual({ reason: "media connection lost", failed: true });
  });

  it("hands the job's shutdown the reason the call was closed for", async () => {
    const ctx = new FakeJobContext({ metadata: "{}" });
    const io = roomCallIo(ctx, newId("session"));
    await io.close("the agent ended the call");
    expect(ctx.shutdownReasons).toEqual(["the agent ended the call"]);
  });
});
