import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { AcceptedInvitation, AcceptInvitationBody } from "@speaknode/contracts";
import { invitations, memberships } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireUser } from "../auth/access.ts";
import { sha256Hex } from "../auth/api-keys.ts";
import { ApiError, notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { invitationStatus } from "./serialize.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/invitations/accept",
  tags: ["invitations"],
  summary: "Accept an invitation with the token from its email; the signed-in user's verified email must match",
  security: bearerSecurity,
  request: { body: jsonBody(AcceptInvitationBody) },
  responses: {
    200: jsonResponse(AcceptedInvitation, "The caller is now a member"),
    ...errorResponses,
    410: problemSpec("Already used, revoked or expired"),
  },
});

export function registerInvitationsAccept(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const user = requireUser(c);
    const { token } = c.req.valid("json");
    const tokenHash = await sha256Hex(token);
    const result = await c.get("db").transaction(async (tx) => {
      const [invite] = await tx.select().from(invitations).where(eq(invitations.tokenHash, tokenHash)).for("update");
      if (!invite) throw notFound("invitation");
      const status = invitationStatus(invite);
      if (status !== "pending") throw new ApiError("gone", `the invitation was ${status === "accepted" ? "already used" : status}`);
      if (!user.emailVerified) throw new ApiError("forbidden", "verify your email address before accepting invitations");
      if (user.email.toLowerCase() !== invite.email.toLowerCase()) {
        throw new ApiError("forbidden", "the invitation was sent to another email address");
      }
      const [claimed] = await tx
        .update(invitations)
        .set({ acceptedAt: new Date(), acceptedBy: user.userId })
        .where(and(eq(invitations.id, invite.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, new Date())))
        .returning({ id: invitations.id });
      if (!claimed) throw new ApiError("gone", "the invitation is no longer open");
      // Someone already in the space keeps their role unless the invitation makes them Owner.
      const [membership] = await tx
        .insert(memberships)
        .values({ spaceId: invite.spaceId, userId: user.userId, role: invite.role })
        .onConflictDoUpdate({
          target: [memberships.spaceId, memberships.userId],
          set: { role: sql`case when excluded.role = 'owner' then excluded.role else ${memberships.role} end` },
        })
        .returning({ role: memberships.role });
      return { spaceId: invite.spaceId, role: membership?.role ?? invite.role };
    });
    return c.json(result, 200);
  });
}
