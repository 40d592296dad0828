// A LiveKit room as a call: the AgentSession's own RoomIO carries the audio (we only tap it for
// the recording), the caller leaving ends the call, and background sound is a second track
// published by LiveKit's BackgroundAudioPlayer from our ambience sources. A caller who is a SIP
// participant (a phone call through a LiveKit trunk, either way) makes it a phone call: keys both
// ways through the phone line, and LiveKit's sip.callStatus "hangup" ends it as the caller leaving does.
import { voice } from "@livekit/agents";
import type { JobContext } from "@livekit/agents";
import { DisconnectReason, RoomEvent, type Participant, type RemoteParticipant, type Room } from "@livekit/rtc-node";
import { sipAttributes } from "@speaknode/contracts";
import { backgroundFrames, createBackgroundSource } from "../../audio/background.ts";
import { errorFields, log } from "../../log.ts";
import type { CallIo } from "../../session/runner.ts";
import type { CallEnd } from "../types.ts";
import { SipPhoneLine } from "./phone-line.ts";
import { isSipParticipant } from "./sip.ts";

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
function watchCaller(room: Room, on: { caller(caller: RemoteParticipant): void; left(caller: RemoteParticipant): void }): void {
  let caller: string | undefined;
  const consider = (p: RemoteParticipant) => {
    if (caller !== undefined || !couldBeCaller(p, room.localParticipant?.identity)) return;
    caller = p.identity;
    on.caller(p);
  };
  for (const p of room.remoteParticipants.values()) consider(p);
  room.on(RoomEvent.ParticipantConnected, consider);
  room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
    if (caller !== undefined && p.identity === caller) on.left(p);
  });
}

export interface RoomCallOptions {
  /** The caller is a SIP participant: called when it is known, and again whenever its sip.callStatus changes. */
  onSipCaller?(caller: RemoteParticipant): void;
  /** Between keys the agent presses (default phone-line.ts interDigitPauseMs). */
  interDigitPauseMs?: number;
}

export function roomCallIo(ctx: Pick<JobContext, "room" | "shutdown" | "deleteRoom">, sessionId: string, options: RoomCallOptions = {}): CallIo {
  const room = ctx.room;
  let player: voice.BackgroundAudioPlayer | undefined;
  let agentSession: voice.AgentSession | undefined;
  // Always there, bound only if the caller turns out to be a SIP participant: an outbound call's
  // callee may join after the session started. The phone tools are offered on phone sessions only.
  const line = new SipPhoneLine(room, options.interDigitPauseMs === undefined ? {} : { interDigitPauseMs: options.interDigitPauseMs });
  let callerGone = false;
  const ended = new Promise<CallEnd>((resolve) => {
    const hungUp = (caller: RemoteParticipant, how: string) => {
      callerGone = true;
      log.info(how, { sessionId, disconnectReason: caller.disconnectReason === undefined ? undefined : DisconnectReason[caller.disconnectReason] });
      resolve({ reason: "caller hung up", failed: false });
    };
    watchCaller(room, {
      caller(caller) {
        if (!isSipParticipant(caller)) return;
        line.bind(caller);
        options.onSipCaller?.(caller);
        if (caller.attributes[sipAttributes.callStatus] === "hangup") hungUp(caller, "the SIP call was already over");
      },
      left: (caller) => hungUp(caller, "caller left the room"),
    });
    room.on(RoomEvent.ParticipantAttributesChanged, (changed: Record<string, string>, participant: Participant) => {
      const status = changed[sipAttributes.callStatus];
      const caller = line.caller;
      if (status === undefined || !caller || participant.identity !== caller.identity) return;
      options.onSipCaller?.(caller);
      if (status === "hangup") hungUp(caller, "the SIP call hung up");
    });
    room.on(RoomEvent.Disconnected, () => resolve({ reason: "media connection lost", failed: true }));
  });
  return {
    sessionId,
    phone: line,
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
      // The agent leaving does not end a phone call: LiveKit hangs the SIP leg up when its room
      // goes (each SIP call has a room of its own: a rule's "call-…" room, a session's "sess-…").
      if (line.caller && !callerGone) await ctx.deleteRoom();
      ctx.shutdown(reason);
    },
  };
}
