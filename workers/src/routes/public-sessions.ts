// Public dispatch for the widget and the public link page: published agents only, protected by
// per-IP and per-agent rate limits, the agent's allowed origins, or a pre-generated agent token.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { DispatchedSession, LanguageTag, originAllowed, text, jsonValue } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { enforceRateLimit } from "../lib/rate-limit.ts";
import { admitAgentToken } from "../sessions/agent-tokens.ts";
import { dispatchSession } from "../sessions/dispatch.ts";
import { requireClientAddressKey } from "../sessions/client-address.ts";
import { AgentParams } from "./params-agents.ts";

const PublicDispatchBody = z
  .strictObject({
    /** Usually the host page's URL parameters: strings, typed by the agent's variable schema. */
    variables: z.record(text(), jsonValue()).default({}),
    language: LanguageTag.optional(),
    visitorId: text().trim().min(1).max(200).optional(),
    agentToken: text().min(1).max(2000).optional(),
  })
  .meta({ id: "PublicDispatchBody" });

export const route = createRoute({
  method: "post",
  path: "/public/agents/{agentId}/sessions",
  tags: ["public"],
  summary: "Start a session with a published agent from a web page (rate-limited; allowed origins or an agent token)",
  description:
    "Without an agent token, the page's Origin must be one of the agent's `widget.allowedOrigins` (when it has any) and each client address may start a few sessions a minute. With an agent token (`agentToken` or `Authorization: Bearer`), the token is the credential: it must not be revoked or expired (nor the API key that issued it), and its own `allowedOrigins`, when it has any, must hold the page's Origin; an empty list admits any page.",
  request: { params: AgentParams, body: jsonBody(PublicDispatchBody) },
  responses: {
    201: jsonResponse(DispatchedSession, "The session, dispatching"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    402: problemSpec("The space's plan has no overage and its included voice minutes are spent this period (minutes_exhausted)"),
    404: errorResponses[404],
    429: problemSpec("Too many sessions from this address or for this agent (rate_limited), or the space's plan is at its concurrent sessions (concurrency_limit); Retry-After"),
  },
});

const enforce = (c: Context<AppEnv>, key: string, perMinute: number) => enforceRateLimit(c, key, perMinute, "sessions");

export function registerPublicSessions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const body = c.req.valid("json");
    const config = c.get("config");
    const origin = c.req.header("origin");
    const bearer = /^Bearer (\S+)$/.exec(c.req.header("authorization") ?? "")?.[1];
    const agentToken = body.agentToken ?? bearer;
    if (agentToken) {
      // Its row decides: not revoked, not expired, its API key not revoked, the page's origin allowed.
      await admitAgentToken(c.get("db"), config.runtime.tokenSecret, agentToken, agentId, origin);
    } else {
      await enforce(c, `ip:${requireClientAddressKey(c.req.raw.headers, config.publicRateLimits.clientAddress)}`, config.publicRateLimits.perIpPerMin);
    }
    await enforce(c, `agent:${agentId}`, config.publicRateLimits.perAgentPerMin);
    const [row] = await c.get("db").select().from(agents).where(eq(agents.id, agentId));
    if (!row) throw notFound("published agent");
    const result = await dispatchSession(c, {
      agent: row,
      publishedOnly: true,
      variables: body.variables,
      variablesSource: "string",
      language: body.language,
      channel: "widget",
      caller: body.visitorId ?? null,
      admit: (agentConfig) => {
        const allowed = agentConfig.widget.allowedOrigins;
        if (!agentToken && allowed.length > 0 && !originAllowed(allowed, origin)) {
          throw new ApiError("forbidden", "this page's origin may not start sessions with this agent");
        }
      },
    });
    return c.json(result, 201, { "access-control-allow-origin": origin ?? "*", vary: "origin" });
  });
}
