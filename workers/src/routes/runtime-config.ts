// The voice runtime reads the configuration its session runs with (secrets included: never cached).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RuntimeConfig } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { jsonResponse, problemSpec } from "../lib/openapi.ts";
import { buildRuntimeConfig } from "../runtime/config.ts";
import { runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";

export const route = createRoute({
  method: "get",
  path: "/runtime/v1/sessions/{sessionId}/config",
  tags: ["runtime"],
  summary: "The session's agent configuration, rendered with its variables, with tool secrets",
  security: runtimeSecurity,
  request: { params: RuntimeSessionParams },
  responses: {
    200: jsonResponse(RuntimeConfig, "The configuration"),
    ...runtimeErrorResponses,
    410: problemSpec("The session's agent (or its version) was deleted"),
  },
});

export function registerRuntimeConfig(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const session = await loadRuntimeSession(c, c.req.valid("param").sessionId);
    const config = await buildRuntimeConfig(c.get("db"), c.get("config").secretsKey, session);
    return c.json(config, 200, { "cache-control": "no-store" });
  });
}
