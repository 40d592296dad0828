// Test helpers that run inside workerd: call the Worker's own fetch handler (the full runtime
// path), mint tokens with the dev issuer's key, and build a small world of users and a space.
import { env, exports } from "cloudflare:workers";
import { SignJWT, importJWK } from "jose";
import type { JWK } from "jose";
import { createDatabase, memberships, runtimeCapabilities } from "@speaknode/db";
import { agentBody, toolBody } from "./fixtures.ts";

export const origin = "http://127.0.0.1:8787";

type TestEnv = {
  SECRETS_KEY: string;
  RUNTIME_TOKEN_SECRET: string;
  DATABASE_URL: string;
  DB_LOCAL_PROXY: string;
  OIDC_ISSUER: string;
  DEV_OIDC_PRIVATE_JWK: string;
  FOREIGN_ISSUER: string;
  FOREIGN_PRIVATE_JWK: string;
};
export const testEnv = env as unknown as TestEnv;

export interface CallOptions {
  token?: string | undefined;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { data?: Record<string, unknown>[] };
  text: string;
}

/** The request `call` sends: bearer token and JSON body from the options. */
export function buildRequest(method: string, path: string, opts: CallOptions = {}): Request {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers["authorization"] = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(opts.json);
  }
  return new Request(origin + path, { method, headers, body: body ?? null, redirect: "manual" });
}

/** A response read whole: its text, and its JSON body when it has one. */
export async function readResult(res: Response): Promise<CallResult> {
  const text = await res.text();
  let parsed: CallResult["body"] = {};
  try {
    parsed = text ? (JSON.parse(text) as CallResult["body"]) : {};
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const fetcher = (exports as unknown as { default: { fetch: (r: Request) => Promise<Response> } }).default;
  return readResult(await fetcher.fetch(buildRequest(method, path, opts)));
}

export interface MintOptions {
  sub?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  roles?: string[];
  /** seconds from now; negative for an expired token */
  expiresInS?: number;
  issuer?: string;
  audience?: string;
  privateJwk?: string;
  typ?: string;
}

export async function mintToken(o: MintOptions = {}): Promise<string> {
  const jwk = JSON.parse(o.privateJwk ?? testEnv.DEV_OIDC_PRIVATE_JWK) as JWK;
  const key = await importJWK(jwk, "RS256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    email: o.email ?? `${crypto.randomUUID()}@example.test`,
    email_verified: o.emailVerified ?? true,
    name: o.name ?? "Test User",
    typ: o.typ ?? "Bearer",
    realm_access: { roles: o.roles ?? [] },
  })
    .setProtectedHeader({ alg: "RS256", ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .setIssuer(o.issuer ?? testEnv.OIDC_ISSUER)
    .setAudience(o.audience ?? "speaknode")
    .setSubject(o.sub ?? crypto.randomUUID())
    .setIssuedAt(now - 5)
    .setExpirationTime(now + (o.expiresInS ?? 600))
    .sign(key);
}

export interface TestUser {
  id: string;
  email: string;
  sub: string;
  token: string;
}

export async function newUser(o: Omit<MintOptions, "sub"> = {}): Promise<TestUser> {
  const sub = crypto.randomUUID();
  const email = o.email ?? `${sub.slice(0, 8)}@example.test`;
  const token = await mintToken({ ...o, sub, email });
  const me = await call("GET", "/v1/me", { token });
  if (me.status !== 200) throw new Error(`provisioning failed: ${me.status} ${me.text}`);
  return { id: String(me.body["id"]), email, sub, token };
}

export interface World {
  owner: TestUser;
  member: TestUser;
  outsider: TestUser;
  spaceId: string;
  otherSpaceId: string;
  apiKey: string;
  apiKeyId: string;
  revokedApiKey: string;
  invitationId: string;
  otherInvitationId: string;
  otherApiKeyId: string;
  agentId: string;
  otherAgentId: string;
  toolId: string;
  toolCode: string;
  otherToolId: string;
}

/** The voice runtime of the embedded stack as the tests assume it: offline engines installed
 *  (pocketsphinx hears US English, flite speaks English), no platform keys. Reported afresh by each
 *  world, so it never ages past the 15 minutes readiness trusts a report for. */
export async function reportTestRuntime(): Promise<void> {
  const offline = (kind: string, provider: string, languages: string[] | null) => ({ kind, provider, platformKey: false, available: true, reason: null, languages });
  const report = {
    runtimeId: "workers-tests",
    providers: [offline("llm", "scripted", null), offline("stt", "pocketsphinx", ["en-US"]), offline("tts", "flite", ["en"])],
    voices: {},
  };
  await withDb((db) => db.insert(runtimeCapabilities).values({ runtimeId: report.runtimeId, report, reportedAt: new Date() }).onConflictDoUpdate({ target: runtimeCapabilities.runtimeId, set: { report, reportedAt: new Date() } }));
}

/** An owner and a member of one space, an outsider owning another space, and API keys. */
export async function makeWorld(): Promise<World> {
  await reportTestRuntime();
  const owner = await newUser();
  const member = await newUser();
  const outsider = await newUser();
  const space = await call("POST", "/v1/spaces", { token: owner.token, json: { name: "World space" } });
  const spaceId = String(space.body["id"]);
  const other = await call("POST", "/v1/spaces", { token: outsider.token, json: { name: "Other space" } });
  const otherSpaceId = String(other.body["id"]);
  await withDb((db) => db.insert(memberships).values({ spaceId, userId: member.id, role: "member" }));
  const key = await call("POST", `/v1/spaces/${spaceId}/api-keys`, { token: owner.token, json: { name: "ci" } });
  const revoked = await call("POST", `/v1/spaces/${spaceId}/api-keys`, { token: owner.token, json: { name: "old" } });
  await call("DELETE", `/v1/api-keys/${String(revoked.body["id"])}`, { token: owner.token });
  const invitation = await call("POST", `/v1/spaces/${spaceId}/invitations`, { token: owner.token, json: { email: `${crypto.randomUUID()}@example.test` } });
  const otherInvitation = await call("POST", `/v1/spaces/${otherSpaceId}/invitations`, { token: outsider.token, json: { email: `${crypto.randomUUID()}@example.test` } });
  const otherKey = await call("POST", `/v1/spaces/${otherSpaceId}/api-keys`, { token: outsider.token, json: { name: "theirs" } });
  const agent = await call("POST", `/v1/spaces/${spaceId}/agents`, { token: owner.token, json: agentBody() });
  const otherAgent = await call("POST", `/v1/spaces/${otherSpaceId}/agents`, { token: outsider.token, json: agentBody() });
  const tool = await call("POST", `/v1/spaces/${spaceId}/tools`, { token: owner.token, json: toolBody() });
  const otherTool = await call("POST", `/v1/spaces/${otherSpaceId}/tools`, { token: outsider.token, json: toolBody() });
  for (const res of [space, other, key, revoked, invitation, otherInvitation, otherKey, agent, otherAgent, tool, otherTool]) {
    if (res.status !== 201) throw new Error(`world setup failed: ${res.status} ${res.text}`);
  }
  return {
    owner,
    member,
    outsider,
    spaceId,
    otherSpaceId,
    apiKey: String(key.body["key"]),
    apiKeyId: String(key.body["id"]),
    revokedApiKey: String(revoked.body["key"]),
    invitationId: String(invitation.body["id"]),
    otherInvitationId: String(otherInvitation.body["id"]),
    otherApiKeyId: String(otherKey.body["id"]),
    agentId: String(agent.body["id"]),
    otherAgentId: String(otherAgent.body["id"]),
    toolId: String(tool.body["id"]),
    toolCode: String(tool.body["code"]),
    otherToolId: String(otherTool.body["id"]),
  };
}

/** Runs `fn` with a database handle for direct checks of what was (not) written. */
export async function withDb<T>(fn: (db: ReturnType<typeof createDatabase>["db"]) => Promise<T>): Promise<T> {
  const handle = createDatabase({ url: testEnv.DATABASE_URL, localProxy: testEnv.DB_LOCAL_PROXY, max: 1 });
  try {
    return await fn(handle.db);
  } finally {
    await handle.close();
  }
}

export function expectProblem(res: CallResult, status: number, code: string): void {
  if (res.status !== status || res.body["code"] !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status}: ${res.text}`);
  }
  if (!res.headers.get("content-type")?.startsWith("application/problem+json")) {
    throw new Error(`expected problem+json, got ${res.headers.get("content-type")}`);
  }
  if (typeof res.body["requestId"] !== "string") throw new Error("problem lacks requestId");
}
