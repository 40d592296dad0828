// Twilio's voice webhook for a connection's numbers: verified, logged, answered at once with the
// TwiML that connects the call to its agent (telephony/inbound.ts) or politely refuses it.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { createDatabase } from "@speaknode/db";
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
    // The answer is worked out while the request's log row is written; both are done before Twilio
    // hears it. What became of the request is marked on the row, and queued, after the answer.
    let answer: VoiceAnswer;
    try {
      answer = await answerInboundCall(c, accepted.connection, accepted.params);
      await accepted.logged;
    } catch (err) {
      // The row says the call was not answered (Twilio plays its own error to the caller).
      await accepted.logged.then(() => markWebhookLog(c.get("db"), accepted.logId, { outcome: "failed", detail: "the call could not be answered", routing: "nowhere: the call could not be answered" })).catch(() => undefined);
      throw err;
    }
    const config = c.get("config");
    const after = (async () => {
      // Its own connection: the request's closes once the answer has gone.
      const handle = createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 1 });
      try {
        const routing = answer.sessionId ? `session ${answer.sessionId}` : "no session: refused with TwiML";
        await markWebhookLog(handle.db, accepted.logId, { outcome: "processed", detail: answer.detail, processed: true, routing, ...(answer.sessionId ? { sessionId: answer.sessionId } : {}) });
      } finally {
        await handle.close().catch(() => undefined);
      }
      // On the queue too: the consumer puts the call's first status (ringing) in its history.
      if (answer.sessionId) await telephonyQueue(c.env).send({ v: telephonyProtocolVersion, kind: "twilio.voice", logId: accepted.logId });
    })().catch((err: unknown) => log.warn("telephony: voice webhook not marked or queued", { logId: accepted.logId, ...errorFields(err) }));
    try {
      c.executionCtx.waitUntil(after);
    } catch {
      // No execution context (the app called directly, as some tests do): finish it before answering.
      await after;
    }
    return c.body(answer.twiml, 200, { "content-type": twimlContentType });
  });
}
