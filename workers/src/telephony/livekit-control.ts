// Reaching a call that is a SIP participant of a LiveKit room: where it is (the session's
// provider_control_url `livekit://<room>/<identity>`), the SIP client for the platform's LiveKit,
// hanging it up (RoomService RemoveParticipant, or DeleteRoom while nobody answered yet), and what
// a LiveKit failure means to the API's caller.
import { AccessToken } from "livekit-server-sdk";
import { jsonValue } from "@speaknode/contracts";
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import { apiOrigin, LiveKitError, twirpCall } from "../sessions/livekit/twirp.ts";
import { liveKitSipClient, type LiveKitSipClient } from "./livekit-sip/client.ts";

const scheme = "livekit://";

export interface LiveKitCallTarget {
  room: string;
  identity: string;
}

export function liveKitControlUrl(room: string, identity: string): string {
  return `${scheme}${encodeURIComponent(room)}/${encodeURIComponent(identity)}`;
}

/** The room and participant of a `livekit://` control URL; null for any other (or a malformed one). */
export function parseLiveKitControlUrl(url: string | null): LiveKitCallTarget | null {
  if (!url?.startsWith(scheme)) return null;
  const parts = url.slice(scheme.length).split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return null;
  try {
    return { room: decodeURIComponent(parts[0]), identity: decodeURIComponent(parts[1]) };
  } catch {
    return null;
  }
}

function liveKitOf(config: Config): NonNullable<Config["runtime"]["livekit"]> {
  const livekit = config.runtime.livekit;
  if (!livekit) throw new ApiError("conflict", "calls through LiveKit SIP need the LiveKit media driver (MEDIA_DRIVER=livekit with LIVEKIT_URL, LIVEKIT_API_KEY and LIVEKIT_API_SECRET)");
  return livekit;
}

/** The platform LiveKit's SIP service (a 409 problem when the Worker runs without LiveKit). */
export function liveKitSipClientFor(config: Config): LiveKitSipClient {
  const { url, apiKey, apiSecret } = liveKitOf(config);
  return liveKitSipClient({ url, apiKey, apiSecret });
}

const requestTimeoutMs = 10_000;
const anything = jsonValue();

async function roomCall(config: Config, method: "RemoveParticipant" | "DeleteRoom", room: string, body: Record<string, unknown>): Promise<void> {
  const { url, apiKey, apiSecret } = liveKitOf(config);
  // Scoped to the one room, like the media driver's server tokens.
  const at = new AccessToken(apiKey, apiSecret, { ttl: 60 });
  at.addGrant({ roomAdmin: true, roomCreate: true, room });
  await twirpCall({ fetchImpl: (input, init) => fetch(input, init), origin: apiOrigin(url), service: "RoomService", method, bearer: await at.toJwt(), body, response: anything, timeoutMs: requestTimeoutMs });
}

const gone = (err: unknown) => err instanceof LiveKitError && (err.status === 404 || err.code === "not_found");

/**
 * Hangs up the SIP call: an answered one leaves the room (the runtime sees its caller go and ends the
 * session as for any hang-up); one still ringing goes with its room, which ends the dial. A call
 * already gone is not an error. Returns whether there was anything to hang up.
 */
export async function hangUpLiveKitCall(config: Config, target: LiveKitCallTarget, answered: boolean): Promise<boolean> {
  try {
    if (answered) await roomCall(config, "RemoveParticipant", target.room, { room: target.room, identity: target.identity });
    else await roomCall(config, "DeleteRoom", target.room, { room: target.room });
    return true;
  } catch (err) {
    if (gone(err)) return false;
    throw err;
  }
}

/** A LiveKit failure of a call request (place, transfer, hang up) as the API answers it. Its
 *  message is never passed on: LiveKit's may quote the numbers dialled. */
export function liveKitCallRefusal(err: LiveKitError, what: string): { error: ApiError; reason: string } {
  if (gone(err)) {
    // Placing a call, what LiveKit does not know is the trunk (or room) the platform named.
    if (what === "placed") return { error: new ApiError("upstream_rejected", "LiveKit does not know the connection's outbound trunk; check the connection's SIP status"), reason: "LiveKit does not know the outbound trunk" };
    return { error: new ApiError("conflict", `the call is no longer in progress; it cannot be ${what}`), reason: "the call is no longer in LiveKit" };
  }
  if (err.retryable) {
    const why = err.status === undefined ? "unreachable" : `HTTP ${err.status}`;
    return { error: new ApiError("upstream_unavailable", `LiveKit is unavailable (${why}); try again`, { headers: { "retry-after": "5" } }), reason: `LiveKit unavailable (${why})` };
  }
  if (err.status === 401 || err.code === "unauthenticated" || err.code === "permission_denied") {
    return { error: new ApiError("upstream_rejected", "LiveKit refused the platform's API key; check LIVEKIT_API_KEY and LIVEKIT_API_SECRET"), reason: "LiveKit refused the API key" };
  }
  return { error: new ApiError("upstream_rejected", `LiveKit refused the request${err.code ? ` (${err.code})` : ""}`), reason: `LiveKit refused the request (${err.status === undefined ? "no response" : `HTTP ${err.status}`}${err.code ? `, ${err.code}` : ""})` };
}
