// Placing an outbound call through a VoxImplant connection: StartScenarios runs the connection's
// rule (the Speaknode scenario) with custom data naming the session; the scenario asks /calls for
// the rest and dials. The call's id is the scenario session's call_session_history_id, and its
// media_session_access_secure_url is where the platform controls it (control.ts).
import { ApiError } from "../../errors.ts";
import type { SessionDeps } from "../../sessions/dispatch.ts";
import { log } from "../../lib/log.ts";
import type { ConnectionRow } from "../connections.ts";
import { outboundCustomData } from "./call-token.ts";
import { VoximplantApiError } from "./client.ts";
import { voximplantClientFor, voximplantSettings } from "./credentials.ts";
import { VoximplantKeyError } from "./jwt.ts";
import { voximplantUpstreamError } from "./errors.ts";

export interface StartVoximplantCall {
  connection: ConnectionRow;
  sessionId: string;
  agentId: string;
  /** E.164 */
  from: string;
  /** E.164 (personal data) */
  to: string;
  ringTimeoutS: number;
  timeLimitS: number;
}

export async function startVoximplantCall(deps: Pick<SessionDeps, "config">, call: StartVoximplantCall): Promise<{ providerCallId: string; controlUrl: string }> {
  const settings = voximplantSettings(call.connection);
  const custom = await outboundCustomData(deps.config.runtime.tokenSecret, call.connection.id, { sessionId: call.sessionId, ringS: call.ringTimeoutS, maxS: call.timeLimitS });
  const client = await voximplantClientFor(deps.config, call.connection);
  const started = await client.startScenarios(settings.ruleId, JSON.stringify(custom));
  log.info("voximplant: outbound scenario started", { sessionId: call.sessionId, connectionId: call.connection.id, callSessionHistoryId: started.call_session_history_id });
  return { providerCallId: String(started.call_session_history_id), controlUrl: started.media_session_access_secure_url };
}

/** Why the call was not placed (the session's failure reason) and the API's answer, like Twilio's
 *  refusals: rate limits and outages are retryable (429 / 503), a refusal is upstream_rejected. */
export function voximplantCallRefusal(err: unknown): { reason: string; error: ApiError } {
  if (err instanceof VoximplantApiError) {
    if (err.retryable) return { reason: err.rateLimited ? "VoxImplant rate-limited the request" : `VoxImplant unavailable (${err.status === 0 ? "unreachable" : `HTTP ${err.status}`})`, error: voximplantUpstreamError(err) };
    const code = err.code !== null ? ` (VoxImplant error ${err.code})` : "";
    return { reason: `VoxImplant refused the call${code}`, error: new ApiError("upstream_rejected", `VoxImplant refused to start the call: ${err.message}${code}; check the connection's key, its roles and rule`) };
  }
  if (err instanceof VoximplantKeyError) return { reason: "the connection's VoxImplant key cannot be used", error: new ApiError("upstream_rejected", `the connection's stored service account key cannot be used (${err.message}); update it on the connection`) };
  return { reason: "the call could not be placed", error: new ApiError("upstream_unavailable", "the call could not be placed; try again") };
}
