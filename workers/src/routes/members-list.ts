import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { listOf, Member } from "@speaknode/contracts";
import { memberships, users } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, iso, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/members",
  tags: ["members"],
  summary: "Members of a space with their roles",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(listOf(Member), "The members"), ...errorResponses },
});

export function registerMembersList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const rows = await c
      .get("db")
      .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, joinedAt: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.spaceId, spaceId))
      .orderBy(memberships.createdAt, users.id);
    return c.json({ data: rows.map((r) => ({ ...r, joinedAt: iso(r.joinedAt) })) }, 200);
  });
}
