// An outbound call from a LiveKit SIP number: the session's room with the agent dispatched into it
// (the LiveKit media driver, as for a web session), then CreateSIPParticipant on the connection's
// outbound trunk, waiting until the callee answers. A dial that ends busy, unanswered or failed is
// the call's outcome, not a refusal of the request: the session fails with exactly the reason,
// provider status and hang-up cause a Twilio call's status callback gives it (call-status.ts), so
// campaigns classify both alike. LiveKit refusing the request itself is a problem like Twilio's.
import { eq } from "drizzle-orm";
import { sipSessionAttribute } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { log } from "../lib/log.ts";
import { mediaDriverFor } from "../sessions/media.ts";
import { roomNameFor } from "../sessions/livekit/driver.ts";
import { LiveKitError } from "../sessions/livekit/twirp.ts";
import { callStatusEffect, hangupCause } from "./call-status.ts";
import type { ConnectionRow } from "./connections.ts";
import type { DialDeps, PlacedCall, ProviderDial } from "./outbound-dial.ts";
import { hangUpLiveKitCall, liveKitCallRefusal, liveKitControlUrl, liveKitSipClientFor } from "./livekit-control.ts";
import { SipCallError, sipCallOutcome } from "./livekit-sip/client.ts";
import { connectionSipState } from "./livekit-sip/state.ts";

export const sipParticipantIdentity = (sessionId: string): string => `sip-${sessionId}`;

/** The connection's outbound trunk, as its provisioning recorded it (a 409 while there is none). */
export function outboundTrunkOf(connection: ConnectionRow): string {
  const trunkId = connectionSipState(connection.providerState).outboundTrunkId;
  if (!trunkId) throw new ApiError("conflict", "the connection's LiveKit outbound trunk is not provisioned yet; check the connection's SIP status and try again");
  return trunkId;
}

export async function placeLiveKitSipCall(deps: DialDeps, d: ProviderDial): Promise<PlacedCall> {
  const { db, config } = deps;
  const room = roomNameFor(d.sessionId);
  const identity = sipParticipantIdentity(d.sessionId);
  const target = { room, identity };
  let trunkId: string;
  try {
    trunkId = outboundTrunkOf(d.connection);
    // Where a hang-up or transfer finds the call, known before it rings (ending a ringing call deletes its room).
    await db.update(sessions).set({ providerControlUrl: liveKitControlUrl(room, identity) }).where(eq(sessions.id, d.sessionId));
    await mediaDriverFor(config).connect({ sessionId: d.sessionId, agentId: d.agentId });
  } catch (err) {
    if (err instanceof ApiError) {
      await d.fail("the call could not be placed");
      throw err;
    }
    if (!(err instanceof LiveKitError)) {
      await d.fail("the call could not be placed");
      throw err;
    }
    const refusal = liveKitCallRefusal(err, "placed");
    await d.fail(refusal.reason);
    throw refusal.error;
  }

  try {
    const participant = await liveKitSipClientFor(config).createParticipant({
      trunkId,
      to: d.to,
      from: d.from,
      room,
      identity,
      name: "Phone",
      attributes: { [sipSessionAttribute]: d.sessionId },
      ringingTimeoutS: d.ringTimeoutS,
      maxCallDurationS: d.timeLimitS,
      waitUntilAnswered: true,
    });
    return { providerCallId: participant.sipCallId || null, providerStatus: "active", reportedCallId: participant.sipCallId || identity };
  } catch (err) {
    // Nobody answered (or the dial failed): the agent waiting in the room is let go with it.
    await hangUpLiveKitCall(config, target, false).catch((cleanup: unknown) => log.warn("outbound call: the room of a call not answered was not deleted", { sessionId: d.sessionId, error: cleanup instanceof Error ? cleanup.name : "error" }));
    if (err instanceof SipCallError) {
      const outcome = sipCallOutcome(err);
      const effect = callStatusEffect(outcome, "dispatching");
      await d.fail(effect.action === "fail" ? effect.reason : outcome);
      const cause = hangupCause(outcome, err.sipStatusCode !== undefined ? { SipResponseCode: String(err.sipStatusCode) } : {});
      await db.update(sessions).set({ providerStatus: outcome, ...(cause ? { hangupCause: cause } : {}) }).where(eq(sessions.id, d.sessionId));
      log.info("outbound call: LiveKit SIP dial ended without an answer", { sessionId: d.sessionId, connectionId: d.connection.id, outcome, sipStatusCode: err.sipStatusCode });
      return { providerCallId: null, providerStatus: outcome, reportedCallId: identity };
    }
    if (!(err instanceof LiveKitError)) {
      await d.fail("the call could not be placed");
      throw err;
    }
    const refusal = liveKitCallRefusal(err, "placed");
    await d.fail(refusal.reason);
    log.warn("outbound call: LiveKit refused the call", { sessionId: d.sessionId, connectionId: d.connection.id, status: err.status, code: err.code });
    throw refusal.error;
  }
}
