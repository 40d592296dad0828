// A LiveKit SIP connection's columns: the trunk settings the API shows (settings), the digest
// passwords sealed (secret, bound to the connection like every provider secret), and the
// constant account id: one deployment has one LiveKit project, so a number can be on one
// LiveKit SIP connection of the whole platform at a time.
import { z } from "zod";
import { SipTransport, text, type LiveKitSipInbound, type LiveKitSipOutbound } from "@speaknode/contracts";
import { decryptJson, encryptJson } from "../../lib/secrets.ts";
import type { ConnectionRow } from "../connections.ts";

export const liveKitSipAccountId = "livekit";

export const LiveKitSipSettings = z.object({
  outbound: z.object({ address: text(), transport: SipTransport, authUsername: text().nullable() }),
  inbound: z.object({ allowedAddresses: z.array(text()), authUsername: text().nullable() }),
  numbers: z.array(text()),
});
export type LiveKitSipSettings = z.infer<typeof LiveKitSipSettings>;

export const LiveKitSipSecret = z.object({ outboundAuthPassword: text().nullable(), inboundAuthPassword: text().nullable() });
export type LiveKitSipSecret = z.infer<typeof LiveKitSipSecret>;

const additionalData = (id: string) => `telephony-connection:${id}:livekit_sip:${liveKitSipAccountId}`;

export function settingsOf(outbound: LiveKitSipOutbound, inbound: LiveKitSipInbound, numbers: string[]): LiveKitSipSettings {
  return {
    outbound: { address: outbound.address, transport: outbound.transport, authUsername: outbound.authUsername ?? null },
    inbound: { allowedAddresses: inbound.allowedAddresses, authUsername: inbound.authUsername ?? null },
    // Each number once, in the order given.
    numbers: [...new Set(numbers)],
  };
}

export async function sealLiveKitSipSecret(secretsKey: string, id: string, secret: LiveKitSipSecret): Promise<{ secret: string; secretHint: string }> {
  const shown = secret.outboundAuthPassword ?? secret.inboundAuthPassword;
  return { secret: await encryptJson(secretsKey, secret, additionalData(id)), secretHint: shown ? `…${shown.slice(-4)}` : "no password" };
}

export async function openLiveKitSipSecret(secretsKey: string, row: ConnectionRow): Promise<LiveKitSipSecret> {
  return LiveKitSipSecret.parse(await decryptJson(secretsKey, row.secret, additionalData(row.id)));
}

export function liveKitSipSettings(row: ConnectionRow): LiveKitSipSettings {
  return LiveKitSipSettings.parse(row.settings);
}
