// Role checks. A caller who is not in a space gets 404 for everything in it, never 403, so ids of
// other spaces reveal nothing; a member lacking the role gets 403.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { memberships } from "@speaknode/db";
import type { SpaceRole } from "@speaknode/contracts";
import type { AppEnv, UserPrincipal } from "../context.ts";
import { ApiError } from "../errors.ts";

export interface SpaceAccess {
  spaceId: string;
  role: SpaceRole;
}

export async function requireSpace(c: Context<AppEnv>, spaceId: string, need: SpaceRole = "member"): Promise<SpaceAccess> {
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
  if (!role) throw new ApiError("not_found", "space not found");
  if (need === "owner" && role !== "owner") throw new ApiError("forbidden", "this needs the Owner role in the space");
  return { spaceId, role };
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
