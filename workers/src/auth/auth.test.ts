import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "@speaknode/db";
import { call, expectProblem, mintToken, newUser, testEnv, withDb } from "../../test/helpers.ts";
import { remoteKeySet, verifyAccessToken } from "./jwt.ts";

describe("OIDC user provisioning", () => {
  it("provisions a user on the first valid login and refreshes profile claims later", async () => {
    const sub = crypto.randomUUID();
    const first = await call("GET", "/v1/me", { token: await mintToken({ sub, email: `P-${sub.slice(0, 6)}@Example.test`, name: "First" }) });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ type: "user", email: `p-${sub.slice(0, 6)}@example.test`, name: "First", isPlatformAdmin: false, spaces: [] });
    expect(String(first.body["id"])).toMatch(/^usr_/);
    const second = await call("GET", "/v1/me", { token: await mintToken({ sub, email: `p-${sub.slice(0, 6)}@example.test`, name: "Second" }) });
    expect(second.body["id"]).toBe(first.body["id"]);
    expect(second.body["name"]).toBe("Second");
    const rows = await withDb((db) => db.select().from(users).where(eq(users.oidcSubject, sub)));
    expect(rows).toHaveLength(1);
  });

  it("provisions exactly one user when the first requests race", async () => {
    const sub = crypto.randomUUID();
    const token = await mintToken({ sub });
    const results = await Promise.all(Array.from({ length: 5 }, () => call("GET", "/v1/me", { token })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => r.body["id"])).size).toBe(1);
  });

  it("makes a platform Admin from the configured realm role, and lists users for them only", async () => {
    const admin = await newUser({ roles: ["platform-admin"] });
    const me = await call("GET", "/v1/me", { token: admin.token });
    expect(me.body["isPlatformAdmin"]).toBe(true);
    const page = await call("GET", "/v1/admin/users?limit=2", { token: admin.token });
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    const next = await call("GET", `/v1/admin/users?limit=2&cursor=${String(page.body["nextCursor"])}`, { token: admin.token });
    expect(next.body.data?.[0]?.["id"]).not.toBe(page.body.data?.[1]?.["id"]);
    expectProblem(await call("GET", "/v1/admin/users?limit=0", { token: admin.token }), 400, "validation_failed");
    // Losing the role at the issuer removes the Admin rights at the next login.
    const demoted = await mintToken({ sub: admin.sub, email: admin.email, roles: [] });
    expectProblem(await call("GET", "/v1/admin/users", { token: demoted }), 403, "forbidden");
  });
});

describe("remote issuer verification", () => {
  it("discovers the JWKS of a Keycloak-style issuer and verifies its tokens with the same checks", async () => {
    const issuer = testEnv.FOREIGN_ISSUER;
    const token = await mintToken({ issuer, privateJwk: testEnv.FOREIGN_PRIVATE_JWK, email: "kc@example.test", roles: ["platform-admin"] });
    const keys = await remoteKeySet(issuer);
    const who = await verifyAccessToken(token, keys, { issuer, audience: "speaknode", clockToleranceS: 30 });
    expect(who).toMatchObject({ issuer, email: "kc@example.test", emailVerified: true, roles: ["platform-admin"] });
    const expired = await mintToken({ issuer, privateJwk: testEnv.FOREIGN_PRIVATE_JWK, expiresInS: -120 });
    await expect(verifyAccessToken(expired, keys, { issuer, audience: "speaknode", clockToleranceS: 30 })).rejects.toMatchObject({ expired: true });
  });

  it("tolerates clock skew within the configured tolerance", async () => {
    const token = await mintToken({ expiresInS: -10 });
    expect((await call("GET", "/v1/me", { token })).status).toBe(200);
  });
});
