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
  summary: "Rename a space or change its concurrent-call limit (Owner)",
  description: "maxConcurrentCalls caps the space's live phone calls over all its numbers and campaigns (1 to 1000); calls past it are refused with 429 rate_limited (inbound calls get busy).",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(UpdateSpaceBody) },
  responses: { 200: jsonResponse(Space, "The updated space"), ...errorResponses },
});

export function registerSpacesUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { name, maxConcurrentCalls } = c.req.valid("json");
    const access = await requireSpace(c, spaceId, "owner");
    const changes = { ...(name !== undefined ? { name } : {}), ...(maxConcurrentCalls !== undefined ? { maxConcurrentCalls } : {}) };
    const [space] = await c.get("db").update(spaces).set({ ...changes, updatedAt: new Date() }).where(eq(spaces.id, spaceId)).returning();
    if (!space) throw notFound("space");
    return c.json(toSpace(space, access.role), 200);
  });
}
