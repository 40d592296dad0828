// The one rule both member operations share: a space always keeps at least one Owner. The
// space's membership rows are locked for the transaction so two demotions cannot race past it.
import { eq, sql } from "drizzle-orm";
import { memberships, type Database } from "@speaknode/db";
import type { SpaceRole } from "@speaknode/contracts";
import { ApiError, notFound } from "../errors.ts";

type Tx = Parameters<Parameters<Database["transaction"]>[0]>[0];

export type MemberChange = { kind: "set_role"; role: SpaceRole } | { kind: "remove" };

export async function changeMember(tx: Tx, spaceId: string, userId: string, change: MemberChange): Promise<{ role: SpaceRole; joinedAt: Date } | null> {
  const rows = await tx
    .select({ userId: memberships.userId, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .where(eq(memberships.spaceId, spaceId))
    .for("update");
  const target = rows.find((r) => r.userId === userId);
  if (!target) throw notFound("member");
  const owners = rows.filter((r) => r.role === "owner").length;
  const losesOwner = target.role === "owner" && (change.kind === "remove" || change.role !== "owner");
  if (losesOwner && owners <= 1) {
    throw new ApiError("conflict", "a space must keep at least one Owner: make someone else Owner first");
  }
  if (change.kind === "remove") {
    await tx.delete(memberships).where(sql`${memberships.spaceId} = ${spaceId} and ${memberships.userId} = ${userId}`);
    return null;
  }
  await tx.update(memberships).set({ role: change.role }).where(sql`${memberships.spaceId} = ${spaceId} and ${memberships.userId} = ${userId}`);
  return { role: change.role, joinedAt: target.createdAt };
}
