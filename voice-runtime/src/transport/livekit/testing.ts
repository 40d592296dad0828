// Fakes of LiveKit's side of a job, for tests: no LiveKit server can run here. A FakeRoom is an
// EventEmitter that emits the real RoomEvent names with participants that carry a numeric
// `info.kind` (ParticipantKind), which is all the room I/O and the job entry look at; a
// FakeJobContext plays the job process (connect, shutdown, deleting the room, and the shutdown
// callbacks the library awaits before the process exits). SIP participants carry LiveKit's sip.*
// attributes, change them (sip.callStatus) and press keys (RoomEvent.DtmfReceived); the agent's
// keys (publishDtmf) are recorded with when they went out.
import { EventEmitter } from "node:events";
import type { JobContext } from "@livekit/agents";
import { Job, Room as RoomInfo } from "@livekit/protocol";
import { DisconnectReason, ParticipantKind, RoomEvent, type RemoteParticipant, type Room } from "@livekit/rtc-node";

export interface FakeParticipantInit {
  identity: string;
  kind: ParticipantKind | undefined;
  attributes?: Record<string, string>;
}

/** The fields of a RemoteParticipant the runtime reads. */
export interface FakeParticipant {
  readonly identity: string;
  readonly info: { kind: ParticipantKind | undefined };
  readonly attributes: Record<string, string>;
  disconnectReason: DisconnectReason | undefined;
}

export class FakeRoom extends EventEmitter {
  readonly name: string;
  readonly remoteParticipants = new Map<string, FakeParticipant>();
  /** Keys the agent published (publishDtmf), with the time each went out. */
  readonly publishedDtmf: { code: number; digit: string; atMs: number }[] = [];
  readonly localParticipant = {
    identity: "agent-AJ_test",
    publishDtmf: async (code: number, digit: string): Promise<void> => {
      this.publishedDtmf.push({ code, digit, atMs: Date.now() });
    },
  };
  isConnected = true;

  constructor(name = "speaknode-test-room") {
    super();
    this.name = name;
  }

  /** Seen as the library's Room (the runtime only uses what the fake has). */
  get asRoom(): Room {
    return this as unknown as Room;
  }

  /** A participant already in the room when the job connects. */
  present(init: FakeParticipantInit): FakeParticipant {
    const participant = fakeParticipant(init);
    this.remoteParticipants.set(participant.identity, participant);
    return participant;
  }

  join(init: FakeParticipantInit): FakeParticipant {
    const participant = this.present(init);
    this.emit(RoomEvent.ParticipantConnected, participant);
    return participant;
  }

  /** The participant publishes a microphone track the agent subscribes to, then unpublishes it. */
  publishAndUnpublishAudio(participant: FakeParticipant): void {
    const track = { sid: `TR_${participant.identity}`, kind: 1 };
    const publication = { sid: track.sid, track };
    this.emit(RoomEvent.TrackPublished, publication, participant);
    this.emit(RoomEvent.TrackSubscribed, track, publication, participant);
    this.emit(RoomEvent.TrackUnsubscribed, track, publication, participant);
    this.emit(RoomEvent.TrackUnpublished, publication, participant);
  }

  /** LiveKit updates the participant's attributes (e.g. sip.callStatus) and tells the room what changed. */
  setAttributes(participant: FakeParticipant, changed: Record<string, string>): void {
    Object.assign(participant.attributes, changed);
    this.emit(RoomEvent.ParticipantAttributesChanged, changed, participant);
  }

  /** The participant pressed a key (an RFC 4733 event LiveKit's SIP service hands the room). */
  pressKey(participant: FakeParticipant, code: number, digit: string): void {
    this.emit(RoomEvent.DtmfReceived, code, digit, participant);
  }

  leave(participant: FakeParticipant, reason: DisconnectReason = DisconnectReason.CLIENT_INITIATED): void {
    participant.disconnectReason = reason;
    this.remoteParticipants.delete(participant.identity);
    this.emit(RoomEvent.ParticipantDisconnected, participant);
  }

  /** The agent's own connection to the room is gone. */
  lose(): void {
    this.isConnected = false;
    this.emit(RoomEvent.Disconnected, DisconnectReason.SIGNAL_CLOSE);
  }
}

export function fakeParticipant(init: FakeParticipantInit): FakeParticipant {
  return { identity: init.identity, info: { kind: init.kind }, attributes: init.attributes ?? {}, disconnectReason: undefined };
}

export const callerKinds = { web: ParticipantKind.STANDARD, sip: ParticipantKind.SIP };

type JobContextPart = Pick<JobContext, "job" | "room" | "connect" | "shutdown" | "addShutdownCallback" | "deleteRoom">;

export class FakeJobContext implements JobContextPart {
  readonly job: Job;
  readonly fakeRoom: FakeRoom;
  connected = false;
  readonly shutdownReasons: string[] = [];
  /** Times the job deleted its room (hanging up everyone in it). */
  roomDeletions = 0;
  readonly #shutdownCallbacks: (() => Promise<void>)[] = [];

  constructor(opts: { metadata: string; room?: FakeRoom }) {
    this.fakeRoom = opts.room ?? new FakeRoom();
    this.job = new Job({ id: "AJ_test", agentName: "speaknode-agent-test", metadata: opts.metadata, room: new RoomInfo({ name: this.fakeRoom.name, sid: "RM_test" }) });
  }

  get room(): Room {
    return this.fakeRoom.asRoom;
  }

  async connect(): Promise<void> {
    this.connected = true;
  }

  shutdown(reason = ""): void {
    this.shutdownReasons.push(reason);
  }

  async deleteRoom(): Promise<void> {
    this.roomDeletions++;
    for (const participant of [...this.fakeRoom.remoteParticipants.values()]) this.fakeRoom.leave(participant, DisconnectReason.ROOM_DELETED);
  }

  addShutdownCallback(callback: () => Promise<void>): void {
    this.#shutdownCallbacks.push(callback);
  }

  /** What the job process does after the entry: run every shutdown callback, then exit. */
  async runShutdownCallbacks(): Promise<void> {
    await Promise.allSettled(this.#shutdownCallbacks.map((cb) => cb()));
  }
}
