// Small helpers so each operation file declares only what is particular to it.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { idSchema, Problem, problemContentType, text, webhookEventTypes, webhookEventVersion, webhookPayloadSchema, type WebhookEventType } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";

export const problemSpec = (description: string) => ({ description, content: { [problemContentType]: { schema: Problem } } });

/** Error responses every authenticated operation can give. */
export const errorResponses = {
  400: problemSpec("Malformed body or failed validation"),
  401: problemSpec("Missing, invalid or expired credentials"),
  403: problemSpec("The caller's role does not allow this"),
  404: problemSpec("Not found, or not visible to the caller"),
} as const;

export const bearerSecurity = [{ bearer: [] }];

export function jsonBody<T extends z.ZodType>(schema: T, description = "JSON body") {
  return { required: true, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export const noContent = { description: "Done" } as const;

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

// ---------------------------------------------------------------------------------------------
// The document's `webhooks` (OpenAPI 3.1): what Speaknode POSTs to a space's endpoints, one entry
// per event type, so a receiver can generate its types and read the signing and retry rules.

const eventSummaries: Record<WebhookEventType, string> = {
  "session.started": "A session became active: the call was answered, or the web visitor connected",
  "session.completed": "A session ended normally, with its duration, end reason and expiring transcript and recording links",
  "session.failed": "A session failed (it never became active, or broke off)",
  "call.voicemail": "Answering-machine detection concluded an outbound call reached a machine",
  "call.analysis.ready": "A session's post-call analysis finished: summary, structured data and success evaluation (or why it failed)",
  "campaign.item.completed": "A campaign contact reached its final status",
  "campaign.completed": "A campaign completed or was cancelled",
  "billing.usage_threshold": "The space used 80 % or 100 % of its plan's included minutes in the period",
  "webhook.test": "Sent by the test button (POST …/endpoints/{endpointId}/test) to that endpoint only",
};

/** How every event is delivered: said once, in every webhook's description. */
export const webhookDeliveryRules = [
  "Sent as `POST` with a JSON body `{ type, timestamp, data }` to every enabled endpoint of the space that subscribes to the type (an endpoint with no event types receives them all). The body is the same bytes at every attempt.",
  "**Signing** ([Standard Webhooks](https://www.standardwebhooks.com)): `webhook-signature` is `v1,` + base64 HMAC-SHA256, keyed with the base64 after `whsec_` in the endpoint's secret, of `{webhook-id}.{webhook-timestamp}.{body}`. After a secret rotation both secrets sign, space-separated, until the overlap ends: accept either. Refuse a `webhook-timestamp` more than 5 minutes from now. The `standardwebhooks` package verifies all of this.",
  "**At least once**: an event may arrive more than once; `webhook-id` is the event's id, the same at every retry and replay, so de-duplicate on it. **Ordering is not promised**: order by `timestamp` and the data's own times.",
  "**Retries**: answer any 2xx within 15 s. Anything else, a timeout or a redirect (redirects are not followed) is retried after 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h six times (12 attempts over about 3 days, ±10 % jitter); a `Retry-After` on 429 or 503 delays the next attempt at least that long (at most 12 h). `410 Gone` disables the endpoint at once; an endpoint that has failed for 5 days is disabled and the space's Owners are emailed. Failed deliveries can be replayed from the API or the dashboard.",
].join("\n\n");

const webhookHeaders = (type: WebhookEventType) =>
  z.object({
    "webhook-id": idSchema("domainEvent").meta({ description: "The event's id: stable across retries and replays (de-duplicate on it)" }),
    "webhook-timestamp": text().regex(/^\d+$/).meta({ description: "When this attempt was signed, in Unix seconds" }),
    "webhook-signature": text().meta({ description: "`v1,<base64 HMAC-SHA256>`, space-separated when two secrets sign during a rotation", example: "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=" }),
    "speaknode-event-type": z.literal(type).meta({ description: "The event's type, as in the body" }),
    "speaknode-event-version": z.literal(String(webhookEventVersion)).meta({ description: "The version of the data layout" }),
  });

const pascal = (type: string) => type.split(/[._]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
const camel = (type: string) => pascal(type).charAt(0).toLowerCase() + pascal(type).slice(1);

/** Adds one `webhooks` entry per event type to the app's OpenAPI document. */
export function documentWebhookEvents(app: OpenAPIHono<AppEnv>): void {
  for (const type of webhookEventTypes) {
    app.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      operationId: `${camel(type)}Webhook`,
      tags: ["webhooks"],
      // Speaknode signs what it sends (the description says how to verify); there is nothing for
      // a receiver to configure as an OpenAPI security scheme.
      security: [],
      summary: eventSummaries[type],
      description: webhookDeliveryRules,
      request: {
        headers: webhookHeaders(type),
        body: { required: true, content: { "application/json": { schema: webhookPayloadSchema(type).meta({ id: `${pascal(type)}Webhook` }) } } },
      },
      responses: {
        "2XX": { description: "Received: the delivery succeeded" },
        "410": { description: "Gone: the endpoint is disabled and receives nothing more" },
        default: { description: "Anything else (or no answer within 15 s) is retried on the schedule" },
      },
    });
  }
}
