// Twilio's call status callbacks: verified, logged and queued; nothing acts on them in the request
// (telephony/consumer.ts moves the session along from the queue, idempotently).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { enqueueTwilioCallback } from "../telephony/enqueue.ts";
import { TwilioWebhookParams, twilioSignatureHeader, twilioWebhookBody, twilioWebhookErrors } from "./telephony-twilio-params.ts";

/** Twilio's identity of one status event: a replay carries the same three values. */
export const statusDedupeKey = (p: Record<string, string>): string | null =>
  p["CallSid"] ? `${p["CallSid"]}:${p["CallStatus"] ?? ""}:${p["SequenceNumber"] ?? ""}` : null;

export function registerTelephonyTwilioStatus(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/telephony/twilio/{connectionId}/status",
    tags: ["telephony"],
    summary: "Twilio's call status callback (queued, then applied to the call's session)",
    description: "Called by Twilio (signed with X-Twilio-Signature). The request is stored in the inbound webhook log and queued; the session's status history and lifecycle move when the queue consumer processes it, and a replayed callback changes nothing.",
    request: { params: TwilioWebhookParams, headers: twilioSignatureHeader, body: twilioWebhookBody },
    responses: { 204: { description: "Logged and queued" }, ...twilioWebhookErrors },
  });
  app.post("/telephony/twilio/:connectionId/status", (c) => enqueueTwilioCallback(c, "status", statusDedupeKey));
}
