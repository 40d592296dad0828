import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNull, sql } from "drizzle-orm";
import { Invitation } from "@speaknode/contracts";
import { invitations } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { invitationExpiry, mailInvitation, newInvitationToken } from "./invitations-mail.ts";
import { loadInvitationAsOwner } from "./invitations-load.ts";
import { InvitationParams } from "./params.ts";
import { toInvitation } from "./serialize.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/invitations/{invitationId}/resend",
  tags: ["invitations"],
  summary: "Send the invitation again with a new link and expiry (Owner); the previous link stops working",
  security: bearerSecurity,
  request: { params: InvitationParams },
  responses: { 200: jsonResponse(Invitation, "The renewed invitation"), ...errorResponses, 410: problemSpec("Accepted or revoked") },
});

export function registerInvitationsResend(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { invitationId } = c.req.valid("param");
    await loadInvitationAsOwner(c, invitationId);
    const { token, tokenHash } = await newInvitationToken();
    const [row] = await c
      .get("db")
      .update(invitations)
      .set({ tokenHash, expiresAt: invitationExpiry(c), lastSentAt: new Date(), sendCount: sql`${invitations.sendCount} + 1` })
      .where(and(eq(invitations.id, invitationId), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
      .returning();
    if (!row) throw new ApiError("gone", "the invitation was accepted or revoked");
    const delivery = await mailInvitation(c, row, token);
    return c.json(toInvitation(row, delivery), 200);
  });
}
