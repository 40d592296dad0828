// The configuration of an agent the session may hand over to: the target's published version,
// rendered with the session's variables, with its tools' secrets — what the runtime switches to
// on a transfer. Only agents the session's own configuration names as transfer targets qualify.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { idSchema, RuntimeConfig } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { jsonResponse, problemSpec } from "../lib/openapi.ts";
import { buildRuntimeConfig } from "../runtime/config.ts";
import { runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { loadRuntimeSession } from "../runtime/session.ts";

export const route = createRoute({
  method: "get",
  path: "/runtime/v1/sessions/{sessionId}/transfer-targets/{agentId}/config",
  tags: ["runtime"],
  summary: "A transfer target's published configuration, rendered with the session's variables",
  security: runtimeSecurity,
  request: { params: z.object({ sessionId: idSchema("session"), agentId: idSchema("agent") }) },
  responses: {
    200: jsonResponse(RuntimeConfig, "The target agent's configuration, for this session"),
    ...runtimeErrorResponses,
    409: problemSpec("The agent is not a transfer target of this session, or it is not published"),
    410: problemSpec("The session's agent (or its version) was deleted"),
  },
});

export function registerRuntimeTransferConfig(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { sessionId, agentId } = c.req.valid("param");
    const session = await loadRuntimeSession(c, sessionId);
    const db = c.get("db");
    const secretsKey = c.get("config").secretsKey;
    const own = await buildRuntimeConfig(db, secretsKey, session);
    if (!own.transferTargets.some((t) => t.agentId === agentId)) {
      throw new ApiError("conflict", "the agent is not a transfer target of this session");
    }
    const [target] = await db
      .select({ publishedVersion: agents.publishedVersion })
      .from(agents)
      .where(and(eq(agents.id, agentId), eq(agents.spaceId, session.spaceId)));
    if (!target) throw notFound("agent");
    if (target.publishedVersion === null) throw new ApiError("conflict", "the target agent is not published");
    // The same session, seen as running the target's published version.
    const config = await buildRuntimeConfig(db, secretsKey, { ...session, agentId, agentVersion: target.publishedVersion, draftVersion: null });
    return c.json(config, 200, { "cache-control": "no-store" });
  });
}
