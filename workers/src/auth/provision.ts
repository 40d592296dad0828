// First valid login provisions the user; later logins refresh profile claims and admin status.
import { and, eq } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { users, type Database } from "@speaknode/db";
import type { UserPrincipal } from "../context.ts";
import type { VerifiedIdentity } from "./jwt.ts";

const loginRefreshMs = 5 * 60_000;

export async function provisionUser(db: Database, who: VerifiedIdentity, adminRole: string): Promise<UserPrincipal> {
  const isPlatformAdmin = who.roles.includes(adminRole);
  const [existing] = await db
    .select()
    .from(users)
    .where(and(eq(users.oidcIssuer, who.issuer), eq(users.oidcSubject, who.subject)))
    .limit(1);
  const now = new Date();
  if (existing) {
    const changed =
      existing.email !== who.email ||
      existing.emailVerified !== who.emailVerified ||
      existing.name !== who.name ||
      existing.isPlatformAdmin !== isPlatformAdmin;
    const stale = !existing.lastLoginAt || now.getTime() - existing.lastLoginAt.getTime() > loginRefreshMs;
    if (changed || stale) {
      await db
        .update(users)
        .set({ email: who.email, emailVerified: who.emailVerified, name: who.name, isPlatformAdmin, updatedAt: changed ? now : existing.updatedAt, lastLoginAt: now })
        .where(eq(users.id, existing.id));
    }
    return { type: "user", userId: existing.id, email: who.email, emailVerified: who.emailVerified, name: who.name, isPlatformAdmin };
  }
  const [row] = await db
    .insert(users)
    .values({
      id: newId("user"),
      oidcIssuer: who.issuer,
      oidcSubject: who.subject,
      email: who.email,
      emailVerified: who.emailVerified,
      name: who.name,
      isPlatformAdmin,
      lastLoginAt: now,
    })
    // Two first requests of one user racing: the loser takes the winner's row.
    .onConflictDoUpdate({ target: [users.oidcIssuer, users.oidcSubject], set: { lastLoginAt: now } })
    .returning({ id: users.id });
  if (!row) throw new Error("user provisioning returned no row");
  return { type: "user", userId: row.id, email: who.email, emailVerified: who.emailVerified, name: who.name, isPlatformAdmin };
}
