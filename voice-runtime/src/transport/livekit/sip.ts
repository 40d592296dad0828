// The room's SIP participant: what LiveKit says about it (its sip.* attributes), waiting for it to
// join, and which session its call belongs to. A call the platform originated into LiveKit (Twilio
// `<Dial><Sip>`) carries the session it created in two attributes the inbound trunk maps from SIP
// headers, with a short-lived token signed with the runtime's secret; a call straight from a trunk
// carries none, and the Worker resolves its number to an agent and creates the session. Phone
// numbers and tokens are personal or secret: never logged.
import { ParticipantKind, RoomEvent, type Participant, type RemoteParticipant, type Room } from "@livekit/rtc-node";
import {
  sipAttributes,
  sipSessionAttribute,
  sipTokenAttribute,
  type RuntimeSipInboundResult,
  type SipDispatchMetadata,
  type SipParticipantFacts,
} from "@speaknode/contracts";
import { verifySessionToken } from "@speaknode/tokens";
import type { RuntimeApi } from "../../api/client.ts";

/** How long a SIP dispatch waits for its caller to be in the room. */
export const sipCallerWaitMs = 20_000;

export function isSipParticipant(participant: Pick<RemoteParticipant, "info">): boolean {
  return participant.info.kind === ParticipantKind.SIP;
}

/** An attribute as the contracts' limits take it: missing or empty is null, longer is cut. */
function attribute(participant: RemoteParticipant, name: string, max: number): string | null {
  const value = participant.attributes[name]?.trim();
  return value ? value.slice(0, max) : null;
}

/** What the Worker is told about the SIP participant (RuntimeSipParticipantBody). */
export function sipFactsOf(room: Pick<Room, "name">, participant: RemoteParticipant): SipParticipantFacts {
  return {
    room: (room.name ?? "").slice(0, 200),
    participantIdentity: participant.identity.slice(0, 200),
    // LiveKit sets sip.callID on every SIP participant; the identity stands in should one lack it.
    callId: attribute(participant, sipAttributes.callId, 200) ?? participant.identity.slice(0, 200),
    callStatus: attribute(participant, sipAttributes.callStatus, 40),
    phoneNumber: attribute(participant, sipAttributes.phoneNumber, 40),
    trunkPhoneNumber: attribute(participant, sipAttributes.trunkPhoneNumber, 40),
  };
}

/** The room's first SIP participant, waiting up to `timeoutMs` for one to join; null if none does. */
export function waitForSipParticipant(room: Room, timeoutMs = sipCallerWaitMs): Promise<RemoteParticipant | null> {
  for (const participant of room.remoteParticipants.values()) if (isSipParticipant(participant)) return Promise.resolve(participant);
  return new Promise((resolve) => {
    const done = (participant: RemoteParticipant | null) => {
      clearTimeout(timer);
      room.off(RoomEvent.ParticipantConnected, joined);
      resolve(participant);
    };
    const joined = (participant: RemoteParticipant) => {
      if (isSipParticipant(participant)) done(participant);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    room.on(RoomEvent.ParticipantConnected, joined);
  });
}

/** sip.callStatus of a callee whose phone has not been answered yet. */
const notAnswered = new Set(["dialing", "ringing"]);
/** Longer than any ringing timeout the Worker dials with. */
export const answerWaitMs = 90_000;

/**
 * Waits while the room's SIP participant is an outbound call's callee still being dialled or
 * ringing: the agent's greeting is for the person who picks up, not the ringing tone. "answered"
 * at once for any other room, and after `timeoutMs` (the session goes on as it would have);
 * "not answered" when the callee hangs up or leaves first (the Worker fails the session as busy
 * or no-answer from LiveKit's answer to its dial request).
 */
export function untilAnswered(room: Room, timeoutMs = answerWaitMs): Promise<"answered" | "not answered"> {
  const callee = [...room.remoteParticipants.values()].find((p) => isSipParticipant(p) && notAnswered.has(p.attributes[sipAttributes.callStatus] ?? ""));
  if (!callee) return Promise.resolve("answered");
  return new Promise((resolve) => {
    const done = (outcome: "answered" | "not answered") => {
      clearTimeout(timer);
      room.off(RoomEvent.ParticipantAttributesChanged, changed);
      room.off(RoomEvent.ParticipantDisconnected, left);
      room.off(RoomEvent.Disconnected, lost);
      resolve(outcome);
    };
    const changed = (attributes: Record<string, string>, participant: Participant) => {
      const status = attributes[sipAttributes.callStatus];
      if (participant.identity !== callee.identity || status === undefined || notAnswered.has(status)) return;
      done(status === "hangup" ? "not answered" : "answered");
    };
    const left = (participant: RemoteParticipant) => {
      if (participant.identity === callee.identity) done("not answered");
    };
    // The session's own handling of a lost room takes over.
    const lost = () => done("answered");
    const timer = setTimeout(() => done("answered"), timeoutMs);
    room.on(RoomEvent.ParticipantAttributesChanged, changed);
    room.on(RoomEvent.ParticipantDisconnected, left);
    room.on(RoomEvent.Disconnected, lost);
  });
}

/** The session a SIP call runs, or why the runtime hangs it up. */
export type SipCallSession = { action: "run"; sessionId: string } | { action: "hang_up"; reason: string };

/**
 * Which session the SIP participant's call is: the one its attributes name when their token is the
 * platform's (scope media, role sip, for that very session), else the one the Worker creates for
 * the rule's number. Attributes present but not valid are refused outright: headers anyone on a
 * trunk could send must not reach a session, nor fall back to a new one.
 */
export async function sipCallSession(
  participant: RemoteParticipant,
  deps: { room: Pick<Room, "name">; rule: SipDispatchMetadata; tokenSecret: string; api: Pick<RuntimeApi, "sipInbound"> },
): Promise<SipCallSession> {
  const claimed = participant.attributes[sipSessionAttribute];
  const token = participant.attributes[sipTokenAttribute];
  if (claimed !== undefined || token !== undefined) {
    const claims = claimed && token ? await verifySessionToken(deps.tokenSecret, token, "media") : null;
    if (!claims || claims.role !== "sip" || claims.sessionId !== claimed) return { action: "hang_up", reason: "the call's session token is not valid" };
    return { action: "run", sessionId: claims.sessionId };
  }
  const result: RuntimeSipInboundResult = await deps.api.sipInbound({ dispatch: deps.rule, participant: sipFactsOf(deps.room, participant) });
  if (result.action === "accept") return { action: "run", sessionId: result.sessionId };
  return { action: "hang_up", reason: `the platform refused the call${result.busy ? " (busy)" : ""}: ${result.reason}` };
}
