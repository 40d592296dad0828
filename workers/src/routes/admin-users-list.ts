import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { count, desc, eq, lt } from "drizzle-orm";
import { AdminUser, idSchema, text } from "@speaknode/contracts";
import { memberships, users } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { bearerSecurity, errorResponses, iso, isoOrNull, jsonResponse } from "../lib/openapi.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/admin/users",
  tags: ["platform"],
  summary: "Every user of the platform, newest first (platform Admin)",
  security: bearerSecurity,
  request: {
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: idSchema("user").optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ data: z.array(AdminUser), nextCursor: text().nullable() }), "A page of users"),
    ...errorResponses,
  },
});

export function registerAdminUsersList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requirePlatformAdmin(c);
    const { limit, cursor } = c.req.valid("query");
    const rows = await c
      .get("db")
      .select({ user: users, spaceCount: count(memberships.spaceId) })
      .from(users)
      .leftJoin(memberships, eq(memberships.userId, users.id))
      .where(cursor ? lt(users.id, cursor) : undefined)
      .groupBy(users.id)
      .orderBy(desc(users.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return c.json(
      {
        data: page.map(({ user, spaceCount }) => ({
          id: user.id,
          email: user.email,
          name: user.name,
          isPlatformAdmin: user.isPlatformAdmin,
          spaceCount,
          createdAt: iso(user.createdAt),
          lastLoginAt: isoOrNull(user.lastLoginAt),
        })),
        nextCursor: rows.length > limit ? (page.at(-1)?.user.id ?? null) : null,
      },
      200,
    );
  });
}
