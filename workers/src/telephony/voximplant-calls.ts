// The call flows' way into VoxImplant calls: placing one (outbound.ts) through the connection's
// scenario (voximplant/outbound.ts) and controlling a live one (transfer.ts, hangup.ts) through the
// scenario session's access URL (voximplant/control.ts).
import type { Config } from "../config.ts";
import { ApiError } from "../errors.ts";
import { log } from "../lib/log.ts";
import type { DialDeps, PlacedCall, ProviderDial } from "./outbound-dial.ts";
import { controlVoximplantCall, usableControlUrl, type VoximplantCommand } from "./voximplant/control.ts";
import { startVoximplantCall, voximplantCallRefusal } from "./voximplant/outbound.ts";

export type { VoximplantCommand } from "./voximplant/control.ts";

/** StartScenarios for the session; the call then rings from the scenario (its events end the session as Twilio's callbacks do). */
export async function placeVoximplantCall(deps: DialDeps, d: ProviderDial): Promise<PlacedCall> {
  try {
    const started = await startVoximplantCall(deps, { connection: d.connection, sessionId: d.sessionId, agentId: d.agentId, from: d.from, to: d.to, ringTimeoutS: d.ringTimeoutS, timeLimitS: d.timeLimitS });
    // The access URL passes the SSRF policy before it is stored, as a scenario-reported one does.
    const controlUrl = usableControlUrl(deps.config, started.controlUrl)?.href;
    return { providerCallId: started.providerCallId, providerStatus: "initiated", reportedCallId: started.providerCallId, ...(controlUrl ? { controlUrl } : {}) };
  } catch (err) {
    const refusal = voximplantCallRefusal(err);
    await d.fail(refusal.reason);
    log.warn("outbound call: VoxImplant refused the call", { sessionId: d.sessionId, connectionId: d.connection.id, error: err instanceof Error ? err.name : "error" });
    throw refusal.error;
  }
}

/** A command to the call's scenario (a 409 while the call has no control URL yet). */
export async function controlVoximplant(config: Config, controlUrl: string | null, command: VoximplantCommand): Promise<void> {
  if (!controlUrl) throw new ApiError("conflict", "the VoxImplant call has no control URL yet; it cannot be reached from here");
  // Wrapped: workerd refuses a `fetch` called with a foreign `this`, and tests stub the global one.
  await controlVoximplantCall(config, controlUrl, command, (input, init) => fetch(input, init));
}
