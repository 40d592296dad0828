import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { Invitation, listOf } from "@speaknode/contracts";
import { invitations } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { SpaceParams } from "./params.ts";
import { toInvitation } from "./serialize.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/invitations",
  tags: ["invitations"],
  summary: "Pending invitations of a space (Owner)",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(listOf(Invitation), "Pending invitations, oldest first"), ...errorResponses },
});

export function registerInvitationsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const rows = await c
      .get("db")
      .select()
      .from(invitations)
      .where(and(eq(invitations.spaceId, spaceId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
      .orderBy(asc(invitations.createdAt), asc(invitations.id));
    return c.json({ data: rows.map(toInvitation) }, 200);
  });
}
