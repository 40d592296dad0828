import type { Context } from "hono";
import { eq } from "drizzle-orm";
import { invitations } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";

/** An invitation by id, visible only to Owners of its space (404 for everyone else). */
export async function loadInvitationAsOwner(c: Context<AppEnv>, invitationId: string): Promise<typeof invitations.$inferSelect> {
  const [row] = await c.get("db").select().from(invitations).where(eq(invitations.id, invitationId));
  return (await requireInSpace(c, "invitation", row, "owner")).row;
}
