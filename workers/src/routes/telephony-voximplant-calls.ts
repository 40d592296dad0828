// The VoxEngine scenario asks which session a call is: inbound (answer with connect or reject) or
// an outbound call it was started for (dial). Authenticated with the connection's scenario secret,
// logged (provider voximplant, kind voice), idempotent on the scenario session; answered at once.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import { text } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { errorFields, log } from "../lib/log.ts";
import { problemSpec } from "../lib/openapi.ts";
import { answerVoximplantCall, type AnsweredCall } from "../telephony/voximplant/calls.ts";
import { CallRequest, receiveScenarioRequest } from "../telephony/voximplant/edge.ts";
import { markWebhookLog } from "../telephony/webhook-log.ts";

export const VoximplantScenarioParams = z.object({
  connectionId: text().openapi({ param: { name: "connectionId", in: "path" }, example: "tcn_01jqz8k3m4n5p6q7r8s9t0v1w2" }),
});

export const voximplantScenarioErrors = {
  400: problemSpec("Not a request of the Speaknode scenario"),
  401: problemSpec("Missing or wrong scenario secret (or unknown connection)"),
  413: problemSpec("Body too large"),
  415: problemSpec("Not JSON"),
};

export function registerTelephonyVoximplantCalls(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/telephony/voximplant/{connectionId}/calls",
    tags: ["telephony"],
    summary: "The VoxEngine scenario asks which session a call belongs to",
    description:
      "Called by the connection's VoxEngine scenario (`Authorization: Bearer <scenario secret>`), not by API clients. Inbound `{v, callId, sessionHistoryId, accessUrl, from, to}` is answered `{action:\"connect\", sessionId, bridgeUrl, encoding}` or `{action:\"reject\", sipCode, reason}`; outbound `{v, kind:\"outbound\", sessionId, token, ringS, maxS, sessionHistoryId, accessUrl}` with `{action:\"dial\", to, from, bridgeUrl, encoding, ringS, maxS}`. A repeated request for the same VoxImplant session gets the same session.",
    request: { params: VoximplantScenarioParams, body: { required: true, content: { "application/json": { schema: z.object({}).passthrough() } } } },
    responses: { 200: { description: "What the scenario does with the call", content: { "application/json": { schema: z.object({ action: z.enum(["connect", "dial", "reject"]) }).passthrough() } } }, ...voximplantScenarioErrors },
  });
  app.post("/telephony/voximplant/:connectionId/calls", async (c) => {
    const accepted = await receiveScenarioRequest(c, "voice", CallRequest, (b) => `${b.sessionHistoryId}:calls`);
    let answered: AnsweredCall;
    try {
      answered = await answerVoximplantCall(c, accepted.connection, accepted.body);
    } catch (err) {
      await markWebhookLog(c.get("db"), accepted.logId, { outcome: "failed", detail: "the call could not be answered", routing: "nowhere: the call could not be answered" }).catch(() => undefined);
      log.error("telephony: voximplant call not answered", { requestId: c.get("requestId"), logId: accepted.logId, ...errorFields(err) });
      // The scenario rejects the call itself (503) when it gets no answer it can read.
      throw err;
    }
    const routing = answered.sessionId ? `session ${answered.sessionId}` : `no session: ${answered.answer.action}`;
    await markWebhookLog(c.get("db"), accepted.logId, { outcome: "processed", detail: answered.detail, processed: true, routing, ...(answered.sessionId ? { sessionId: answered.sessionId } : {}) });
    return c.json(answered.answer, 200);
  });
}
