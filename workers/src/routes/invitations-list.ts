import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { Invitation, listOf } from "@speaknode/contracts";
import { invitations } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { latestDeliveries } from "../email/outbox.ts";
import { invitationEmailKind } from "./invitations-mail.ts";
import { SpaceParams } from "./params.ts";
import { toInvitation } from "./serialize.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/invitations",
  tags: ["invitations"],
  summary: "Pending invitations of a space (Owner), each with the delivery state of its latest email",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(listOf(Invitation), "Pending invitations, oldest first"), ...errorResponses },
});

export function registerInvitationsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const db = c.get("db");
    const rows = await db
      .select()
      .from(invitations)
      .where(and(eq(invitations.spaceId, spaceId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
      .orderBy(asc(invitations.createdAt), asc(invitations.id));
    const deliveries = await latestDeliveries(db, invitationEmailKind, rows.map((r) => r.id));
    return c.json({ data: rows.map((r) => toInvitation(r, deliveries.get(r.id))) }, 200);
  });
}
