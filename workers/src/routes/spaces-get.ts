import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { Space } from "@speaknode/contracts";
import { spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { toSpace } from "./serialize.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}",
  tags: ["spaces"],
  summary: "One space",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(Space, "The space"), ...errorResponses },
});

export function registerSpacesGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const access = await requireSpace(c, spaceId);
    const [space] = await c.get("db").select().from(spaces).where(eq(spaces.id, spaceId));
    if (!space) throw notFound("space");
    return c.json(toSpace(space, access.role), 200);
  });
}
