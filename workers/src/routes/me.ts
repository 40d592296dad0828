import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { Me } from "@speaknode/contracts";
import { memberships, spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/me",
  tags: ["users"],
  summary: "Who the caller is: a user with their spaces, or an API key",
  security: bearerSecurity,
  responses: { 200: jsonResponse(Me, "The caller"), 401: errorResponses[401] },
});

export function registerMe(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    if (p.type === "api_key") {
      return c.json({ type: "api_key" as const, id: p.apiKeyId, name: p.name, spaceId: p.spaceId, role: p.role }, 200);
    }
    const rows = await c
      .get("db")
      .select({ id: spaces.id, name: spaces.name, role: memberships.role })
      .from(memberships)
      .innerJoin(spaces, eq(spaces.id, memberships.spaceId))
      .where(eq(memberships.userId, p.userId))
      .orderBy(spaces.createdAt, spaces.id);
    return c.json(
      { type: "user" as const, id: p.userId, email: p.email, emailVerified: p.emailVerified, name: p.name, isPlatformAdmin: p.isPlatformAdmin, spaces: rows },
      200,
    );
  });
}
