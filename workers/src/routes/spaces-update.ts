import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { Space, UpdateSpaceBody } from "@speaknode/contracts";
import { spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { toSpace } from "./serialize.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/spaces/{spaceId}",
  tags: ["spaces"],
  summary: "Rename a space (Owner)",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(UpdateSpaceBody) },
  responses: { 200: jsonResponse(Space, "The renamed space"), ...errorResponses },
});

export function registerSpacesUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { name } = c.req.valid("json");
    const access = await requireSpace(c, spaceId, "owner");
    const [space] = await c.get("db").update(spaces).set({ name, updatedAt: new Date() }).where(eq(spaces.id, spaceId)).returning();
    if (!space) throw notFound("space");
    return c.json(toSpace(space, access.role), 200);
  });
}
