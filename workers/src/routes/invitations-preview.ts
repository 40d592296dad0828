// Reads an invitation by its link's token before accepting it, so the accept page can say which
// space invited you, as what and who sent it. The token travels in the body (never in a URL that
// logs keep); any signed-in user holding it may read it, as they could accept it.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { AcceptInvitationBody, InvitationPreview } from "@speaknode/contracts";
import { invitations, spaces, users } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireUser } from "../auth/access.ts";
import { sha256Hex } from "../auth/api-keys.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { invitationStatus } from "./serialize.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/invitations/preview",
  tags: ["invitations"],
  summary: "Read an invitation with the token from its email, before accepting: the space's name, the role, the inviter, and whether it is still open",
  security: bearerSecurity,
  request: { body: jsonBody(AcceptInvitationBody) },
  responses: { 200: jsonResponse(InvitationPreview, "The invitation the token opens"), ...errorResponses },
});

export function registerInvitationsPreview(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireUser(c);
    const { token } = c.req.valid("json");
    const [row] = await c
      .get("db")
      .select({ invite: invitations, spaceName: spaces.name, inviterName: users.name, inviterEmail: users.email })
      .from(invitations)
      .innerJoin(spaces, eq(spaces.id, invitations.spaceId))
      .leftJoin(users, eq(users.id, invitations.invitedBy))
      .where(eq(invitations.tokenHash, await sha256Hex(token)));
    if (!row) throw notFound("invitation");
    const { invite } = row;
    const preview: InvitationPreview = {
      spaceId: invite.spaceId,
      spaceName: row.spaceName,
      role: invite.role,
      invitedByName: row.inviterName ?? row.inviterEmail ?? null,
      email: invite.email,
      status: invitationStatus(invite),
      expiresAt: invite.expiresAt.toISOString(),
    };
    return c.json(preview, 200);
  });
}
