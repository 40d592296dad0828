// Media drivers: where a session's audio flows, behind one interface. `local` is the embedded
// default: the voice runtime's own WebSocket media endpoint, admitted by a token it verifies
// with jose. `livekit` (production) creates the room and the agent dispatch through LiveKit's
// server API and hands the visitor a participant token.
import type { Config } from "../config.ts";
import { liveKitMediaDriver, type LiveKitMediaConnection } from "./livekit/driver.ts";
import { signSessionToken } from "@speaknode/tokens";

export interface MediaRequest {
  sessionId: string;
  agentId: string;
}

export type MediaConnection = { driver: "local"; url: string; token: string; sampleRateHz: number } | LiveKitMediaConnection;

export interface MediaDriver {
  readonly name: "local" | "livekit";
  connect(request: MediaRequest): Promise<MediaConnection>;
}

export const localSampleRateHz = 16_000;

export function localMediaDriver(config: Config): MediaDriver {
  return {
    name: "local",
    async connect({ sessionId, agentId }) {
      const token = await signSessionToken(config.runtime.tokenSecret, { sessionId, agentId, scope: "media", ttlS: 600, role: "participant" });
      return { driver: "local", url: `${config.runtime.mediaUrl}?session=${encodeURIComponent(sessionId)}`, token, sampleRateHz: localSampleRateHz };
    },
  };
}

export function mediaDriverFor(config: Config): MediaDriver {
  const livekit = config.runtime.livekit;
  if (config.runtime.mediaDriver === "livekit" && livekit) return liveKitMediaDriver(livekit);
  return localMediaDriver(config);
}
