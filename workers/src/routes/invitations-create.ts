import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateInvitationBody, Invitation, newId } from "@speaknode/contracts";
import { invitations, memberships, users } from "@speaknode/db";
import { and, eq, sql } from "drizzle-orm";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { invitationExpiry, mailInvitation, newInvitationToken } from "./invitations-mail.ts";
import { SpaceParams } from "./params.ts";
import { toInvitation } from "./serialize.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/invitations",
  tags: ["invitations"],
  summary: "Invite someone by email (Owner); sends a single-use, expiring activation link",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateInvitationBody) },
  responses: {
    201: jsonResponse(Invitation, "The pending invitation"),
    ...errorResponses,
    409: problemSpec("Already a member, or an open invitation exists for this address"),
  },
});

export function registerInvitationsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { email, role } = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    const db = c.get("db");
    const p = c.get("principal");
    const [member] = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.spaceId, spaceId), sql`lower(${users.email}) = ${email}`))
      .limit(1);
    if (member) throw new ApiError("conflict", "this address already belongs to a member of the space");
    const { token, tokenHash } = await newInvitationToken();
    const [row] = await db
      .insert(invitations)
      .values({ id: newId("invitation"), spaceId, email, role, tokenHash, invitedBy: p.type === "user" ? p.userId : null, expiresAt: invitationExpiry(c) })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new ApiError("conflict", "an open invitation for this address exists: resend or revoke it");
    const delivery = await mailInvitation(c, row, token);
    return c.json(toInvitation(row, delivery), 201);
  });
}
