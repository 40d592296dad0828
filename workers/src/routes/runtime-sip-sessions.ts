// A SIP call a platform dispatch rule sent straight into LiveKit (a trunk with no webhook before it)
// reaches the agent with the rule's metadata only: the runtime asks the Worker for its session. The
// number is resolved and admitted exactly as a Twilio webhook's (telephony/inbound-session.ts), so
// every SIP call has a session row like any other; what a webhook would refuse (not in service,
// busy, the agent cannot run) is a `reject` the runtime acts on by hanging up. Retried with the
// same sip.callID, it answers with the session already made.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RuntimeSipInboundBody, RuntimeSipInboundResult } from "@speaknode/contracts";
import { parsePhoneNumber } from "@speaknode/phone";
import type { AppEnv } from "../context.ts";
import type { Context } from "hono";
import { ApiError } from "../errors.ts";
import { jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { log } from "../lib/log.ts";
import { limitJsonBody, runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { admitInboundCall, existingInboundSession, resolveInboundNumber } from "../telephony/inbound-session.ts";

export const route = createRoute({
  method: "post",
  path: "/runtime/v1/sip/sessions",
  tags: ["runtime"],
  summary: "The session of a SIP call a platform dispatch rule sent to the agent (created now, or the one it already has)",
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { body: jsonBody(RuntimeSipInboundBody) },
  responses: {
    200: jsonResponse(RuntimeSipInboundResult, "accept: run this session; reject: hang the caller up (not in service, busy, the agent cannot run)"),
    ...runtimeErrorResponses,
    403: problemSpec("A session's service token cannot create sessions"),
    413: problemSpec("The body is larger than 256 KiB"),
  },
});

const reject = (reason: string, busy = false): RuntimeSipInboundResult => ({ action: "reject", reason, busy });

/** The answer for a call that already has its session: the same session while it still waits for its agent. */
async function replay(c: Context<AppEnv>, connectionId: string, callId: string): Promise<RuntimeSipInboundResult | null> {
  const existing = await existingInboundSession(c, connectionId, callId);
  if (!existing) return null;
  if (existing.status === "dispatching" && existing.agentId) return { action: "accept", sessionId: existing.id, agentId: existing.agentId };
  return reject(`the call's session is already ${existing.status}`);
}

async function answer(c: Context<AppEnv>, body: RuntimeSipInboundBody): Promise<RuntimeSipInboundResult> {
  const { dispatch, participant } = body;
  const called = { connectionId: dispatch.connectionId, phoneNumberId: dispatch.phoneNumberId };
  const resolved = await resolveInboundNumber(c, called, participant.callId);
  if (!resolved || resolved.answered) {
    const again = await replay(c, dispatch.connectionId, participant.callId);
    if (again) return again;
    // The call id is another connection's call: this rule's metadata must not reach its session.
    if (resolved?.answered) return reject("the SIP call id belongs to a call of another connection");
    return reject("number not imported on this connection");
  }
  const from = participant.phoneNumber ?? "";
  const parsedFrom = parsePhoneNumber(from);
  const verdict = await admitInboundCall(c, resolved, { from, to: resolved.number.e164, providerCallId: participant.callId }, parsedFrom.ok ? parsedFrom.e164 : null);
  switch (verdict.kind) {
    case "session":
      return { action: "accept", sessionId: verdict.sessionId, agentId: verdict.agentId };
    case "refused":
      return reject(verdict.detail);
    case "busy":
      return reject(verdict.detail, true);
    case "duplicate": {
      const again = await replay(c, dispatch.connectionId, participant.callId);
      if (again) return again;
      throw new Error("a concurrent request created the call's session, which is not found");
    }
  }
}

export function registerRuntimeSipSessions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    // A token narrowed to one session is a running call's: it may not make others.
    if (c.get("runtimeService").sessionId !== undefined) throw new ApiError("forbidden", "a session's service token cannot create sessions");
    const body = c.req.valid("json");
    const result = await answer(c, body);
    if (result.action === "reject") log.info("runtime: SIP call rejected", { requestId: c.get("requestId"), phoneNumberId: body.dispatch.phoneNumberId, reason: result.reason, busy: result.busy });
    return c.json(result, 200);
  });
}
