// The LiveKit media driver: one room per session, an explicit dispatch of the registered voice
// runtime agent into it, and a short-lived token for the visitor. Tokens come from the SDK's
// `AccessToken` (jose + Web Crypto, Workers-safe); the two API calls go through our own Twirp
// client (see twirp.ts for why not the SDK's service clients).
import { AccessToken } from "livekit-server-sdk";
import { z } from "zod";
import { text } from "@speaknode/contracts";
import type { MediaRequest } from "../media.ts";
import { apiOrigin, twirpCall } from "./twirp.ts";

export { LiveKitError } from "./twirp.ts";

export type LiveKitMediaConnection = { driver: "livekit"; url: string; token: string; room: string };

export interface LiveKitMediaDriver {
  readonly name: "livekit";
  connect(request: MediaRequest): Promise<LiveKitMediaConnection>;
}

export interface LiveKitDriverOptions {
  /** The LiveKit server URL clients connect to, `wss://…`; the API is called on its https origin. */
  url: string;
  apiKey: string;
  apiSecret: string;
  /** The `agentName` the voice runtime registers with; explicit dispatch targets it. */
  agentName: string;
  fetchImpl?: typeof fetch;
  /** How long LiveKit keeps a room nobody joined (or everybody left) before closing it. */
  emptyTimeoutS?: number;
  requestTimeoutMs?: number;
}

export const liveKitDefaults = {
  emptyTimeoutS: 300,
  requestTimeoutMs: 10_000,
  /** The visitor, the agent, and one spare (a supervisor or recorder) — never a crowd. */
  maxParticipants: 3,
  participantTokenTtlS: 600,
  /** Covers both API calls of one connect, with room for clock skew against LiveKit. */
  serverTokenTtlS: 300,
} as const;

export const roomNameFor = (sessionId: string): string => `sess-${sessionId}`;

// Only the fields the driver relies on are checked; LiveKit's protobuf JSON omits zero values,
// so everything else is optional and ignored.
const RoomResponse = z.object({ sid: text().min(1), name: text().min(1) });
const DispatchResponse = z.object({ id: text().min(1), agentName: text().min(1), room: text().min(1) });

export function liveKitMediaDriver(opts: LiveKitDriverOptions): LiveKitMediaDriver {
  const origin = apiOrigin(opts.url);
  for (const [key, value] of [["apiKey", opts.apiKey], ["apiSecret", opts.apiSecret], ["agentName", opts.agentName]] as const) {
    // An empty key would make AccessToken fall back to process.env, which the Worker never reads.
    if (!value) throw new TypeError(`LiveKit ${key} is required`);
  }
  const emptyTimeoutS = opts.emptyTimeoutS ?? liveKitDefaults.emptyTimeoutS;
  if (!Number.isInteger(emptyTimeoutS) || emptyTimeoutS <= 0) throw new TypeError("LiveKit emptyTimeoutS must be a positive integer");
  const timeoutMs = opts.requestTimeoutMs ?? liveKitDefaults.requestTimeoutMs;
  // Wrapped, not stored bare: workerd rejects a `fetch` called with a foreign `this`.
  const injected = opts.fetchImpl;
  const fetchImpl: typeof fetch = injected ?? ((input, init) => fetch(input, init));

  // Scoped to the one room: a leaked server token can administer that room only.
  async function serverToken(room: string): Promise<string> {
    const at = new AccessToken(opts.apiKey, opts.apiSecret, { ttl: liveKitDefaults.serverTokenTtlS });
    at.addGrant({ roomCreate: true, roomAdmin: true, room });
    return at.toJwt();
  }

  async function participantToken(room: string): Promise<string> {
    const at = new AccessToken(opts.apiKey, opts.apiSecret, {
      identity: `visitor-${crypto.randomUUID()}`,
      name: "Visitor",
      ttl: liveKitDefaults.participantTokenTtlS,
    });
    at.addGrant({ room, roomJoin: true, canPublish: true, canSubscribe: true, canPublishData: true });
    return at.toJwt();
  }

  return {
    name: "livekit",
    async connect({ sessionId, agentId }) {
      const room = roomNameFor(sessionId);
      const bearer = await serverToken(room);
      const call = { fetchImpl, origin, bearer, timeoutMs };
      // CreateRoom returns the existing room when the name is taken, so a retried connect is safe
      // up to here. If the dispatch below fails, the room closes itself after emptyTimeoutS.
      await twirpCall({
        ...call,
        service: "RoomService",
        method: "CreateRoom",
        body: { name: room, emptyTimeout: emptyTimeoutS, maxParticipants: liveKitDefaults.maxParticipants, metadata: JSON.stringify({ sessionId, agentId }) },
        response: RoomResponse,
      });
      await twirpCall({
        ...call,
        service: "AgentDispatchService",
        method: "CreateDispatch",
        body: { agentName: opts.agentName, room, metadata: JSON.stringify({ sessionId }) },
        response: DispatchResponse,
      });
      return { driver: "livekit", url: opts.url, room, token: await participantToken(room) };
    },
  };
}
