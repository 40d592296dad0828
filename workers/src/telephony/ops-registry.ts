// Each telephony provider's ConnectionOps, by provider: the connection and number routes look the
// connection's provider up here and never know a provider's API.
import type { ConnectionRow } from "./connections.ts";
import { liveKitSipOps } from "./livekit-sip/ops.ts";
import type { ConnectionOps } from "./provider-ops.ts";
import { twilioOps } from "./twilio/ops.ts";
import { voximplantOps } from "./voximplant/ops.ts";

export const connectionOps: { [P in ConnectionRow["provider"]]: ConnectionOps<P> } = {
  twilio: twilioOps,
  voximplant: voximplantOps,
  livekit_sip: liveKitSipOps,
};

/** The ops of a connection's provider (a create body's provider picks the same variant). */
export function opsFor(provider: ConnectionRow["provider"]): ConnectionOps {
  // Each ops takes only its own provider's create body; the body's provider chose this entry.
  return connectionOps[provider] as ConnectionOps;
}
