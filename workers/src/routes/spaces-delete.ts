import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { spaces } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, noContent } from "../lib/openapi.ts";
import { retryTransient } from "../lib/db-error.ts";
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
    // The cascade locks every row of the space, while events fanned out to its webhooks insert rows
    // that lock theirs in another order: Postgres breaks such a deadlock by rolling one side back.
    const db = c.get("db");
    await retryTransient(() => db.delete(spaces).where(eq(spaces.id, spaceId)));
    return c.body(null, 204);
  });
}
