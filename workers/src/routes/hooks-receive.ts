// POST /hooks/{spaceId}/{name}: a space's inbound route, public (the route's secret is the
// credential, not a bearer token). The raw body is read here, capped at 256 KiB, because
// signatures cover its exact bytes; webhooks/inbound/receive.ts does the rest.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { InboundHookResult, jsonValue, text } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { withDatabase } from "../lib/database.ts";
import { errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { enforceRateLimit } from "../lib/rate-limit.ts";
import { actionDepsOf } from "../webhooks/inbound/actions.ts";
import { hookMaxBytes, receiveHook } from "../webhooks/inbound/receive.ts";

/** Requests a route takes per minute, whoever sends them. */
export const hookRequestsPerMin = 600;

export function registerHooksReceive(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/hooks/{spaceId}/{name}",
    tags: ["webhooks"],
    summary: "A space's inbound route: a verified JSON request starts a call, a campaign item or a web session",
    description:
      "Public; the route's verification is the credential: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; 5 minutes of tolerance), " +
      "an HMAC of the raw body in the route's header, or `Authorization: Bearer <secret>`. Every request is logged. " +
      "The idempotency key (webhook-id, else Idempotency-Key, else the mapping's pointer) makes a repeated request answer what the first started (200, replayed: true).",
    request: {
      params: z.object({ spaceId: text(), name: text() }),
      body: { required: true, content: { "application/json": { schema: jsonValue() } } },
    },
    responses: {
      201: jsonResponse(InboundHookResult, "What was started"),
      200: jsonResponse(InboundHookResult, "A replay: what an earlier request with the same idempotency key started (nothing new)"),
      ...errorResponses,
      401: problemSpec("The request's signature or bearer secret does not verify"),
      402: problemSpec("The space's plan has no overage and its included voice minutes are spent this period (minutes_exhausted)"),
      404: problemSpec("No inbound route has this path"),
      409: problemSpec("The route is paused, a request with the same idempotency key is still running, or the campaign cannot take contacts"),
      413: problemSpec("The body is larger than 256 KiB"),
      422: problemSpec("The body does not fit the route's mapping (`errors` lists each problem)"),
      429: problemSpec("The route's rate limit, or the limits a call or session is subject to (Retry-After)"),
      503: problemSpec("The provider or the media service is unavailable (Retry-After)"),
    },
  });
  const limit = bodyLimit({ maxSize: hookMaxBytes, onError: () => { throw new ApiError("payload_too_large", `the body is larger than ${hookMaxBytes / 1024} KiB`); } });
  app.use("/hooks/*", limit, withDatabase());
  app.post("/hooks/:spaceId/:name", async (c) => {
    const answer = await receiveHook(
      { db: c.get("db"), config: c.get("config"), actions: actionDepsOf(c), limit: (routeId) => enforceRateLimit(c, `hook:${routeId}`, hookRequestsPerMin, "requests to this route") },
      {
        spaceId: c.req.param("spaceId"),
        name: c.req.param("name"),
        method: c.req.method,
        url: c.req.url,
        headers: c.req.raw.headers,
        body: new Uint8Array(await c.req.arrayBuffer()),
        requestId: c.get("requestId"),
      },
    );
    return c.json(answer.result, answer.status);
  });
}
