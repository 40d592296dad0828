import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { Member, UpdateMemberBody } from "@speaknode/contracts";
import { users } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, problemSpec, iso, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { changeMember } from "./members-ownership.ts";
import { MemberParams } from "./params.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/spaces/{spaceId}/members/{userId}",
  tags: ["members"],
  summary: "Change a member's role (Owner); the last Owner cannot be demoted",
  security: bearerSecurity,
  request: { params: MemberParams, body: jsonBody(UpdateMemberBody) },
  responses: {
    200: jsonResponse(Member, "The member with the new role"),
    ...errorResponses,
    409: problemSpec("Would leave the space without an Owner"),
  },
});

export function registerMembersUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, userId } = c.req.valid("param");
    const { role } = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    const db = c.get("db");
    const changed = await db.transaction((tx) => changeMember(tx, spaceId, userId, { kind: "set_role", role }));
    const [user] = await db.select().from(users).where(eq(users.id, userId));
    if (!user || !changed) throw notFound("member");
    return c.json({ userId: user.id, email: user.email, name: user.name, role: changed.role, joinedAt: iso(changed.joinedAt) }, 200);
  });
}
