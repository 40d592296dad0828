// Media drivers: where a session's audio flows, behind one interface. `local` is the embedded
// default: the voice runtime's own WebSocket media endpoint, admitted by a token it verifies
// with jose. The LiveKit driver joins this interface with the voice runtime.
import type { Config } from "../config.ts";
import { signSessionToken } from "./tokens.ts";

export interface MediaRequest {
  sessionId: string;
  agentId: string;
}

export type MediaConnection = { driver: "local"; url: string; token: string; sampleRateHz: number };

export interface MediaDriver {
  readonly name: "local";
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
  return localMediaDriver(config);
}
