// What placing an outbound call asks of a provider and what it gives back, one shape for every
// provider (outbound.ts switches on the connection's provider): Twilio's Calls.json (outbound.ts),
// LiveKit SIP's CreateSIPParticipant (outbound-livekit.ts), VoxImplant's StartScenarios
// (placeVoximplantCall below, through voximplant/outbound.ts).
import { ApiError } from "../errors.ts";
import type { SessionDeps } from "../sessions/dispatch.ts";
import type { ConnectionRow } from "./connections.ts";

export interface ProviderDial {
  sessionId: string;
  agentId: string;
  connection: ConnectionRow;
  /** The space's number (E.164). */
  from: string;
  /** The destination (E.164; personal data). */
  to: string;
  /** Seconds the call may ring before it counts as not answered. */
  ringTimeoutS: number;
  /** Longest the call may last. */
  timeLimitS: number;
  /** Fails the session (the call was not placed, or ended before the agent joined) with a reason. */
  fail: (reason: string) => Promise<void>;
}

/** What placing the call gave. */
export interface PlacedCall {
  /** The provider's call id; null when the dial ended before the provider named a call. */
  providerCallId: string | null;
  providerStatus: string;
  /** What the API reports as the call's id. */
  reportedCallId: string;
  /** Where the platform controls the live call (hang-up, transfer), when not through the call id. */
  controlUrl?: string;
}

export type DialDeps = Pick<SessionDeps, "db" | "config" | "origin">;

/**
 * A VoxImplant number's call. TODO(lead): helper C's `startVoximplantCall(deps, {connection,
 * sessionId, agentId, from, to, ringTimeoutS, timeLimitS}) → {providerCallId, controlUrl}` and
 * `voximplantCallRefusal(err) → {reason, error}` (voximplant/outbound.ts) had not landed when this
 * was written; wire them here: on success return `{providerCallId, providerStatus: "initiated",
 * reportedCallId: providerCallId, controlUrl}`, on a refusal `await d.fail(reason); throw error`.
 */
export async function placeVoximplantCall(_deps: DialDeps, d: ProviderDial): Promise<PlacedCall> {
  await d.fail("calls through VoxImplant connections are not wired yet");
  throw new ApiError("conflict", "calls through VoxImplant connections are not supported yet");
}
