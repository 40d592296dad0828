// provisionUser's isolate memory: a user whose verified claims are unchanged is known without a
// database read until the login refresh is due; changed claims and the refresh still write.
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { users, type Database } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import type { VerifiedIdentity } from "./jwt.ts";
import { forgetProvisionedUsers, provisionUser } from "./provision.ts";

/** A database any use of which fails the test: the path under test must not touch it. */
const untouchable = new Proxy({} as Database, {
  get(_, prop) {
    throw new Error(`the database was used (${String(prop)})`);
  },
});

function identity(overrides: Partial<VerifiedIdentity> = {}): VerifiedIdentity {
  return { issuer: "https://issuer.test/realms/speaknode", subject: crypto.randomUUID(), email: "known@example.test", emailVerified: true, name: "Known", roles: [], ...overrides };
}

const rowOf = (subject: string) => withDb(async (db) => (await db.select().from(users).where(eq(users.oidcSubject, subject)))[0]);

afterEach(() => {
  vi.useRealTimers();
  forgetProvisionedUsers();
});

describe("provisionUser's memory of the users it has seen", () => {
  it("answers a repeat request with unchanged claims without the database", async () => {
    const who = identity();
    const first = await withDb((db) => provisionUser(db, who, "platform-admin"));
    const again = await provisionUser(untouchable, who, "platform-admin");
    expect(again).toEqual(first);
    // Another isolate (an empty memory) reads the same row.
    forgetProvisionedUsers();
    expect(await withDb((db) => provisionUser(db, who, "platform-admin"))).toEqual(first);
  });

  it("writes changed claims, and an admin role gained or lost, at once", async () => {
    const who = identity();
    await withDb((db) => provisionUser(db, who, "platform-admin"));
    for (const changed of [{ name: "Renamed" }, { email: "moved@example.test" }, { roles: ["platform-admin"] }]) {
      await expect(provisionUser(untouchable, { ...who, ...changed }, "platform-admin")).rejects.toThrow(/the database was used/);
    }
    const promoted = await withDb((db) => provisionUser(db, { ...who, name: "Renamed", roles: ["platform-admin"] }, "platform-admin"));
    expect(promoted).toMatchObject({ name: "Renamed", isPlatformAdmin: true });
    expect(await rowOf(who.subject)).toMatchObject({ name: "Renamed", isPlatformAdmin: true });
  });

  it("still refreshes the login time once the refresh interval has passed", async () => {
    const who = identity();
    await withDb((db) => provisionUser(db, who, "platform-admin"));
    const written = (await rowOf(who.subject))?.lastLoginAt?.getTime() ?? 0;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(written + 4 * 60_000);
    await provisionUser(untouchable, who, "platform-admin");
    vi.setSystemTime(written + 6 * 60_000);
    await expect(provisionUser(untouchable, who, "platform-admin")).rejects.toThrow(/the database was used/);
    await withDb((db) => provisionUser(db, who, "platform-admin"));
    expect((await rowOf(who.subject))?.lastLoginAt?.getTime()).toBe(written + 6 * 60_000);
  });
});
