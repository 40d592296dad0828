// Webhook tools that take form-encoded bodies, OpenAPI parameter styles and API keys in the query
// string: what create and update accept, seal and bind to the URL's origin, and what the runtime
// gets for drafts, published snapshots and snapshots published before these fields existed.
import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { agentVersions, tools } from "@speaknode/db";
import { toolBody } from "../../test/fixtures.ts";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { dispatched, runtimeCall } from "../runtime/testing.ts";

const callsUrl = "https://api.twilio.example/2010-04-01/Accounts/{AccountSid}/Calls.json";
const formTool = (overrides: Record<string, unknown> = {}) =>
  toolBody({
    method: "POST",
    url: callsUrl,
    bodyEncoding: "form",
    bodySchema: {
      type: "object",
      properties: { AccountSid: { type: "string" }, To: { type: "string" }, StatusCallbackEvent: { type: "array", items: { type: "string" } }, metadata: { type: "object" } },
      required: ["AccountSid", "To"],
    },
    parameterStyles: { StatusCallbackEvent: { style: "form", explode: true }, metadata: { style: "deepObject", explode: true }, AccountSid: { style: "label", explode: false } },
    secretHeaders: {},
    secretQueryParams: { api_key: "q-secret-456" },
    ...overrides,
  });

async function runtimeTool(w: World, toolId: string): Promise<Record<string, unknown>> {
  const attached = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { tools: [{ type: "webhook", toolId }] } });
  expect(attached.status).toBe(200);
  const { sessionId } = await dispatched(w);
  const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
  const found = (res.body["tools"] as Record<string, unknown>[]).find((t) => t["id"] === toolId);
  if (!found) throw new Error("the tool is not in the runtime config");
  return found;
}

describe("tools: form bodies, parameter styles and secret query parameters", () => {
  it("creates a form-encoded tool whose secret query parameters are sealed, bound to the origin and never returned", async () => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: formTool() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      bodyEncoding: "form",
      parameterStyles: { StatusCallbackEvent: { style: "form", explode: true, allowReserved: false }, metadata: { style: "deepObject", explode: true, allowReserved: false } },
      secretQueryParamNames: ["api_key"],
      secretHeaderNames: [],
      secretOrigin: "https://api.twilio.example",
    });
    expect(res.text).not.toContain("q-secret-456");
    const id = String(res.body["id"]);
    expect((await call("GET", `/v1/tools/${id}`, { token: w.member.token })).text).not.toContain("q-secret-456");
    const [row] = await withDb((db) => db.select().from(tools).where(eq(tools.id, id)));
    expect(row?.secretQuery).toBeTruthy();
    expect(row?.secretQuery).not.toContain("q-secret-456");
    expect(await runtimeTool(w, id)).toMatchObject({ bodyEncoding: "form", secretQuery: { api_key: "q-secret-456" }, secretHeaders: {}, secretOrigin: "https://api.twilio.example", parameterStyles: { metadata: { style: "deepObject" } } });
  });

  it("replaces the secret query parameters when given, and clears them with the headers when the URL moves to another origin", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: formTool({ secretHeaders: { "X-Key": "h-1" } }) });
    const id = String(created.body["id"]);
    const replaced = await call("PATCH", `/v1/tools/${id}`, { token: w.owner.token, json: { secretQueryParams: { token: "q-2" } } });
    expect(replaced.body).toMatchObject({ secretQueryParamNames: ["token"], secretHeaderNames: ["X-Key"], secretHeadersCleared: false, warnings: [] });
    const sameOrigin = await call("PATCH", `/v1/tools/${id}`, { token: w.member.token, json: { url: "https://api.twilio.example/v2/{AccountSid}" } });
    expect(sameOrigin.body).toMatchObject({ secretQueryParamNames: ["token"], secretHeaderNames: ["X-Key"], secretHeadersCleared: false });
    const moved = await call("PATCH", `/v1/tools/${id}`, { token: w.member.token, json: { url: "https://attacker.example.net/{AccountSid}" } });
    expect(moved.body).toMatchObject({ secretQueryParamNames: [], secretHeaderNames: [], secretOrigin: null, secretHeadersCleared: true });
    expect((moved.body["warnings"] as string[])[0]).toMatch(/secret headers \(X-Key\) and secret query parameters \(token\) were deleted/);
    const [row] = await withDb((db) => db.select().from(tools).where(eq(tools.id, id)));
    expect(row).toMatchObject({ secretHeaders: null, secretQuery: null, secretQueryNames: [] });
    expect(await runtimeTool(w, id)).toMatchObject({ secretQuery: {}, secretHeaders: {}, secretOrigin: null });
  });

  it("keeps the secret query parameters given with a move to another origin, bound to the new one, and drops the headers not given", async () => {
    const w = await makeWorld();
    const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: formTool({ secretHeaders: { "X-Key": "h-1" } }) });
    const id = String(created.body["id"]);
    const moved = await call("PATCH", `/v1/tools/${id}`, { token: w.owner.token, json: { url: "https://api.partner.example/{AccountSid}", secretQueryParams: { api_key: "q-3" } } });
    expect(moved.body).toMatchObject({ secretQueryParamNames: ["api_key"], secretHeaderNames: [], secretOrigin: "https://api.partner.example", secretHeadersCleared: true });
    expect(moved.body["warnings"]).toEqual([expect.stringContaining("secret headers (X-Key) were deleted")]);
    expect(await runtimeTool(w, id)).toMatchObject({ secretQuery: { api_key: "q-3" }, secretOrigin: "https://api.partner.example" });
  });

  it("serves a snapshot published before body encodings, styles and secret query parameters existed with the defaults", async () => {
    const w = await makeWorld();
    const attached = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { tools: [{ type: "webhook", toolId: w.toolId }] } });
    expect(attached.status).toBe(200);
    expect((await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token })).status).toBe(200);
    await withDb(async (db) => {
      const [version] = await db.select().from(agentVersions).where(eq(agentVersions.agentId, w.agentId));
      if (!version) throw new Error("no published version");
      const snapshot = version.snapshot as { tools: Record<string, unknown>[] };
      const old = snapshot.tools.map(({ bodyEncoding: _e, parameterStyles: _s, secretQueryParamNames: _q, ...rest }) => rest);
      expect(old[0]).not.toHaveProperty("bodyEncoding");
      await db.update(agentVersions).set({ snapshot: { ...snapshot, tools: old } }).where(eq(agentVersions.id, version.id));
    });
    const { sessionId } = await dispatched(w);
    const res = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(res.status).toBe(200);
    const tool = (res.body["tools"] as Record<string, unknown>[]).find((t) => t["id"] === w.toolId);
    expect(tool).toMatchObject({ bodyEncoding: "json", parameterStyles: {}, secretQuery: {}, secretHeaders: { Authorization: "Bearer shop-secret-123" } });
  });
});

describe("tools: encodings and styles that cannot work are refused, naming the field", () => {
  const refused: [string, Record<string, unknown>, string, RegExp][] = [
    ["a form body on a GET", { method: "GET" }, "body.bodyEncoding", /GET request has no body/],
    ["a style for an argument the body schema lacks", { parameterStyles: { Nope: { style: "form", explode: true } } }, "body.parameterStyles.Nope", /not an argument/],
    ["a query style for a path argument", { parameterStyles: { AccountSid: { style: "deepObject", explode: true } } }, "body.parameterStyles.AccountSid", /not a path style/],
    ["a path style for a form-body argument", { parameterStyles: { To: { style: "matrix", explode: false } } }, "body.parameterStyles.To", /not a form body style/],
    ["a style for a JSON body argument", { bodyEncoding: "json", parameterStyles: { metadata: { style: "deepObject", explode: true } } }, "body.parameterStyles.metadata", /JSON body/],
    ["a secret query parameter that is also an argument", { secretQueryParams: { To: "x" } }, "body.secretQueryParams.To", /also an argument/],
    ["a secret query parameter the URL already has", { url: `${callsUrl}?api_key=plain`, secretQueryParams: { api_key: "x" } }, "body.secretQueryParams.api_key", /URL's query/],
  ];
  for (const [what, overrides, field, message] of refused) {
    it(`refuses ${what} on create and on update`, async () => {
      const w = await makeWorld();
      const created = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: formTool(overrides) });
      expectProblem(created, 400, "validation_failed");
      expect(created.body["errors"]).toEqual([{ field, message: expect.stringMatching(message) }]);
      const ok = await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: formTool() });
      expect(ok.status).toBe(201);
      const { url: _url, ...patch } = overrides;
      const updated = await call("PATCH", `/v1/tools/${String(ok.body["id"])}`, { token: w.owner.token, json: overrides["url"] ? overrides : patch });
      expectProblem(updated, 400, "validation_failed");
      expect(updated.body["errors"]).toEqual([{ field, message: expect.stringMatching(message) }]);
    });
  }

  it("takes a query style on a GET tool's query argument and a label style on its path argument", async () => {
    const w = await makeWorld();
    const res = await call("POST", `/v1/spaces/${w.spaceId}/tools`, {
      token: w.owner.token,
      json: formTool({ method: "GET", bodyEncoding: "json", secretQueryParams: {}, parameterStyles: { AccountSid: { style: "label", explode: false }, StatusCallbackEvent: { style: "pipeDelimited", explode: false } } }),
    });
    expect(res.status).toBe(201);
  });
});
