// The inbound routes API (/v1/spaces/{spaceId}/webhooks/routes): an Owner creates a route whose
// action's references are the space's and whose secret is answered once; members read; names are
// unique per space; a patch is checked as a whole; the preview applies the mapping to a sample; and
// the shared security suite over every operation.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { inboundRoutes } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { phoneFixture } from "../../test/outbound-fixtures.ts";
import { securitySuite } from "../../test/security-suite.ts";

let world: World;
let ours: string;
let theirs: string;
beforeAll(async () => {
  world = await makeWorld();
  ours = String((await create({ name: "ours" })).body["id"]);
  const other = await call("POST", `/v1/spaces/${world.otherSpaceId}/webhooks/routes`, { token: world.outsider.token, json: dispatchRoute({ name: "theirs", agentId: world.otherAgentId }) });
  theirs = String(other.body["id"]);
});

const variables = { order_id: "/order/id" };
const base = () => `/v1/spaces/${world.spaceId}/webhooks/routes`;
const dispatchRoute = (extra: Record<string, unknown> = {}) => ({ name: `r-${crypto.randomUUID().slice(0, 8)}`, verification: { method: "bearer" }, action: "dispatch", agentId: world.agentId, mapping: { variables }, ...extra });
const create = (extra: Record<string, unknown> = {}, token = world.owner.token) => call("POST", base(), { token, json: dispatchRoute(extra) });
const fieldsOf = (res: { body: Record<string, unknown> }) => (res.body["errors"] as { field: string }[]).map((e) => e.field).sort();

describe("inbound routes API", () => {
  it("creates a route with its URL and answers the generated secret once; reads show only a hint", async () => {
    const res = await create({ description: "CRM leads" });
    expect(res.status, res.text).toBe(201);
    const id = String(res.body["id"]);
    const secret = String(res.body["secret"]);
    expect(res.body).toMatchObject({ spaceId: world.spaceId, action: "dispatch", agentId: world.agentId, campaignId: null, fromNumberId: null, paused: false, description: "CRM leads", secretHint: `…${secret.slice(-4)}` });
    expect(res.body["url"]).toBe(`http://127.0.0.1:8787/hooks/${world.spaceId}/${String(res.body["name"])}`);
    const [row] = await withDb((db) => db.select().from(inboundRoutes).where(eq(inboundRoutes.id, id)));
    expect(row?.secret).not.toContain(secret);

    const got = await call("GET", `${base()}/${id}`, { token: world.member.token });
    expect(got.status).toBe(200);
    expect(got.body["secret"]).toBeUndefined();
    expect(got.body["secretHint"]).toBe(res.body["secretHint"]);
    const list = await call("GET", base(), { token: world.apiKey });
    expect(list.body.data?.map((r) => r["id"])).toContain(id);
    expect(list.body.data?.every((r) => r["secret"] === undefined)).toBe(true);
  });

  it("keeps a given secret, and refuses a Standard Webhooks one that is not whsec_", async () => {
    const given = "a-shared-secret-of-the-crm-1234";
    const res = await create({ secret: given });
    expect(res.body["secret"]).toBe(given);
    const bad = await create({ verification: { method: "standard_webhooks" }, secret: "not-a-whsec-secret-at-all" });
    expectProblem(bad, 400, "validation_failed");
    expect(fieldsOf(bad)).toEqual(["body.secret"]);
  });

  it("answers 409 for a second route of the same name in the space", async () => {
    const name = `dup-${crypto.randomUUID().slice(0, 8)}`;
    expect((await create({ name })).status).toBe(201);
    expectProblem(await create({ name }), 409, "conflict");
  });

  it("refuses what an action does not have or does not use, and references outside the space, naming each field", async () => {
    const call1 = await create({ action: "call", mapping: { variables } });
    expectProblem(call1, 400, "validation_failed");
    expect(fieldsOf(call1)).toEqual(["body.fromNumberId", "body.mapping.phoneNumber"]);
    const item = await create({ action: "campaign_item", mapping: { phoneNumber: "/phone", variables } });
    expect(fieldsOf(item)).toEqual(["body.agentId", "body.campaignId"]);
    const dispatch = await create({ mapping: { phoneNumber: "/phone", variables } });
    expect(fieldsOf(dispatch)).toEqual(["body.mapping.phoneNumber"]);

    const theirNumber = await phoneFixture(world.otherSpaceId);
    const foreign = await create({ action: "call", agentId: world.otherAgentId, fromNumberId: theirNumber.phoneNumberId, mapping: { phoneNumber: "/phone", variables } });
    expectProblem(foreign, 400, "validation_failed");
    expect(fieldsOf(foreign)).toEqual(["body.agentId", "body.fromNumberId"]);
    const undeclared = await create({ mapping: { variables: { order_id: "/id", shoe_size: "/shoe" } } });
    expect(fieldsOf(undeclared)).toEqual(["body.mapping.variables.shoe_size"]);
  });

  it("lets an Owner pause a route and change its mapping, checked as a whole; the name and action stay", async () => {
    const res = await create();
    const id = String(res.body["id"]);
    const paused = await call("PATCH", `${base()}/${id}`, { token: world.owner.token, json: { paused: true, mapping: { variables: { order_id: "/o" } } } });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, mapping: { variables: { order_id: "/o" } }, name: res.body["name"] });
    expectProblem(await call("PATCH", `${base()}/${id}`, { token: world.owner.token, json: { fromNumberId: (await phoneFixture(world.spaceId)).phoneNumberId } }), 400, "validation_failed");
    // Moving to Standard Webhooks with the generated (non-whsec_) secret needs a new one.
    const moved = await call("PATCH", `${base()}/${id}`, { token: world.owner.token, json: { verification: { method: "standard_webhooks" } } });
    expect(fieldsOf(moved)).toEqual(["body.secret"]);
    expect((await call("DELETE", `${base()}/${id}`, { token: world.owner.token })).status).toBe(204);
    expectProblem(await call("GET", `${base()}/${id}`, { token: world.owner.token }), 404, "not_found");
  });

  it("previews a mapping on a sample: the E.164 number, the variables as typed, defaults and the key", async () => {
    const res = await call("POST", `${base()}/preview`, {
      token: world.member.token,
      json: { action: "call", agentId: world.agentId, mapping: { phoneNumber: "/lead/phone", variables: { order_id: "/lead/orders/0" }, idempotencyKey: "/id" }, sample: { id: 77, lead: { phone: "+44 20 7183 8750", orders: [12] } } },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ ok: true, phoneNumber: "+442071838750", variables: { order_id: 12, customer_name: "there" }, idempotencyKey: "77", problems: [] });
    const missing = await call("POST", `${base()}/preview`, { token: world.member.token, json: { action: "dispatch", agentId: world.agentId, mapping: { variables: { order_id: "/nope" } }, sample: {} } });
    expect(missing.body).toMatchObject({ ok: false, problems: [{ field: "variables.order_id", message: "is required" }] });
    expectProblem(await call("POST", `${base()}/preview`, { token: world.member.token, json: { action: "dispatch", agentId: world.otherAgentId, mapping: { variables }, sample: {} } }), 400, "validation_failed");
  });
});

securitySuite(
  [
    { name: "routes list", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/webhooks/routes`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/webhooks/routes`, need: "member" },
    { name: "routes create", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/webhooks/routes`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/webhooks/routes`, json: { name: "sec", verification: { method: "bearer" }, action: "dispatch", mapping: { variables: {} } }, need: "owner" },
    { name: "routes get", method: "GET", path: (w) => `/v1/spaces/${w.spaceId}/webhooks/routes/${ours}`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/webhooks/routes/${theirs}`, need: "member" },
    { name: "routes update", method: "PATCH", path: (w) => `/v1/spaces/${w.spaceId}/webhooks/routes/${ours}`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/webhooks/routes/${theirs}`, json: { paused: true }, need: "owner" },
    { name: "routes delete", method: "DELETE", path: (w) => `/v1/spaces/${w.spaceId}/webhooks/routes/${ours}`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/webhooks/routes/${theirs}`, need: "owner" },
    { name: "routes preview", method: "POST", path: (w) => `/v1/spaces/${w.spaceId}/webhooks/routes/preview`, foreignPath: (w) => `/v1/spaces/${w.otherSpaceId}/webhooks/routes/preview`, json: { action: "dispatch", mapping: { variables: {} }, sample: {} }, need: "member" },
  ],
  () => world,
);
