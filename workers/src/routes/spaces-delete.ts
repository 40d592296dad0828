import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/spaces/{spaceId}",
  tags: ["spaces"],
  summary: "Delete a space with everything in it (Owner)",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 204: noContent, ...errorResponses },
});

export function registerSpacesDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    await c.get("db").delete(spaces).where(eq(spaces.id, spaceId));
    return c.body(null, 204);
  });
}
