import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, problemSpec, noContent } from "../lib/openapi.ts";
import { changeMember } from "./members-ownership.ts";
import { MemberParams } from "./params.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/spaces/{spaceId}/members/{userId}",
  tags: ["members"],
  summary: "Remove a member (Owner), or leave the space (yourself); the last Owner cannot be removed",
  security: bearerSecurity,
  request: { params: MemberParams },
  responses: {
    204: noContent,
    ...errorResponses,
    409: problemSpec("Would leave the space without an Owner"),
  },
});

export function registerMembersRemove(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId, userId } = c.req.valid("param");
    const p = c.get("principal");
    const leavingMyself = p.type === "user" && p.userId === userId;
    await requireSpace(c, spaceId, leavingMyself ? "member" : "owner");
    await c.get("db").transaction((tx) => changeMember(tx, spaceId, userId, { kind: "remove" }));
    return c.body(null, 204);
  });
}
