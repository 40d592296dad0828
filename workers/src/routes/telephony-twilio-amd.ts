// Twilio's asynchronous answering-machine detection result (AsyncAmdStatusCallback): verified,
// logged and queued; the consumer forwards the verdict to the runtime holding the call.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { enqueueTwilioCallback } from "../telephony/enqueue.ts";
import { TwilioWebhookParams, twilioSignatureHeader, twilioWebhookBody, twilioWebhookErrors } from "./telephony-twilio-params.ts";

export const amdDedupeKey = (p: Record<string, string>): string | null => (p["CallSid"] ? `${p["CallSid"]}:amd:${p["AnsweredBy"] ?? ""}` : null);

export function registerTelephonyTwilioAmd(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/telephony/twilio/{connectionId}/amd",
    tags: ["telephony"],
    summary: "Twilio's answering-machine detection result (queued, then forwarded to the call's runtime)",
    description: "Called by Twilio (signed with X-Twilio-Signature) with `AnsweredBy`. Stored in the inbound webhook log and queued; the consumer records it in the call's status history and hands it to the voice runtime, which applies the agent's voicemail policy.",
    request: { params: TwilioWebhookParams, headers: twilioSignatureHeader, body: twilioWebhookBody },
    responses: { 204: { description: "Logged and queued" }, ...twilioWebhookErrors },
  });
  app.post("/telephony/twilio/:connectionId/amd", (c) => enqueueTwilioCallback(c, "amd", amdDedupeKey));
}
