// What placing an outbound call asks of a provider and what it gives back, one shape for every
// provider (outbound.ts switches on the connection's provider): Twilio's Calls.json (outbound.ts),
// LiveKit SIP's CreateSIPParticipant (outbound-livekit.ts), VoxImplant's StartScenarios
// (placeVoximplantCall in voximplant-calls.ts).
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
