// Cold transfer of a phone call to a person: the runtime names a destination of the session's
// `transfer_to_number` tool, the Worker finds its number in the configuration the session runs
// (never a number the runtime sends) and hands the call to it through the call's provider: Twilio
// gets new TwiML for the live call (a <Dial> from the space's own number), a SIP call in a LiveKit
// room is REFERred to `tel:<number>`, a VoxImplant call's scenario is told to transfer. The agent's
// media ends with it; the runtime records the event.
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import type { AgentConfig } from "@speaknode/contracts";
import { phoneNumbers } from "@speaknode/db";
import { countryOf, destinationAllowed } from "@speaknode/phone";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { log } from "../lib/log.ts";
import { sessionAgentConfig } from "../runtime/config.ts";
import type { SessionRow } from "../runtime/session.ts";
import { updateCallRefusal } from "./call-errors.ts";
import { loadConnectionRow, twilioClientFor } from "./connections.ts";
import { TwilioApiError } from "./twilio/client.ts";
import { isTwilioCallSid } from "./inbound.ts";
import { LiveKitError } from "../sessions/livekit/twirp.ts";
import { liveKitCallRefusal, liveKitSipClientFor, parseLiveKitControlUrl, type LiveKitCallTarget } from "./livekit-control.ts";
import { SipCallError } from "./livekit-sip/client.ts";
import { controlVoximplant } from "./voximplant-calls.ts";
import { twiml } from "./twilio/twiml.ts";

/** Seconds the person transferred to has to answer. */
export const transferDialTimeoutS = 30;

/** The number of a destination of the configuration's transfer_to_number tool, by its name. */
export function destinationNumber(config: AgentConfig, name: string): string | null {
  for (const ref of config.tools) {
    if (ref.type !== "system" || ref.name !== "transfer_to_number") continue;
    const found = (ref.destinations ?? []).find((d) => d.name === name);
    if (found) return found.number;
  }
  return null;
}

async function transferLiveKitCall(c: Context<AppEnv>, sessionId: string, target: LiveKitCallTarget, number: string): Promise<void> {
  try {
    await liveKitSipClientFor(c.get("config")).transferParticipant({ room: target.room, identity: target.identity, transferTo: `tel:${number}`, playDialtone: false });
  } catch (err) {
    if (err instanceof SipCallError) {
      log.warn("phone transfer: the SIP transfer failed", { sessionId, sipStatusCode: err.sipStatusCode });
      throw new ApiError("upstream_rejected", `the transfer failed: the destination's side answered SIP ${err.sipStatusCode ?? "error"}`);
    }
    if (!(err instanceof LiveKitError)) throw err;
    log.warn("phone transfer: LiveKit refused the transfer", { sessionId, status: err.status, code: err.code });
    throw liveKitCallRefusal(err, "transferred").error;
  }
}

export async function transferCall(c: Context<AppEnv>, session: SessionRow, destination: string): Promise<void> {
  if (session.channel !== "phone" || session.status !== "active" || session.providerCallId === null) {
    throw new ApiError("conflict", "the session is not a live phone call; only a connected phone call can be transferred");
  }
  const db = c.get("db");
  const number = destinationNumber(await sessionAgentConfig(db, session), destination);
  if (number === null) throw notFound("transfer destination");

  const [own] = session.phoneNumberId ? await db.select().from(phoneNumbers).where(eq(phoneNumbers.id, session.phoneNumberId)) : [];
  const connection = own ? await loadConnectionRow(db, session.spaceId, own.connectionId) : undefined;
  if (!own || !connection) throw new ApiError("conflict", "the session's phone number or its connection was removed; the call cannot be transferred");
  // The transfer is a call from the space's number like any other: its destination countries apply.
  if (!destinationAllowed(number, own.allowedCountries)) {
    throw new ApiError("destination_not_allowed", `the number ${own.e164} may not call ${countryOf(number) ?? "this destination's country"} (allowedCountries: ${own.allowedCountries.join(", ") || "none"})`);
  }

  const config = c.get("config");
  const target = parseLiveKitControlUrl(session.providerControlUrl);
  if (connection.provider === "voximplant") {
    await controlVoximplant(config, session.providerControlUrl, { command: "transfer", to: number, from: own.e164 });
  } else if (connection.provider === "livekit_sip" || (target && !isTwilioCallSid(session.providerCallId))) {
    // A SIP call in a LiveKit room (a LiveKit SIP trunk, or Twilio SIP origination straight into
    // LiveKit): LiveKit sends the caller's side a SIP REFER to the number.
    if (!target) throw new ApiError("conflict", "the call's SIP participant is not known yet; it cannot be transferred");
    await transferLiveKitCall(c, session.id, target, number);
  } else {
    // A Twilio call (its media over Media Streams, or a <Dial><Sip> into LiveKit): new TwiML for it.
    try {
      const client = await twilioClientFor(config, connection);
      await client.updateCall(session.providerCallId, { Twiml: twiml({ verb: "dial", number, callerId: own.e164, timeoutS: transferDialTimeoutS }) });
    } catch (err) {
      if (!(err instanceof TwilioApiError)) throw err;
      log.warn("phone transfer: Twilio refused the transfer", { sessionId: session.id, status: err.status, twilioCode: err.code });
      throw updateCallRefusal(err, "transferred");
    }
  }
  log.info("phone transfer: call handed to a destination", { sessionId: session.id, pii: { destination } });
}
