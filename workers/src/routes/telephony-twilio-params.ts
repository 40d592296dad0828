// Shared by the Twilio webhook operations: their path, the form body they document and the
// responses every one of them can give. They are public (Twilio signs them; no bearer token) and
// documented here but parsed by telephony/twilio/webhook.ts, which must see every parameter as
// sent to check the signature and log the request before anything refuses it.
import { z } from "@hono/zod-openapi";
import { text } from "@speaknode/contracts";
import { problemSpec } from "../lib/openapi.ts";

export const TwilioWebhookParams = z.object({
  connectionId: text().openapi({ param: { name: "connectionId", in: "path" }, example: "tcn_01jqz8k3m4n5p6q7r8s9t0v1w2" }),
});

/** Twilio's form parameters; the platform reads the ones named, the signature covers them all. */
export const TwilioCallbackForm = z
  .object({
    CallSid: text().openapi({ example: "CA0123456789abcdef0123456789abcdef" }),
    AccountSid: text(),
    From: text().optional(),
    To: text().optional(),
    CallStatus: text().optional(),
    Direction: text().optional(),
    SequenceNumber: text().optional(),
    Timestamp: text().optional(),
    CallDuration: text().optional(),
    SipResponseCode: text().optional(),
    ErrorCode: text().optional(),
    AnsweredBy: text().optional(),
  })
  .catchall(text())
  .openapi("TwilioCallbackForm");

export const twilioSignatureHeader = z.object({
  "x-twilio-signature": text().openapi({ description: "Base64 HMAC-SHA1 of the URL and sorted parameters, keyed with the account's Auth Token" }),
});

export const twilioWebhookBody = {
  required: true,
  description: "Twilio's callback parameters, form-encoded",
  content: { "application/x-www-form-urlencoded": { schema: TwilioCallbackForm } },
};

export const twilioWebhookErrors = {
  400: problemSpec("The body is not a form"),
  403: problemSpec("Not signed by the connection's Twilio account (or no such connection); the request is logged as refused"),
  413: problemSpec("The body is larger than Twilio's callbacks are"),
};
