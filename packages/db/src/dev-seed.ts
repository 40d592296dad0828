// Identities of the built-in development OIDC issuer and the demo data `npm run dev` seeds.
// Development only: the issuer that knows these users is enabled by configuration alone.
import { and, eq } from "drizzle-orm";
import type { Database } from "./client.ts";
import { memberships, spaces, users } from "./schema.ts";

export interface DevIdentity {
  sub: string;
  email: string;
  name: string;
  roles: string[];
}

/** Every dev identity signs in with this password through the password grant. */
export const devPassword = "speaknode";

export const devIdentities: DevIdentity[] = [
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a01", email: "owner@speaknode.local", name: "Olivia Owner", roles: [] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a02", email: "member@speaknode.local", name: "Milo Member", roles: [] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a03", email: "admin@speaknode.local", name: "Ada Admin", roles: ["platform-admin"] },
  { sub: "0b8a4a7e-5d0c-4c36-9a57-6f2a1e1d0a04", email: "guest@speaknode.local", name: "Gus Guest", roles: [] },
];

export const demoSpaceId = "spc_000000000000000000000000d1";

/** Ensures the demo space with its Owner and Member exists; safe to run on every start. */
export async function seedDemo(db: Database, issuer: string, newUserId: () => string): Promise<{ spaceId: string }> {
  const ids = new Map<string, string>();
  for (const who of devIdentities.slice(0, 3)) {
    const [row] = await db
      .insert(users)
      .values({
        id: newUserId(),
        oidcIssuer: issuer,
        oidcSubject: who.sub,
        email: who.email,
        emailVerified: true,
        name: who.name,
        isPlatformAdmin: who.roles.includes("platform-admin"),
      })
      .onConflictDoUpdate({ target: [users.oidcIssuer, users.oidcSubject], set: { email: who.email } })
      .returning({ id: users.id });
    if (row) ids.set(who.email, row.id);
  }
  await db.insert(spaces).values({ id: demoSpaceId, name: "Demo space" }).onConflictDoNothing();
  const roles: [string, "owner" | "member"][] = [
    ["owner@speaknode.local", "owner"],
    ["member@speaknode.local", "member"],
  ];
  for (const [email, role] of roles) {
    const userId = ids.get(email);
    if (!userId) continue;
    const existing = await db
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.spaceId, demoSpaceId), eq(memberships.userId, userId)));
    if (existing.length === 0) await db.insert(memberships).values({ spaceId: demoSpaceId, userId, role });
  }
  return { spaceId: demoSpaceId };
}
