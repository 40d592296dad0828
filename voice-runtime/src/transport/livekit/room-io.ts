// A LiveKit room as a call: the AgentSession's own RoomIO carries the audio (we only tap it for
// the recording), the caller leaving ends the call, and background sound is a second track
// published by LiveKit's BackgroundAudioPlayer from our ambience sources.
import { voice } from "@livekit/agents";
import type { JobContext } from "@livekit/agents";
import { DisconnectReason, RoomEvent, type RemoteParticipant, type Room } from "@livekit/rtc-node";
import { backgroundFrames, createBackgroundSource } from "../../audio/background.ts";
import { errorFields, log } from "../../log.ts";
import type { CallIo } from "../../session/runner.ts";
import type { CallEnd } from "../types.ts";

const backgroundRateHz = 48_000;

/** The attribute a participant sets when it publishes for the agent (e.g. an avatar); the RoomIO never links to it. */
const publishOnBehalfAttribute = "lk.publish_on_behalf";

/**
 * Whether the session's RoomIO would link to this participant: one of the kinds it accepts by
 * default (`voice.DEFAULT_PARTICIPANT_KINDS`: a standard client, a SIP caller, a connector; the
 * kind is the numeric `ParticipantKind`), not one publishing on the agent's behalf. Egress
 * recorders, ingress feeds and other agents never are.
 */
function couldBeCaller(participant: RemoteParticipant, agentIdentity: string | undefined): boolean {
  if (agentIdentity !== undefined && participant.attributes?.[publishOnBehalfAttribute] === agentIdentity) return false;
  const kind = participant.info.kind;
  return kind === undefined || voice.DEFAULT_PARTICIPANT_KINDS.includes(kind);
}

/**
 * The caller is the participant the agent talks to: the first one the RoomIO would link to (it
 * takes the room's participants in the same order, those already there first). Once known it
 * stays the caller, and only its leaving ends the call; anyone else may come and go.
 */
function watchCaller(room: Room, onLeft: (caller: RemoteParticipant) => void): void {
  let caller: string | undefined;
  const consider = (p: RemoteParticipant) => {
    if (caller === undefined && couldBeCaller(p, room.localParticipant?.identity)) caller = p.identity;
  };
  for (const p of room.remoteParticipants.values()) consider(p);
  room.on(RoomEvent.ParticipantConnected, consider);
  room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
    if (caller !== undefined && p.identity === caller) onLeft(p);
  });
}

export function roomCallIo(ctx: Pick<JobContext, "room" | "shutdown">, sessionId: string): CallIo {
  const room = ctx.room;
  let player: voice.BackgroundAudioPlayer | undefined;
  let agentSession: voice.AgentSession | undefined;
  const ended = new Promise<CallEnd>((resolve) => {
    watchCaller(room, (caller) => {
      const reason = caller.disconnectReason;
      log.info("caller left the room", { sessionId, disconnectReason: reason === undefined ? undefined : DisconnectReason[reason] });
      resolve({ reason: "caller hung up", failed: false });
    });
    room.on(RoomEvent.Disconnected, () => resolve({ reason: "media connection lost", failed: true }));
  });
  return {
    sessionId,
    attach(session) {
      agentSession = session;
      return { room };
    },
    afterStart(session, recorder) {
      if (!recorder) return;
      if (session.input.audio) session.input.audio = recorder.wrapInput(session.input.audio);
      if (session.output.audio) session.output.audio = recorder.wrapOutput(session.output.audio);
    },
    ended,
    setBackground(background) {
      const previous = player;
      player = undefined;
      void previous?.close();
      if (!background) return;
      const source = createBackgroundSource(background.sound, backgroundRateHz);
      if (!source) return;
      const next = new voice.BackgroundAudioPlayer({ ambientSound: { source: backgroundFrames(source, { volume: background.volume }), volume: 1 } });
      player = next;
      next.start({ room, ...(agentSession ? { agentSession } : {}) }).catch((err: unknown) => log.warn("background sound failed", { sessionId, ...errorFields(err) }));
    },
    async close(reason) {
      await player?.close().catch(() => {});
      ctx.shutdown(reason);
    },
  };
}
