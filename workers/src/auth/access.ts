// Role checks. A caller who is not in a space gets 404 for everything in it, never 403, so ids of
// other spaces reveal nothing; a member lacking the role gets 403. A resource found by id goes
// through `requireInSpace`, which answers "<resource> not found" both when no row has the id and
// when the row's space is not the caller's: the two 404s are the same text, so a probe cannot tell
// a foreign id from a made-up one.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { memberships } from "@speaknode/db";
import type { SpaceRole } from "@speaknode/contracts";
import type { AppEnv, UserPrincipal } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";

export interface SpaceAccess {
  spaceId: string;
  role: SpaceRole;
}

/** The caller's role in a space; 404 "<resource> not found" (the space by default) outside it. */
export async function requireSpace(c: Context<AppEnv>, spaceId: string, need: SpaceRole = "member", resource = "space"): Promise<SpaceAccess> {
  const principal = c.get("principal");
  let role: SpaceRole | undefined;
  if (principal.type === "api_key") {
    role = principal.spaceId === spaceId ? principal.role : undefined;
  } else {
    const [row] = await c
      .get("db")
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.spaceId, spaceId), eq(memberships.userId, principal.userId)))
      .limit(1);
    role = row?.role;
  }
  if (!role) throw notFound(resource);
  if (need === "owner" && role !== "owner") throw new ApiError("forbidden", "this needs the Owner role in the space");
  return { spaceId, role };
}

/** A row loaded by id, visible to the members (or Owners) of its space: a missing row and a row of
 *  another space give the very same 404. */
export async function requireInSpace<T extends { spaceId: string }>(c: Context<AppEnv>, resource: string, row: T | undefined, need: SpaceRole = "member"): Promise<{ row: T; access: SpaceAccess }> {
  if (!row) throw notFound(resource);
  return { row, access: await requireSpace(c, row.spaceId, need, resource) };
}

export function requireUser(c: Context<AppEnv>): UserPrincipal {
  const principal = c.get("principal");
  if (principal.type !== "user") throw new ApiError("forbidden", "this needs a signed-in user, not an API key");
  return principal;
}

export function requirePlatformAdmin(c: Context<AppEnv>): UserPrincipal {
  const user = requireUser(c);
  if (!user.isPlatformAdmin) throw new ApiError("forbidden", "this needs the platform Admin role");
  return user;
}
