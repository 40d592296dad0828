import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateSpaceBody, newId, Space } from "@speaknode/contracts";
import { memberships, spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { toSpace } from "./serialize.ts";
import { requireUser } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces",
  tags: ["spaces"],
  summary: "Create a space; the caller becomes its Owner",
  security: bearerSecurity,
  request: { body: jsonBody(CreateSpaceBody) },
  responses: {
    201: jsonResponse(Space, "The new space"),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

export function registerSpacesCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const user = requireUser(c);
    const { name } = c.req.valid("json");
    const space = await c.get("db").transaction(async (tx) => {
      const [row] = await tx.insert(spaces).values({ id: newId("space"), name }).returning();
      if (!row) throw new Error("space insert returned no row");
      await tx.insert(memberships).values({ spaceId: row.id, userId: user.userId, role: "owner" });
      return row;
    });
    return c.json(toSpace(space, "owner"), 201);
  });
}
