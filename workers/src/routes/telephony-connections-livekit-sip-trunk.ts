// An Owner gives a Twilio connection an Elastic SIP trunk toward this deployment's LiveKit: the
// platform makes the trunk, its origination URL and termination credentials at Twilio, a LiveKit
// SIP connection over it, and moves the chosen numbers onto both (livekit-sip/twilio-trunk.ts).
// Idempotent: a re-run with the same name finds everything and answers 200 with changed=false.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateLiveKitSipTrunkBody, LiveKitSipTrunk } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { requirePlan } from "../billing/admission.ts";
import { loadConnection } from "../telephony/connection-resource.ts";
import { twilioTrunkToLiveKit } from "../telephony/livekit-sip/twilio-trunk.ts";
import { ConnectionParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/telephony-connections/{connectionId}/livekit-sip-trunk",
  tags: ["telephony"],
  summary:
    "Send a Twilio connection's calls to LiveKit over a Twilio Elastic SIP trunk (Owner): the trunk, its origination URL (sip:<LIVEKIT_SIP_HOST>;transport=tcp) and termination credentials are made at Twilio, a LiveKit SIP connection over it here, and the chosen numbers move onto both. Re-running changes nothing",
  security: bearerSecurity,
  request: { params: ConnectionParams, body: jsonBody(CreateLiveKitSipTrunkBody) },
  responses: {
    201: jsonResponse(LiveKitSipTrunk, "The trunk and the new LiveKit SIP connection"),
    200: jsonResponse(LiveKitSipTrunk, "Everything already existed (numbers given now were moved)"),
    ...errorResponses,
    409: problemSpec("LIVEKIT_SIP_HOST is not set, the connection is not a Twilio one, the name is taken, or Twilio refused the stored credentials"),
    429: problemSpec("Twilio is limiting the account's requests"),
    503: problemSpec("Twilio could not be reached; what was made was undone"),
  },
});

export function registerTelephonyConnectionsLiveKitSipTrunk(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadConnection(c, c.req.valid("param").connectionId, "owner");
    // It makes a LiveKit SIP connection: the plan must include telephony.
    await requirePlan(c, row.spaceId, { feature: "telephony" });
    const outcome = await twilioTrunkToLiveKit(c, row, c.req.valid("json"));
    return c.json(outcome.result, outcome.created ? 201 : 200);
  });
}
