// A LiveKit room as a call: the AgentSession's own RoomIO carries the audio (we only tap it for
// the recording), the caller leaving ends the call, and background sound is a second track
// published by LiveKit's BackgroundAudioPlayer from our ambience sources.
import { voice } from "@livekit/agents";
import type { JobContext } from "@livekit/agents";
import { RoomEvent, type RemoteParticipant } from "@livekit/rtc-node";
import { backgroundFrames, createBackgroundSource } from "../../audio/background.ts";
import { errorFields, log } from "../../log.ts";
import type { CallIo } from "../../session/runner.ts";
import type { CallEnd } from "../types.ts";

const backgroundRateHz = 48_000;

export function roomCallIo(ctx: JobContext, sessionId: string): CallIo {
  const room = ctx.room;
  let player: voice.BackgroundAudioPlayer | undefined;
  let agentSession: voice.AgentSession | undefined;
  const ended = new Promise<CallEnd>((resolve) => {
    room.on(RoomEvent.ParticipantDisconnected, (p: RemoteParticipant) => {
      // Only a real caller leaving ends the call (not another agent or an egress).
      if (p.info.kind === undefined || String(p.info.kind) !== "AGENT") resolve({ reason: "caller hung up", failed: false });
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
