// What the platform remembers of its LiveKit SIP provisioning, in the provider_state columns: per
// connection the trunk ids, how the last sync went and (Twilio connections) the digest credentials
// Twilio's <Dial><Sip> presents to the inbound trunk; per number its dispatch rule. Read leniently
// (a row written by an older version, or by nobody yet, reads as "not synced yet").
import { z } from "zod";
import { text, type PhoneNumber, type SipSync } from "@speaknode/contracts";

export const SipStatus = z.enum(["synced", "pending", "failed", "off"]);

const ConnectionSipState = z.object({
  sync: z.object({ status: SipStatus, syncedAt: text().nullable(), detail: text().nullable() }).optional(),
  inboundTrunkId: text().nullable().optional(),
  outboundTrunkId: text().nullable().optional(),
  /** Sealed `{ username, password }` (encryptJson, bound to the connection). */
  sipAuth: text().optional(),
});
export type ConnectionSipState = z.infer<typeof ConnectionSipState>;

const NumberSipState = z.object({ status: SipStatus, dispatchRuleId: text().nullable(), detail: text().nullable() });
export type NumberSipState = z.infer<typeof NumberSipState>;

export function connectionSipState(providerState: Record<string, unknown>): ConnectionSipState {
  const parsed = ConnectionSipState.safeParse(providerState);
  return parsed.success ? parsed.data : {};
}

/** The connection's SipSync for the API; "pending" until a first sync recorded something. */
export function sipSyncOf(providerState: Record<string, unknown>): SipSync {
  const s = connectionSipState(providerState);
  return {
    status: s.sync?.status ?? "pending",
    syncedAt: s.sync?.syncedAt ?? null,
    detail: s.sync?.detail ?? null,
    inboundTrunkId: s.inboundTrunkId ?? null,
    outboundTrunkId: s.outboundTrunkId ?? null,
  };
}

/** The number's PhoneNumber.sip, or null when its calls do not go through LiveKit SIP. */
export function numberSipOf(providerState: Record<string, unknown>): PhoneNumber["sip"] {
  const parsed = NumberSipState.safeParse(providerState["sip"]);
  return parsed.success ? parsed.data : null;
}
