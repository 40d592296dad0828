// Calls that reach agents over SIP through LiveKit: what the platform's dispatch rules put in the
// agent dispatch's metadata, the SIP headers a Twilio `<Dial><Sip>` carries into the room (mapped
// to participant attributes by the inbound trunk's headersToAttributes), and the runtime's two
// requests to the Worker about a SIP participant.
import { z } from "zod";
import { idSchema } from "./ids.ts";
import { text } from "./text.ts";

/** Headers the platform adds to a SIP INVITE it originates (Twilio `<Dial><Sip>`), and the participant
 *  attributes LiveKit's inbound trunk maps them to. */
export const sipSessionHeader = "X-Speaknode-Session";
export const sipTokenHeader = "X-Speaknode-Token";
export const sipSessionAttribute = "speaknode.sessionId";
export const sipTokenAttribute = "speaknode.token";

/** LiveKit's own attributes of a SIP participant (livekit/protocol's AttrSIP*). */
export const sipAttributes = {
  callId: "sip.callID",
  callStatus: "sip.callStatus",
  phoneNumber: "sip.phoneNumber",
  trunkPhoneNumber: "sip.trunkPhoneNumber",
  trunkId: "sip.trunkID",
  ruleId: "sip.ruleID",
} as const;

/** The metadata of the agent dispatch a platform dispatch rule makes (one rule per number). */
export const SipDispatchMetadata = z.strictObject({
  kind: z.literal("speaknode.sip"),
  phoneNumberId: idSchema("phoneNumber"),
  connectionId: idSchema("telephonyConnection"),
});
export type SipDispatchMetadata = z.infer<typeof SipDispatchMetadata>;

/** What the runtime saw of the room's SIP participant (phone numbers are personal data). */
export const SipParticipantFacts = z
  .strictObject({
    room: text().min(1).max(200),
    participantIdentity: text().min(1).max(200),
    /** sip.callID */
    callId: text().min(1).max(200),
    /** sip.callStatus: dialing | ringing | automation | active | hangup */
    callStatus: text().max(40).nullable(),
    /** sip.phoneNumber: the caller (inbound) or the called number (outbound). */
    phoneNumber: text().max(40).nullable(),
    /** sip.trunkPhoneNumber: the platform's number on the trunk. */
    trunkPhoneNumber: text().max(40).nullable(),
  })
  .meta({ id: "SipParticipantFacts" });
export type SipParticipantFacts = z.infer<typeof SipParticipantFacts>;

/** POST /runtime/v1/sip/sessions: a SIP call a platform rule dispatched that has no session yet
 *  (a trunk straight into LiveKit): the Worker resolves the number → agent and creates the session. */
export const RuntimeSipInboundBody = z
  .strictObject({ dispatch: SipDispatchMetadata, participant: SipParticipantFacts })
  .meta({ id: "RuntimeSipInboundBody" });
export type RuntimeSipInboundBody = z.infer<typeof RuntimeSipInboundBody>;

export const RuntimeSipInboundResult = z
  .discriminatedUnion("action", [
    z.object({ action: z.literal("accept"), sessionId: idSchema("session"), agentId: idSchema("agent") }),
    /** Not in service, busy, the agent cannot run…: the runtime hangs the caller up. */
    z.object({ action: z.literal("reject"), reason: text(), busy: z.boolean() }),
  ])
  .meta({ id: "RuntimeSipInboundResult" });
export type RuntimeSipInboundResult = z.infer<typeof RuntimeSipInboundResult>;

/** POST /runtime/v1/sessions/{id}/sip: the session's SIP participant, once it is in the room (the
 *  Worker records the call id, the numbers and where to send a transfer). */
export const RuntimeSipParticipantBody = SipParticipantFacts.meta({ id: "RuntimeSipParticipantBody" });
export type RuntimeSipParticipantBody = z.infer<typeof RuntimeSipParticipantBody>;
