// The local WebSocket media channel as a call: its audio is the session's audio (tapped by the
// recorder), and the caller's `interrupt` control message cuts the agent off. A channel that is a
// phone line (the VoxImplant bridge's) hands it on, so the runner has keys both ways.
import type { voice } from "@livekit/agents";
import type { CallIo } from "../../session/runner.ts";
import type { MediaChannel } from "../types.ts";

export function localCallIo(channel: MediaChannel): CallIo {
  return {
    sessionId: channel.sessionId,
    attach(session: voice.AgentSession, recorder) {
      session.input.audio = recorder ? recorder.wrapInput(channel.input) : channel.input;
      session.output.audio = recorder ? recorder.wrapOutput(channel.output) : channel.output;
      channel.onInterrupt?.(() => {
        try {
          // Not forced: speech the agent marked uninterruptible (a first message) keeps playing.
          void session.interrupt().await.catch(() => {});
        } catch {
          // The session is not running (yet, or any more): nothing to interrupt.
        }
      });
      return {};
    },
    ended: channel.ended,
    setBackground: (background) => channel.setBackground(background),
    close: (reason) => channel.close(reason),
    ...(channel.phone ? { phone: channel.phone } : {}),
  };
}
