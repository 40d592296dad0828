import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, ilike, isNotNull, isNull } from "drizzle-orm";
import { Agent, listOf, text } from "@speaknode/contracts";
import { agents } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { toAgent } from "../agents/store.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/agents",
  tags: ["agents"],
  summary: "Agents of a space, newest first, with optional search by name and published filter",
  security: bearerSecurity,
  request: {
    params: SpaceParams,
    query: z.strictObject({
      search: text().trim().max(50).optional(),
      published: z.enum(["true", "false"]).optional(),
      limit: z.coerce.number().int().min(1).max(200).default(100),
    }),
  },
  responses: { 200: jsonResponse(listOf(Agent), "The agents"), ...errorResponses },
});

export function registerAgentsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { search, published, limit } = c.req.valid("query");
    await requireSpace(c, spaceId);
    const escaped = search?.replace(/[\\%_]/g, (ch) => `\\${ch}`);
    const rows = await c
      .get("db")
      .select()
      .from(agents)
      .where(
        and(
          eq(agents.spaceId, spaceId),
          escaped ? ilike(agents.name, `%${escaped}%`) : undefined,
          published === "true" ? isNotNull(agents.publishedVersion) : published === "false" ? isNull(agents.publishedVersion) : undefined,
        ),
      )
      .orderBy(desc(agents.createdAt), desc(agents.id))
      .limit(limit);
    return c.json({ data: rows.map(toAgent) }, 200);
  });
}
