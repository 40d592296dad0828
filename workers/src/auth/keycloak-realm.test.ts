// The Keycloak realm we ship (deploy/keycloak/speaknode-realm.json) and our token verification,
// tested together: tokens are built the way Keycloak builds them from that realm (issuer from the
// realm name, `aud` from the client's audience mapper, `azp` = the client id, realm roles in
// `realm_access`), signed with a key of this test, and checked by the same verifyAccessToken and
// provisionUser the API runs. Nothing about the realm is repeated here as a constant.
import { env } from "cloudflare:workers";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import realmExport from "../../../deploy/keycloak/speaknode-realm.json";
import { readConfig } from "../config.ts";
import { registeredClients } from "../dev-oidc/clients.ts";
import { withDb } from "../../test/helpers.ts";
import { localKeySet, TokenError, verifyAccessToken } from "./jwt.ts";
import type { VerifyOptions } from "./jwt.ts";
import { provisionUser } from "./provision.ts";

interface Mapper {
  protocolMapper: string;
  config: Record<string, string>;
}
interface RealmClient {
  clientId: string;
  publicClient?: boolean;
  standardFlowEnabled?: boolean;
  implicitFlowEnabled?: boolean;
  directAccessGrantsEnabled?: boolean;
  redirectUris?: string[];
  attributes?: Record<string, string>;
  defaultClientScopes?: string[];
  optionalClientScopes?: string[];
  protocolMappers?: Mapper[];
}
interface Realm {
  realm: string;
  roles: { realm: { name: string }[] };
  clients: RealmClient[];
  identityProviders: { alias: string; providerId: string; enabled: boolean; config: Record<string, string> }[];
}

const realm = realmExport as Realm;
const config = readConfig(env as unknown as Record<string, unknown>);
/** Where Keycloak would run; the realm path under it is Keycloak's. */
const keycloakBase = "https://sso.example.test";
const issuer = `${keycloakBase}/realms/${realm.realm}`;

/** Keycloak resolves `${VAR}` placeholders from its environment when it imports a realm. */
const resolve = (value: string, vars: Record<string, string>) => value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => vars[name] ?? `\${${name}}`);

// The dashboard client is the one the Worker's dashboard signs in with (DASHBOARD_OIDC_CLIENT_ID).
const dashboard = realm.clients.find((c) => c.clientId === config.dashboard.oidcClientId);
const audienceMapper = dashboard?.protocolMappers?.find((m) => m.protocolMapper === "oidc-audience-mapper");
const realmRoles = realm.roles.realm.map((r) => r.name);

let keys: JWTVerifyGetKey;
let sign: (claims: JWTPayload) => Promise<string>;

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "kc-test", alg: "RS256", use: "sig" };
  keys = localKeySet({ keys: [publicJwk] });
  // Keycloak's header: RS256, typ JWT, the realm key's kid.
  sign = (claims) => new SignJWT(claims).setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "kc-test" }).sign(pair.privateKey);
});

/** An access token as Keycloak issues it to `clientId` of the realm after a code flow. */
function keycloakAccessToken(o: { clientId: string; audience: string[]; roles: string[]; iss?: string; typ?: string; sub?: string }): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const sub = o.sub ?? crypto.randomUUID();
  const client = realm.clients.find((c) => c.clientId === o.clientId);
  const scopes = ["openid", ...(client?.defaultClientScopes ?? []).filter((s) => s === "profile" || s === "email"), ...(client?.optionalClientScopes ?? [])];
  return {
    exp: now + 300,
    iat: now,
    auth_time: now - 5,
    jti: `onrtac:${crypto.randomUUID()}`,
    iss: o.iss ?? issuer,
    aud: o.audience.length === 1 ? o.audience[0] : o.audience,
    sub,
    typ: o.typ ?? "Bearer",
    azp: o.clientId,
    sid: crypto.randomUUID(),
    acr: "1",
    "allowed-origins": ["https://app.example.test"],
    // Keycloak adds the realm's composite default role (and what it contains) to every user.
    realm_access: { roles: [`default-roles-${realm.realm}`, "offline_access", "uma_authorization", ...o.roles] },
    resource_access: { account: { roles: ["manage-account", "manage-account-links", "view-profile"] } },
    scope: scopes.join(" "),
    email_verified: true,
    name: "Kim Keycloak",
    preferred_username: `${sub.slice(0, 8)}@example.test`,
    given_name: "Kim",
    family_name: "Keycloak",
    email: `${sub.slice(0, 8)}@example.test`,
  };
}

function verifyOptions(): VerifyOptions {
  // What the Worker verifies with, pointed at this realm's issuer and accepting its dashboard client.
  return { ...config.oidc, issuer, authorizedParties: [dashboard?.clientId ?? "missing"] };
}

describe("the Keycloak realm export", () => {
  it("has the dashboard's client: public, standard flow with PKCE S256, no implicit or password grants", () => {
    expect(dashboard).toBeDefined();
    expect(dashboard).toMatchObject({ publicClient: true, standardFlowEnabled: true, implicitFlowEnabled: false, directAccessGrantsEnabled: false });
    expect(dashboard?.attributes?.["pkce.code.challenge.method"]).toBe("S256");
  });

  it("registers the same redirect and sign-out URIs as the Worker's own development issuer", () => {
    const origin = new URL(config.oidc.issuer).origin;
    const [ours] = registeredClients(config);
    const vars = { SPEAKNODE_PUBLIC_URL: origin };
    expect((dashboard?.redirectUris ?? []).map((u) => resolve(u, vars))).toEqual(ours?.redirectUris);
    const postLogout = resolve(dashboard?.attributes?.["post.logout.redirect.uris"] ?? "", vars).split("##");
    expect(postLogout).toEqual(ours?.postLogoutRedirectUris);
  });

  it("puts the subject, email and realm roles in access tokens (the scopes our verification reads)", () => {
    // Keycloak 25+ puts `sub` in the `basic` scope; `email` and `roles` carry the other claims we read.
    // deploy/deploy.test.ts checks the scopes the dashboard asks for against this client.
    for (const s of ["basic", "email", "profile", "roles"]) expect(dashboard?.defaultClientScopes).toContain(s);
  });

  it("adds the Worker's OIDC_AUDIENCE to access tokens only, defines the admin role and a disabled Google provider", () => {
    expect(audienceMapper?.config).toMatchObject({ "included.custom.audience": config.oidc.audience, "access.token.claim": "true", "id.token.claim": "false" });
    expect(realmRoles).toContain(config.oidc.adminRole);
    const google = realm.identityProviders.find((p) => p.providerId === "google");
    expect(google).toMatchObject({ alias: "google", enabled: false });
    expect(google?.config["clientId"]).toMatch(/^\$\{[A-Z_]+\}$/);
  });
});

describe("Keycloak-shaped tokens against our verification", () => {
  const audience = () => [audienceMapper?.config["included.custom.audience"] ?? "", "account"];

  it("accepts the dashboard client's access token and makes a platform Admin from the realm role", async () => {
    const adminRole = realmRoles.find((r) => r === config.oidc.adminRole) ?? "";
    const claims = keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: audience(), roles: [adminRole] });
    const who = await verifyAccessToken(await sign(claims), keys, verifyOptions());
    expect(who).toMatchObject({ issuer, subject: claims.sub, email: claims["email"], emailVerified: true, name: "Kim Keycloak" });
    expect(who.roles).toContain(adminRole);
    const principal = await withDb((db) => provisionUser(db, who, config.oidc.adminRole));
    expect(principal).toMatchObject({ type: "user", isPlatformAdmin: true });
  });

  it("accepts a user without the realm role as an ordinary user, also when a client role has the same name", async () => {
    const claims = keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: audience(), roles: [] });
    claims["resource_access"] = { [dashboard?.clientId ?? ""]: { roles: [config.oidc.adminRole] } };
    const who = await verifyAccessToken(await sign(claims), keys, verifyOptions());
    const principal = await withDb((db) => provisionUser(db, who, config.oidc.adminRole));
    expect(principal).toMatchObject({ type: "user", isPlatformAdmin: false });
  });

  // Each refusal names its reason, so a token refused for another one (a bad signature) fails the test.
  const refusals: [string, RegExp, () => JWTPayload][] = [
    ["another client of the realm (wrong azp)", /client this service does not accept/, () => keycloakAccessToken({ clientId: "account-console", audience: audience(), roles: [config.oidc.adminRole] })],
    [
      "the dashboard's ID token (typ ID, audience = the client)",
      /claim "aud"/,
      () => keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: [dashboard?.clientId ?? ""], roles: [], typ: "ID" }),
    ],
    ["an access-token-shaped token typed ID", /not an access token/, () => keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: audience(), roles: [], typ: "ID" })],
    ["a refresh token (typ Refresh, audience = the issuer)", /claim "aud"/, () => keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: [issuer], roles: [], typ: "Refresh" })],
    ["a token without our audience (a client without the mapper)", /claim "aud"/, () => keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: ["account"], roles: [] })],
    [
      "a token without any audience",
      /claim "aud"/,
      () => {
        const claims = keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: audience(), roles: [] });
        delete claims.aud;
        return claims;
      },
    ],
    ["a token of another realm (wrong issuer)", /claim "iss"/, () => keycloakAccessToken({ clientId: dashboard?.clientId ?? "", audience: audience(), roles: [], iss: `${keycloakBase}/realms/master` })],
  ];

  for (const [what, reason, claims] of refusals) {
    it(`refuses ${what}`, async () => {
      const refused = verifyAccessToken(await sign(claims()), keys, verifyOptions());
      await expect(refused).rejects.toBeInstanceOf(TokenError);
      await expect(refused).rejects.toThrow(reason);
    });
  }

  it("accepts a token of any client of the realm when no authorized parties are configured", async () => {
    const claims = keycloakAccessToken({ clientId: "account-console", audience: audience(), roles: [] });
    const { authorizedParties: _, ...open } = verifyOptions();
    await expect(verifyAccessToken(await sign(claims), keys, open)).resolves.toMatchObject({ subject: claims.sub });
  });
});
