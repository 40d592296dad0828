// The cases issue 13 found answering 500 because Postgres refused them: NUL in text, integers
// beyond int4, times before year 1. Each is now a 400 problem that names the field, and nothing is
// written. (openapi-fuzz.test.ts sends such input to every operation; these are the named ones.)
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { sessions, spaces } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type CallResult, type World } from "../../test/helpers.ts";
import { agentBody, toolBody } from "../../test/fixtures.ts";

let w: World;
let publicAgentId: string;

beforeAll(async () => {
  w = await makeWorld();
  const agent = await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ variables: { type: "object", properties: { customer_name: { type: "string" }, order_id: { type: "integer" } } } }) });
  if (agent.status !== 201) throw new Error(`agent not created: ${agent.text}`);
  publicAgentId = String(agent.body["id"]);
  await call("POST", `/v1/agents/${publicAgentId}/publish`, { token: w.owner.token, json: {} });
});

function expectFieldError(res: CallResult, field: string): void {
  expectProblem(res, 400, "validation_failed");
  expect((res.body["errors"] as { field: string }[]).map((e) => e.field)).toContain(field);
}

describe("input Postgres cannot store is refused with 400, not a 500", () => {
  it("a space or agent name with NUL", async () => {
    expectFieldError(await call("POST", "/v1/spaces", { token: w.owner.token, json: { name: "a\u0000b" } }), "body.name");
    expectFieldError(await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { name: "a\u0000b" } }), "body.name");
    expectFieldError(await call("POST", `/v1/spaces/${w.spaceId}/agents`, { token: w.owner.token, json: agentBody({ systemPrompt: "Hi\u0000" }) }), "body.systemPrompt");
  });

  it("NUL in a tool's description, header value or a key of its JSON Schema", async () => {
    expectFieldError(await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ description: "x\u0000" }) }), "body.description");
    expectFieldError(await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ headers: { "X-Shop": "a\u0000" } }) }), "body.headers.X-Shop");
    const schema = { type: "object", properties: { "a\u0000": { type: "string" } } };
    expectProblem(await call("POST", `/v1/spaces/${w.spaceId}/tools`, { token: w.owner.token, json: toolBody({ bodySchema: schema }) }), 400, "validation_failed");
  });

  it("NUL in a callerId, a variable, or the visitorId of the unauthenticated public dispatch; no session is created", async () => {
    expectFieldError(await call("POST", `/v1/agents/${w.agentId}/sessions`, { token: w.owner.token, json: { variables: { order_id: 1 }, channel: { type: "api", callerId: "+1555\u0000" } } }), "body.channel.callerId");
    expectFieldError(await call("POST", `/v1/agents/${w.agentId}/sessions`, { token: w.owner.token, json: { variables: { order_id: 1, customer_name: "Ada\u0000" } } }), "body.variables.customer_name");
    expectFieldError(await call("POST", `/public/agents/${publicAgentId}/sessions`, { json: { variables: { order_id: "1" }, visitorId: "v\u0000" } }), "body.visitorId");
    expectFieldError(await call("POST", `/public/agents/${publicAgentId}/sessions`, { json: { variables: { ["order_id\u0000"]: "1" } } }), "body.variables.order_id\u0000");
    const rows = await withDb((db) => db.select({ id: sessions.id }).from(sessions).where(eq(sessions.spaceId, w.spaceId)));
    expect(rows).toEqual([]);
  });

  it("NUL in a query string (?caller=, ?search=)", async () => {
    expectFieldError(await call("GET", `/v1/spaces/${w.spaceId}/sessions?caller=%2B1%00`, { token: w.owner.token }), "query.caller");
    expectFieldError(await call("GET", `/v1/spaces/${w.spaceId}/agents?search=a%00`, { token: w.owner.token }), "query.search");
  });

  it("a version number beyond int4 in the path", async () => {
    expectFieldError(await call("GET", `/v1/agents/${w.agentId}/versions/2147483648`, { token: w.owner.token }), "path.version");
    expectProblem(await call("GET", `/v1/agents/${w.agentId}/versions/2147483647`, { token: w.owner.token }), 404, "not_found");
  });

  it("a time before year 1 or past 9999 once its offset is applied", async () => {
    expectFieldError(await call("GET", `/v1/spaces/${w.spaceId}/sessions?from=0000-01-01T00:00:00Z`, { token: w.owner.token }), "query.from");
    expectFieldError(await call("GET", `/v1/spaces/${w.spaceId}/sessions?to=${encodeURIComponent("9999-12-31T23:59:59-14:00")}`, { token: w.owner.token }), "query.to");
    expectFieldError(await call("GET", `/v1/spaces/${w.spaceId}/analytics?from=0000-01-01&to=0000-01-02`, { token: w.owner.token }), "query.from");
  });

  it("leaves the space as it was", async () => {
    const [space] = await withDb((db) => db.select({ name: spaces.name }).from(spaces).where(eq(spaces.id, w.spaceId)));
    expect(space?.name).toBe("World space");
  });
});
