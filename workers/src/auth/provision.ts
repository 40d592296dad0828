// First valid login provisions the user; later logins refresh profile claims and admin status.
import { and, eq } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { users, type Database } from "@speaknode/db";
import type { UserPrincipal } from "../context.ts";
import type { VerifiedIdentity } from "./jwt.ts";

const loginRefreshMs = 5 * 60_000;

/**
 * Users this isolate has provisioned or read: (issuer, subject) → their id, the claims the row
 * holds and when its login time was last written. A user row is never deleted and its (issuer,
 * subject) never changes, so a request whose verified claims match, within the login refresh
 * interval, needs no database read: one round trip less on every request a user makes. Changed
 * claims and the refresh still write as before. Access itself is never cached: memberships and
 * roles are read by each route.
 */
const seen = new Map<string, { userId: string; claims: string; loginWrittenAt: number }>();
const seenMax = 10_000;

function remember(key: string, entry: { userId: string; claims: string; loginWrittenAt: number }): void {
  seen.delete(key);
  // Oldest first: a Map iterates in insertion order, and a hit is re-inserted.
  if (seen.size >= seenMax) seen.delete(seen.keys().next().value as string);
  seen.set(key, entry);
}

/** Forgets what the isolate knows of its users (tests that rewrite user rows directly). */
export function forgetProvisionedUsers(): void {
  seen.clear();
}

export async function provisionUser(db: Database, who: VerifiedIdentity, adminRole: string): Promise<UserPrincipal> {
  const isPlatformAdmin = who.roles.includes(adminRole);
  const key = `${who.issuer}\u0000${who.subject}`;
  const claims = JSON.stringify([who.email, who.emailVerified, who.name, isPlatformAdmin]);
  const principal = (userId: string): UserPrincipal => ({ type: "user", userId, email: who.email, emailVerified: who.emailVerified, name: who.name, isPlatformAdmin });
  const known = seen.get(key);
  if (known && known.claims === claims && Date.now() - known.loginWrittenAt <= loginRefreshMs) {
    remember(key, known);
    return principal(known.userId);
  }
  const found = await provisionFromDatabase(db, who, isPlatformAdmin);
  remember(key, { userId: found.userId, claims, loginWrittenAt: found.loginWrittenAt.getTime() });
  return principal(found.userId);
}

async function provisionFromDatabase(db: Database, who: VerifiedIdentity, isPlatformAdmin: boolean): Promise<{ userId: string; loginWrittenAt: Date }> {
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
      return { userId: existing.id, loginWrittenAt: now };
    }
    return { userId: existing.id, loginWrittenAt: existing.lastLoginAt ?? now };
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
  return { userId: row.id, loginWrittenAt: now };
}
