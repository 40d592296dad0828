import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { listOf, Space } from "@speaknode/contracts";
import { memberships, spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { toSpace } from "./serialize.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces",
  tags: ["spaces"],
  summary: "Spaces the caller belongs to (an API key sees its own space)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(listOf(Space), "The caller's spaces"), 401: errorResponses[401] },
});

export function registerSpacesList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const db = c.get("db");
    const rows =
      p.type === "user"
        ? await db
            .select({ space: spaces, role: memberships.role })
            .from(memberships)
            .innerJoin(spaces, eq(spaces.id, memberships.spaceId))
            .where(eq(memberships.userId, p.userId))
            .orderBy(spaces.createdAt, spaces.id)
        : (await db.select().from(spaces).where(eq(spaces.id, p.spaceId))).map((space) => ({ space, role: p.role }));
    return c.json(
      { data: rows.map(({ space, role }) => toSpace(space, role)) },
      200,
    );
  });
}
