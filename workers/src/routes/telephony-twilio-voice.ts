// Twilio's voice webhook for a connection's numbers: verified, logged, answered at once with the
// TwiML that connects the call to its agent (telephony/inbound.ts) or politely refuses it.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { answerInboundCall, type VoiceAnswer } from "../telephony/inbound.ts";
import { receiveTwilioWebhook } from "../telephony/twilio/webhook.ts";
import { twimlContentType } from "../telephony/twilio/twiml.ts";
import { markWebhookLog } from "../telephony/webhook-log.ts";
import { telephonyProtocolVersion, telephonyQueue } from "../telephony/protocol.ts";
import { errorFields, log } from "../lib/log.ts";
import { TwilioWebhookParams, twilioSignatureHeader, twilioWebhookBody, twilioWebhookErrors } from "./telephony-twilio-params.ts";

const path = "/telephony/twilio/{connectionId}/voice";

export function registerTelephonyTwilioVoice(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path,
    tags: ["telephony"],
    summary: "Twilio's voice webhook: answer an inbound call with its agent's media stream",
    description:
      "Called by Twilio (signed with X-Twilio-Signature), not by API clients. The called number (`To`) is looked up among the connection's numbers; a number that is unknown, disabled or not bound to a published agent is answered with a spoken refusal, a number at its concurrent-call limit with `<Reject reason=\"busy\"/>`, and otherwise a phone session is created and the call connected with `<Connect><Stream>`. Every request, refused ones included, is stored in the inbound webhook log.",
    request: { params: TwilioWebhookParams, headers: twilioSignatureHeader, body: twilioWebhookBody },
    responses: { 200: { description: "TwiML", content: { "text/xml": { schema: { type: "string" } } } }, ...twilioWebhookErrors },
  });
  app.post("/telephony/twilio/:connectionId/voice", async (c) => {
    const connectionId = c.req.param("connectionId");
    const accepted = await receiveTwilioWebhook(c, "voice", connectionId, (p) => (p["CallSid"] ? `${p["CallSid"]}:voice` : null));
    let answer: VoiceAnswer;
    try {
      answer = await answerInboundCall(c, accepted.connection, accepted.params);
    } catch (err) {
      // The row says the call was not answered (Twilio plays its own error to the caller).
      await markWebhookLog(c.get("db"), accepted.logId, { outcome: "failed", detail: "the call could not be answered" }).catch(() => undefined);
      throw err;
    }
    await markWebhookLog(c.get("db"), accepted.logId, { outcome: "processed", detail: answer.detail, processed: true, ...(answer.sessionId ? { sessionId: answer.sessionId } : {}) });
    // On the queue too, after the answer: the consumer puts the call's first status (ringing) in its history.
    if (answer.sessionId) {
      const queued = telephonyQueue(c.env)
        .send({ v: telephonyProtocolVersion, kind: "twilio.voice", logId: accepted.logId })
        .catch((err: unknown) => log.warn("telephony: voice webhook not queued", { logId: accepted.logId, ...errorFields(err) }));
      try {
        c.executionCtx.waitUntil(queued);
      } catch {
        // No execution context (the app called directly, as some tests do): queue it before answering.
        await queued;
      }
    }
    return c.body(answer.twiml, 200, { "content-type": twimlContentType });
  });
}
