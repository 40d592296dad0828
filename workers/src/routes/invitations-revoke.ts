import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNull } from "drizzle-orm";
import { invitations } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { cancelPending } from "../email/outbox.ts";
import { invitationEmailKind } from "./invitations-mail.ts";
import { loadInvitationAsOwner } from "./invitations-load.ts";
import { InvitationParams } from "./params.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/invitations/{invitationId}",
  tags: ["invitations"],
  summary: "Revoke an invitation (Owner); its link stops working",
  security: bearerSecurity,
  request: { params: InvitationParams },
  responses: { 204: noContent, ...errorResponses, 409: problemSpec("The invitation was already accepted") },
});

export function registerInvitationsRevoke(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { invitationId } = c.req.valid("param");
    const row = await loadInvitationAsOwner(c, invitationId);
    if (row.acceptedAt) throw new ApiError("conflict", "the invitation was already accepted: remove the member instead");
    const db = c.get("db");
    await db
      .update(invitations)
      .set({ revokedAt: new Date() })
      .where(and(eq(invitations.id, invitationId), isNull(invitations.revokedAt), isNull(invitations.acceptedAt)));
    // An email still waiting would deliver a link that no longer works.
    await cancelPending(db, invitationEmailKind, invitationId, "invitation revoked");
    return c.body(null, 204);
  });
}
