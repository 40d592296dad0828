// Have an agent call a phone (members and API keys of the agent's space): the session is created
// at once and Twilio places the call from one of the space's numbers.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { OutboundCall, OutboundCallBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requirePlan } from "../billing/admission.ts";
import { loadAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { callDepsOf, placeOutboundCall } from "../telephony/outbound.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/calls",
  tags: ["telephony"],
  summary: "Place an outbound phone call with an agent (its published version, or the draft when unpublished)",
  description:
    "Creates the session (channel phone, direction outbound) and asks the number's provider to place the call. " +
    "The number's allowed destination countries and concurrent-call limit, and the space's concurrent-call limit, apply. A call the provider refuses " +
    "fails its session with the reason and is answered with a problem: caller_id_unverified (400), " +
    "destination_not_allowed (403), rate_limited (429, Retry-After), upstream_rejected (502) or upstream_unavailable (503, Retry-After). " +
    "The space's plan must include telephony (403 plan_limit), have minutes left or overage (402 minutes_exhausted) and a free concurrent session (429 concurrency_limit, Retry-After).",
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(OutboundCallBody) },
  responses: {
    201: jsonResponse(OutboundCall, "The session, dispatching while the phone rings"),
    ...errorResponses,
    402: problemSpec("The space's plan has no overage and its included voice minutes are spent this period (minutes_exhausted)"),
    403: problemSpec("The caller's role does not allow this, the destination is not allowed (destination_not_allowed), or the space's plan does not include telephony (plan_limit)"),
    409: problemSpec("The number's connection cannot place calls"),
    429: problemSpec("The number or the space is at its concurrent-call limit, the space's plan at its concurrent sessions (concurrency_limit), or the provider is rate limiting (Retry-After)"),
    502: problemSpec("The provider refused the request or the connection's credentials"),
    503: problemSpec("The provider is unreachable or failing (Retry-After)"),
  },
});

export function registerCallsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    await requirePlan(c, row.spaceId, { feature: "telephony" });
    return c.json(await placeOutboundCall(callDepsOf(c), row, c.req.valid("json")), 201);
  });
}
