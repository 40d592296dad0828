// A space's phone numbers: the API's view, loading for a caller of the space, the agent a number
// may be bound to, and the provider-side settings an import replaces and a release puts back.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { TelephonyProviderName, type PhoneNumber, type SpaceRole } from "@speaknode/contracts";
import { agents, phoneNumbers, telephonyConnections, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { iso } from "../lib/openapi.ts";
import type { ConnectionRow } from "./connections.ts";
import type { TwilioIncomingNumber, TwilioNumberVoiceFields } from "./twilio/client.ts";
import { numberSipOf } from "./livekit-sip/state.ts";

export type PhoneNumberRow = typeof phoneNumbers.$inferSelect;

export const numberResource = "phone number";

export function toPhoneNumber(row: PhoneNumberRow, provider: string): PhoneNumber {
  return {
    id: row.id,
    spaceId: row.spaceId,
    connectionId: row.connectionId,
    provider: TelephonyProviderName.parse(provider),
    e164: row.e164,
    providerNumberId: row.providerNumberId,
    friendlyName: row.friendlyName,
    agentId: row.agentId,
    // A LiveKit SIP number always goes through LiveKit: "pending" until its first sync.
    sip: numberSipOf(row.providerState) ?? (provider === "livekit_sip" ? { status: "pending", dispatchRuleId: null, detail: null } : null),
    inboundEnabled: row.inboundEnabled,
    recordingEnabled: row.recordingEnabled,
    maxConcurrentCalls: row.maxConcurrentCalls,
    allowedCountries: row.allowedCountries,
    callerName: row.callerName,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/** The number and its connection for a caller of its space with `need`; outside it the 404 of a made-up id. */
export async function loadPhoneNumber(c: Context<AppEnv>, phoneNumberId: string, need: SpaceRole = "member"): Promise<{ row: PhoneNumberRow; connection: ConnectionRow }> {
  const [found] = await c
    .get("db")
    .select({ number: phoneNumbers, connection: telephonyConnections })
    .from(phoneNumbers)
    .innerJoin(telephonyConnections, eq(telephonyConnections.id, phoneNumbers.connectionId))
    .where(eq(phoneNumbers.id, phoneNumberId));
  const { row } = await requireInSpace(c, numberResource, found?.number, need);
  if (!found) throw notFound(numberResource);
  return { row, connection: found.connection };
}

/** The numbers a connection holds. */
export async function numbersOfConnection(db: Database, connectionId: string): Promise<PhoneNumberRow[]> {
  return db.select().from(phoneNumbers).where(eq(phoneNumbers.connectionId, connectionId));
}

/** An agent a number of this space may be bound to: one of the space's own (another space's
 *  agent is "not found", as a made-up id is). */
export async function requireAgentOfSpace(db: Database, spaceId: string, agentId: string): Promise<void> {
  const [agent] = await db.select({ id: agents.id }).from(agents).where(and(eq(agents.id, agentId), eq(agents.spaceId, spaceId)));
  if (!agent) throw notFound("agent");
}

/** The number's voice settings as Twilio had them before the import, to put back on release. */
export function previousConfigOf(n: TwilioIncomingNumber): Record<string, string | null> {
  return {
    VoiceUrl: n.voice_url ?? null,
    VoiceMethod: n.voice_method ?? null,
    StatusCallback: n.status_callback ?? null,
    StatusCallbackMethod: n.status_callback_method ?? null,
    VoiceApplicationSid: n.voice_application_sid ?? null,
  };
}

const method = (v: string | null | undefined): "GET" | "POST" | undefined => {
  const upper = v?.toUpperCase();
  return upper === "GET" || upper === "POST" ? upper : undefined;
};

/**
 * The update that puts a number's previous settings back. An empty URL or TwiML App SID clears
 * it at Twilio, so a value that was null is sent as ""; a method that was null is left out
 * (Twilio does not take an empty method and uses POST by default).
 */
export function restoreFields(previous: Record<string, string | null>): TwilioNumberVoiceFields {
  const voiceMethod = method(previous["VoiceMethod"]);
  const statusMethod = method(previous["StatusCallbackMethod"]);
  return {
    VoiceUrl: previous["VoiceUrl"] ?? "",
    ...(voiceMethod ? { VoiceMethod: voiceMethod } : {}),
    StatusCallback: previous["StatusCallback"] ?? "",
    ...(statusMethod ? { StatusCallbackMethod: statusMethod } : {}),
    VoiceApplicationSid: previous["VoiceApplicationSid"] ?? "",
  };
}

/** The update that points a number's calls and call statuses at this platform. */
export function platformFields(urls: { voiceUrl: string; statusUrl: string }): TwilioNumberVoiceFields {
  return { VoiceUrl: urls.voiceUrl, VoiceMethod: "POST", StatusCallback: urls.statusUrl, StatusCallbackMethod: "POST", VoiceApplicationSid: "" };
}
