// The runtime names the SIP participant that carries its session's call once it is in the room:
// the Worker records the call id (unless the provider's own id is already there, e.g. Twilio's
// CallSid of a <Dial><Sip>), the call's status, and where a transfer or a hang-up is sent
// (`livekit://<room>/<identity>`, read by telephony/transfer.ts and hangup.ts). Idempotent: the
// same facts again change nothing.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { RuntimeSipParticipantBody } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { jsonBody, problemSpec } from "../lib/openapi.ts";
import { limitJsonBody, runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";
import { liveKitControlUrl } from "../telephony/livekit-control.ts";

export const route = createRoute({
  method: "post",
  path: "/runtime/v1/sessions/{sessionId}/sip",
  tags: ["runtime"],
  summary: "Record the SIP participant carrying the session's call (call id, status, where transfers go)",
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { params: RuntimeSessionParams, body: jsonBody(RuntimeSipParticipantBody) },
  responses: {
    204: { description: "Recorded" },
    ...runtimeErrorResponses,
    409: problemSpec("The session is not a phone call, or the SIP call id is another session's"),
    413: problemSpec("The body is larger than 256 KiB"),
  },
});

export function registerRuntimeSipParticipant(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const session = await loadRuntimeSession(c, c.req.valid("param").sessionId);
    if (session.channel !== "phone") throw new ApiError("conflict", "the session is not a phone call");
    const facts = c.req.valid("json");
    try {
      await c
        .get("db")
        .update(sessions)
        .set({
          // The provider's own id stays: Twilio's status callbacks and hang-ups find the call by it.
          providerCallId: sql`coalesce(${sessions.providerCallId}, ${facts.callId})`,
          // Only the SIP call's own status: a Twilio call's status stays in Twilio's words (its callbacks write it).
          ...(facts.callStatus
            ? { providerStatus: sql`case when ${sessions.providerCallId} is null or ${sessions.providerCallId} = ${facts.callId} then ${facts.callStatus} else ${sessions.providerStatus} end` }
            : {}),
          providerControlUrl: liveKitControlUrl(facts.room, facts.participantIdentity),
        })
        .where(eq(sessions.id, session.id));
    } catch (err) {
      if (databaseErrorFields(err)?.constraint === "sessions_provider_call_uq") throw new ApiError("conflict", "the SIP call id belongs to another session");
      throw err;
    }
    return c.body(null, 204);
  });
}
