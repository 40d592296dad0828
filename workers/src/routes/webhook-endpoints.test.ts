// Webhook endpoints through the API: Owners create, change, rotate and delete; every member reads.
// The signing secret is answered by create and rotate only; custom headers are write-only and
// bound to the URL's origin; URLs inside the network are refused when saved, with the reason.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { webhookEndpoints } from "@speaknode/db";
import { call, expectProblem, makeWorld, testEnv, withDb, type World } from "../../test/helpers.ts";
import { securitySuite, type RouteCase } from "../../test/security-suite.ts";
import { openHeaders, openSecret } from "../webhooks/secrets.ts";

const base = (spaceId: string) => `/v1/spaces/${spaceId}/webhooks/endpoints`;
const create = (w: World, json: Record<string, unknown> = {}, token = w.owner.token) => call("POST", base(w.spaceId), { token, json: { url: "https://hooks.example.com/speaknode", ...json } });
const rowOf = async (id: string) => {
  const [row] = await withDb((db) => db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)));
  if (!row) throw new Error("no endpoint row");
  return row;
};

describe("webhook endpoints", () => {
  it("creates an endpoint whose secret is answered once, then shows every member only a hint", async () => {
    const w = await makeWorld();
    const created = await create(w, { description: "CRM", eventTypes: ["session.completed"] });
    expect(created.status).toBe(201);
    const secret = String(created.body["secret"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.body).toMatchObject({ spaceId: w.spaceId, url: "https://hooks.example.com/speaknode", description: "CRM", eventTypes: ["session.completed"], enabled: true, disabledReason: null, headerNames: [], secretHint: `…${secret.slice(-4)}`, previousSecretExpiresAt: null });
    const id = String(created.body["id"]);
    for (const token of [w.owner.token, w.member.token, w.apiKey]) {
      const got = await call("GET", `${base(w.spaceId)}/${id}`, { token });
      expect(got.status).toBe(200);
      expect(got.body["secretHint"]).toBe(`…${secret.slice(-4)}`);
      expect(got.body).not.toHaveProperty("secret");
      expect(got.text).not.toContain(secret);
      const listed = await call("GET", base(w.spaceId), { token });
      expect(listed.body.data?.map((e) => e["id"])).toEqual([id]);
      expect(listed.text).not.toContain(secret);
    }
    // At rest: ciphertext that opens only for this endpoint.
    const row = await rowOf(id);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(await openSecret(testEnv.SECRETS_KEY, id, row.secret)).toBe(secret);
    await expect(openSecret(testEnv.SECRETS_KEY, "whe_00000000000000000000000000", row.secret)).rejects.toThrow();
  });

  it("lets a Member and an API key read but not create, change, rotate, test or delete", async () => {
    const w = await makeWorld();
    const id = String((await create(w)).body["id"]);
    for (const token of [w.member.token, w.apiKey]) {
      expectProblem(await create(w, {}, token), 403, "forbidden");
      expectProblem(await call("PATCH", `${base(w.spaceId)}/${id}`, { token, json: { description: "x" } }), 403, "forbidden");
      expectProblem(await call("POST", `${base(w.spaceId)}/${id}/rotate-secret`, { token, json: {} }), 403, "forbidden");
      expectProblem(await call("POST", `${base(w.spaceId)}/${id}/test`, { token }), 403, "forbidden");
      expectProblem(await call("DELETE", `${base(w.spaceId)}/${id}`, { token }), 403, "forbidden");
    }
    expect((await rowOf(id)).description).toBe("");
  });

  it("answers another space's endpoint like a made-up one, and refuses creating in another space", async () => {
    const w = await makeWorld();
    const theirs = String((await call("POST", base(w.otherSpaceId), { token: w.outsider.token, json: { url: "https://theirs.example.com/" } })).body["id"]);
    const foreign = await call("GET", `${base(w.spaceId)}/${theirs}`, { token: w.owner.token });
    expectProblem(foreign, 404, "not_found");
    expect(foreign.body["detail"]).toBe("webhook endpoint not found");
    // The right id under the other space's path: the caller is not in that space.
    expectProblem(await call("GET", `${base(w.otherSpaceId)}/${theirs}`, { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("POST", base(w.otherSpaceId), { token: w.owner.token, json: { url: "https://x.example.com/" } }), 404, "not_found");
  });

  it("refuses URLs inside the network, with credentials or without a scheme it may use, naming the reason", async () => {
    const w = await makeWorld();
    const refused: Record<string, RegExp> = {
      "http://169.254.169.254/latest/meta-data": /link-local/,
      "https://10.1.2.3/hook": /private/,
      "https://[::ffff:10.0.0.1]/hook": /address/,
      "https://metadata.google.internal/computeMetadata": /private host/,
      "https://metadata/": /without a domain/,
      "https://user:pw@hooks.example.com/": /credentials/,
      "ftp://hooks.example.com/": /http/,
    };
    for (const [url, reason] of Object.entries(refused)) {
      const res = await create(w, { url });
      expectProblem(res, 400, "validation_failed");
      expect(res.body["errors"]).toEqual([{ field: "body.url", message: expect.stringMatching(reason) }]);
    }
    expect((await call("GET", base(w.spaceId), { token: w.owner.token })).body.data).toEqual([]);
    // Changing an endpoint's URL is held to the same policy.
    const id = String((await create(w)).body["id"]);
    expectProblem(await call("PATCH", `${base(w.spaceId)}/${id}`, { token: w.owner.token, json: { url: "https://192.168.1.10/" } }), 400, "validation_failed");
    expect((await rowOf(id)).url).toBe("https://hooks.example.com/speaknode");
  });

  it("keeps custom headers write-only: only their names are shown, values sealed for the URL's origin", async () => {
    const w = await makeWorld();
    const created = await create(w, { headers: { Authorization: "Bearer crm-token-1234567", "X-Tenant": "acme" } });
    expect(created.status).toBe(201);
    expect(created.body["headerNames"]).toEqual(["Authorization", "X-Tenant"]);
    expect(created.text).not.toContain("crm-token-1234567");
    const id = String(created.body["id"]);
    const got = await call("GET", `${base(w.spaceId)}/${id}`, { token: w.owner.token });
    expect(got.text).not.toContain("crm-token-1234567");
    const row = await rowOf(id);
    expect(JSON.stringify(row)).not.toContain("crm-token-1234567");
    if (!row.customHeaders) throw new Error("no sealed headers");
    expect(await openHeaders(testEnv.SECRETS_KEY, id, "https://hooks.example.com/other/path", row.customHeaders)).toEqual({ Authorization: "Bearer crm-token-1234567", "X-Tenant": "acme" });
    expect(await openHeaders(testEnv.SECRETS_KEY, id, "https://evil.example.com/speaknode", row.customHeaders)).toBeNull();
  });

  it("refuses custom headers that a delivery sets itself, given twice, or with line breaks", async () => {
    const w = await makeWorld();
    for (const name of ["webhook-signature", "Webhook-Id", "content-type", "User-Agent", "host", "content-length", "speaknode-event-type", "Transfer-Encoding"]) {
      const res = await create(w, { headers: { [name]: "x" } });
      expectProblem(res, 400, "validation_failed");
      expect(res.body["errors"]).toEqual([expect.objectContaining({ field: `body.headers.${name}` })]);
    }
    expectProblem(await create(w, { headers: { "X-A": "1", "x-a": "2" } }), 400, "validation_failed");
    expectProblem(await create(w, { headers: { "X-A": "1\r\nX-Evil: 2" } }), 400, "validation_failed");
    expectProblem(await create(w, { headers: { "Bad Name": "1" } }), 400, "validation_failed");
    expect((await call("GET", base(w.spaceId), { token: w.owner.token })).body.data).toEqual([]);
  });

  it("asks for custom headers again when the URL moves to another origin, and keeps them on the same origin", async () => {
    const w = await makeWorld();
    const id = String((await create(w, { headers: { "X-Key": "abc" } })).body["id"]);
    const path = `${base(w.spaceId)}/${id}`;
    const moved = await call("PATCH", path, { token: w.owner.token, json: { url: "https://elsewhere.example.com/hook" } });
    expectProblem(moved, 400, "validation_failed");
    expect(String(moved.body["detail"])).toContain("custom headers are bound to the origin they were given for");
    expect(moved.body["errors"]).toEqual([expect.objectContaining({ field: "body.headers" })]);

    const samePlace = await call("PATCH", path, { token: w.owner.token, json: { url: "https://hooks.example.com/v2" } });
    expect(samePlace.status).toBe(200);
    expect(samePlace.body["headerNames"]).toEqual(["X-Key"]);

    const given = await call("PATCH", path, { token: w.owner.token, json: { url: "https://elsewhere.example.com/hook", headers: { "X-Key": "def" } } });
    expect(given.status).toBe(200);
    const row = await rowOf(id);
    if (!row.customHeaders) throw new Error("no sealed headers");
    expect(await openHeaders(testEnv.SECRETS_KEY, id, row.url, row.customHeaders)).toEqual({ "X-Key": "def" });

    const dropped = await call("PATCH", path, { token: w.owner.token, json: { url: "https://third.example.com/", headers: null } });
    expect(dropped.status).toBe(200);
    expect(dropped.body["headerNames"]).toEqual([]);
    expect((await rowOf(id)).customHeaders).toBeNull();
  });

  it("disables by hand, and re-enabling clears a disable and the failing streak", async () => {
    const w = await makeWorld();
    const id = String((await create(w)).body["id"]);
    const path = `${base(w.spaceId)}/${id}`;
    const off = await call("PATCH", path, { token: w.owner.token, json: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false, disabledReason: "manual", disabledAt: expect.any(String) });
    const since = new Date(Date.now() - 6 * 86_400_000);
    await withDb((db) => db.update(webhookEndpoints).set({ disabledReason: "failing", failingSince: since }).where(eq(webhookEndpoints.id, id)));
    const on = await call("PATCH", path, { token: w.owner.token, json: { enabled: true, eventTypes: ["call.voicemail"], description: "back" } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null, failingSince: null, eventTypes: ["call.voicemail"], description: "back" });
  });

  it("rotates the secret: the new one is answered once, the previous one kept until the overlap ends", async () => {
    const w = await makeWorld();
    const created = await create(w);
    const id = String(created.body["id"]);
    const first = String(created.body["secret"]);
    const before = Date.now();
    const rotated = await call("POST", `${base(w.spaceId)}/${id}/rotate-secret`, { token: w.owner.token, json: { overlapHours: 2 } });
    expect(rotated.status).toBe(200);
    const second = String(rotated.body["secret"]);
    expect(second).toMatch(/^whsec_/);
    expect(second).not.toBe(first);
    expect(rotated.body["secretHint"]).toBe(`…${second.slice(-4)}`);
    const until = Date.parse(String(rotated.body["previousSecretExpiresAt"]));
    expect(until).toBeGreaterThanOrEqual(before + 2 * 3_600_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000 + 1000);
    const row = await rowOf(id);
    expect(await openSecret(testEnv.SECRETS_KEY, id, row.secret)).toBe(second);
    expect(await openSecret(testEnv.SECRETS_KEY, id, row.previousSecret ?? "")).toBe(first);
    const got = await call("GET", `${base(w.spaceId)}/${id}`, { token: w.owner.token });
    expect(got.body).not.toHaveProperty("secret");
    expect(got.text).not.toContain(second);

    // No body: the default overlap (24 h). overlapHours 0: the previous secret stops at once.
    const byDefault = await call("POST", `${base(w.spaceId)}/${id}/rotate-secret`, { token: w.owner.token });
    expect(byDefault.status).toBe(200);
    expect(Date.parse(String(byDefault.body["previousSecretExpiresAt"]))).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    const atOnce = await call("POST", `${base(w.spaceId)}/${id}/rotate-secret`, { token: w.owner.token, json: { overlapHours: 0 } });
    expect(atOnce.body["previousSecretExpiresAt"]).toBeNull();
    expect((await rowOf(id)).previousSecret).toBeNull();
    expectProblem(await call("POST", `${base(w.spaceId)}/${id}/rotate-secret`, { token: w.owner.token, json: { overlapHours: 1000 } }), 400, "validation_failed");
  });

  it("deletes an endpoint for good", async () => {
    const w = await makeWorld();
    const id = String((await create(w)).body["id"]);
    expect((await call("DELETE", `${base(w.spaceId)}/${id}`, { token: w.owner.token })).status).toBe(204);
    expectProblem(await call("GET", `${base(w.spaceId)}/${id}`, { token: w.owner.token }), 404, "not_found");
    expectProblem(await call("DELETE", `${base(w.spaceId)}/${id}`, { token: w.owner.token }), 404, "not_found");
  });

  it("refuses bad bodies with problem+json", async () => {
    const w = await makeWorld();
    expectProblem(await create(w, { url: "not a url" }), 400, "validation_failed");
    expectProblem(await create(w, { eventTypes: ["webhook.test"] }), 400, "validation_failed");
    expectProblem(await create(w, { eventTypes: ["nope"] }), 400, "validation_failed");
    expectProblem(await create(w, { extra: 1 }), 400, "validation_failed");
    const id = String((await create(w)).body["id"]);
    expectProblem(await call("PATCH", `${base(w.spaceId)}/${id}`, { token: w.owner.token, json: { secret: "whsec_x" } }), 400, "validation_failed");
    expectProblem(await call("GET", `${base(w.spaceId)}/whd_00000000000000000000000000`, { token: w.owner.token }), 400, "validation_failed");
  });
});

let world: World;
let own = "";
let foreign = "";
beforeAll(async () => {
  world = await makeWorld();
  own = String((await create(world)).body["id"]);
  foreign = String((await call("POST", base(world.otherSpaceId), { token: world.outsider.token, json: { url: "https://theirs.example.com/" } })).body["id"]);
});

const endpointCases: RouteCase[] = [
  { name: "webhook endpoints list", method: "GET", path: (w) => base(w.spaceId), foreignPath: (w) => base(w.otherSpaceId), need: "member" },
  { name: "webhook endpoints create", method: "POST", path: (w) => base(w.spaceId), foreignPath: (w) => base(w.otherSpaceId), json: { url: "https://hooks.example.com/" }, need: "owner" },
  { name: "webhook endpoint get", method: "GET", path: (w) => `${base(w.spaceId)}/${own}`, foreignPath: (w) => `${base(w.spaceId)}/${foreign}`, need: "member" },
  { name: "webhook endpoint update", method: "PATCH", path: (w) => `${base(w.spaceId)}/${own}`, foreignPath: (w) => `${base(w.spaceId)}/${foreign}`, json: { description: "x" }, need: "owner" },
  { name: "webhook endpoint delete", method: "DELETE", path: (w) => `${base(w.spaceId)}/${own}`, foreignPath: (w) => `${base(w.spaceId)}/${foreign}`, need: "owner" },
  { name: "webhook endpoint rotate", method: "POST", path: (w) => `${base(w.spaceId)}/${own}/rotate-secret`, foreignPath: (w) => `${base(w.spaceId)}/${foreign}/rotate-secret`, json: {}, need: "owner" },
  { name: "webhook endpoint test", method: "POST", path: (w) => `${base(w.spaceId)}/${own}/test`, foreignPath: (w) => `${base(w.spaceId)}/${foreign}/test`, need: "owner" },
  { name: "webhook endpoint deliveries", method: "GET", path: (w) => `${base(w.spaceId)}/${own}/deliveries`, foreignPath: (w) => `${base(w.spaceId)}/${foreign}/deliveries`, need: "member" },
];
securitySuite(endpointCases, () => world);
