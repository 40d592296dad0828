// POST /hooks/{spaceId}/{name} through the whole Worker: each verification method lets a signed
// request in and turns an unsigned or forged one away (401, logged refused); unknown paths and
// paused routes are refused and logged; a body that does not fit the mapping is a 422 listing
// every problem; dispatch, call and campaign_item start what they say; the same idempotency key
// starts one thing, and an action that fails frees its key for the sender's retry.
import { and, asc, eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CampaignSettings, newId } from "@speaknode/contracts";
import { campaignItems, campaigns, inboundRouteClaims, inboundWebhookLog, sessions } from "@speaknode/db";
import { signHmac, signStandardWebhook } from "@speaknode/signing";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall, twilioError } from "../../test/outbound-fixtures.ts";

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const variables = { order_id: "/order/id", customer_name: "/contact/name" };
const sample = { order: { id: 42 }, contact: { name: "Zoé", phone: "+1 415-555-0100" } };

async function makeRoute(fields: Record<string, unknown>): Promise<{ id: string; name: string; secret: string }> {
  const name = `r-${crypto.randomUUID().slice(0, 8)}`;
  const res = await call("POST", `/v1/spaces/${world.spaceId}/webhooks/routes`, {
    token: world.owner.token,
    json: { name, verification: { method: "bearer" }, action: "dispatch", agentId: world.agentId, mapping: { variables }, ...fields },
  });
  if (res.status !== 201) throw new Error(`creating the route failed: ${res.status} ${res.text}`);
  return { id: String(res.body["id"]), name, secret: String(res.body["secret"]) };
}

function hook(name: string, body: unknown, headers: Record<string, string> = {}, spaceId = world.spaceId) {
  return call("POST", `/hooks/${spaceId}/${name}`, { body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
}

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const logOf = (routeId: string) => withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.routeId, routeId)).orderBy(asc(inboundWebhookLog.receivedAt)));

async function standardHeaders(secret: string, body: string, id = `msg_${crypto.randomUUID()}`, timestampS = Math.floor(Date.now() / 1000)) {
  return { "webhook-id": id, "webhook-timestamp": String(timestampS), "webhook-signature": await signStandardWebhook(secret, id, timestampS, body) };
}

describe("POST /hooks/{spaceId}/{name}: verification", () => {
  it("lets a Standard Webhooks request in and refuses a forged, stale or unsigned one with 401, each logged refused", async () => {
    const route = await makeRoute({ verification: { method: "standard_webhooks" } });
    expect(route.secret).toMatch(/^whsec_/);
    const body = JSON.stringify(sample);
    const good = await hook(route.name, body, await standardHeaders(route.secret, body));
    expect(good.status, good.text).toBe(201);

    const forged = await hook(route.name, body, await standardHeaders("whsec_" + btoa("another secret of ours!!"), body));
    expectProblem(forged, 401, "unauthorized");
    const stale = await hook(route.name, body, await standardHeaders(route.secret, body, "msg_old", Math.floor(Date.now() / 1000) - 600));
    expectProblem(stale, 401, "unauthorized");
    expect(stale.body["detail"]).toContain("tolerance");
    expectProblem(await hook(route.name, body), 401, "unauthorized");
    const tampered = await hook(route.name, JSON.stringify({ ...sample, order: { id: 43 } }), await standardHeaders(route.secret, body));
    expectProblem(tampered, 401, "unauthorized");

    const rows = await logOf(route.id);
    expect(rows.map((r) => [r.outcome, r.signatureValid])).toEqual([["processed", true], ["refused", false], ["refused", false], ["refused", false], ["refused", false]]);
    expect(rows[0]).toMatchObject({ provider: "route", kind: "hook", spaceId: world.spaceId, payload: sample });
    expect(rows[1]?.headers["webhook-signature"]).toBe("[redacted]");
    expect(rows[1]?.routing).toBe("refused: signature");
  });

  it("checks an HMAC of the raw body in the route's header, with its prefix and encoding, and redacts that header in the log", async () => {
    const route = await makeRoute({ verification: { method: "hmac", header: "X-Hub-Signature-256", algorithm: "sha256", encoding: "hex", prefix: "sha256=" } });
    // Whitespace the sender chose is part of the signed bytes: a re-serialised body would not verify.
    const body = `{ "order": {"id": 42},  "contact": {"name": "Zoé"} }`;
    const signature = `sha256=${await signHmac(route.secret, "sha256", "hex", body)}`;
    const good = await hook(route.name, body, { "x-hub-signature-256": signature });
    expect(good.status, good.text).toBe(201);
    expectProblem(await hook(route.name, body, { "x-hub-signature-256": `sha256=${await signHmac("not the secret", "sha256", "hex", body)}` }), 401, "unauthorized");
    expectProblem(await hook(route.name, body, { "x-hub-signature-256": signature.slice("sha256=".length) }), 401, "unauthorized");
    expectProblem(await hook(route.name, body), 401, "unauthorized");
    const rows = await logOf(route.id);
    expect(rows.map((r) => r.signatureValid)).toEqual([true, false, false, false]);
    expect(rows[0]?.headers["x-hub-signature-256"]).toBe("[redacted]");
    expect(JSON.stringify(rows)).not.toContain(signature);

    const b64 = await makeRoute({ verification: { method: "hmac", header: "X-Signature", algorithm: "sha512", encoding: "base64", prefix: "" } });
    expect((await hook(b64.name, body, { "x-signature": await signHmac(b64.secret, "sha512", "base64", body) })).status).toBe(201);
  });

  it("checks a bearer secret and never stores it", async () => {
    const route = await makeRoute({});
    expect(route.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await hook(route.name, sample, bearer(route.secret))).status).toBe(201);
    expectProblem(await hook(route.name, sample, bearer(`${route.secret}x`)), 401, "unauthorized");
    expectProblem(await hook(route.name, sample), 401, "unauthorized");
    const rows = await logOf(route.id);
    expect(rows.map((r) => [r.outcome, r.signatureValid])).toEqual([["processed", true], ["refused", false], ["refused", false]]);
    expect(JSON.stringify(rows)).not.toContain(route.secret);
  });
});

describe("POST /hooks/{spaceId}/{name}: refusals", () => {
  it("answers 404 for a path no route has, logged refused with the space when it exists and without one otherwise", async () => {
    const name = `none-${crypto.randomUUID().slice(0, 8)}`;
    expectProblem(await hook(name, sample), 404, "not_found");
    const ghost = newId("space");
    expectProblem(await hook(name, sample, {}, ghost), 404, "not_found");
    const rows = await withDb((db) => db.select().from(inboundWebhookLog).where(and(eq(inboundWebhookLog.provider, "route"), eq(inboundWebhookLog.url, `http://127.0.0.1:8787/hooks/${world.spaceId}/${name}`))));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ spaceId: world.spaceId, routeId: null, outcome: "refused", routing: "no such route", signatureValid: false });
    const spaceless = await withDb((db) => db.select().from(inboundWebhookLog).where(eq(inboundWebhookLog.url, `http://127.0.0.1:8787/hooks/${ghost}/${name}`)));
    expect(spaceless[0]).toMatchObject({ spaceId: null, outcome: "refused", routing: "no such route" });
  });

  it("answers 404 for a path that cannot name a route (a NUL, an upper-case or over-long name, a non-id space), logged without a query", async () => {
    for (const [space, name] of [[world.spaceId, "a%00b"], [world.spaceId, "Orders"], [world.spaceId, "x".repeat(65)], ["spc_%00", "orders"], ["..", "orders"]] as const) {
      expectProblem(await hook(name, sample, {}, space), 404, "not_found");
    }
  });

  it("refuses a paused route with 409, logged refused, and starts nothing", async () => {
    const route = await makeRoute({ paused: true });
    expectProblem(await hook(route.name, sample, bearer(route.secret)), 409, "conflict");
    const [row] = await logOf(route.id);
    expect(row).toMatchObject({ outcome: "refused", routing: "route paused", signatureValid: true, sessionId: null });
  });

  it("answers 422 listing every mapping problem, logged failed, and the preview of that body says the same", async () => {
    const route = await makeRoute({ action: "call", fromNumberId: (await phoneFixture(world.spaceId)).phoneNumberId, mapping: { phoneNumber: "/contact/phone", variables } });
    const twilio = fakeTwilio(() => twilioCall(callSid(), "queued"));
    const bad = { order: { id: "forty-two" }, contact: { name: "Zoé", phone: "12" } };
    const res = await hook(route.name, bad, bearer(route.secret));
    expectProblem(res, 422, "unprocessable_content");
    const errors = res.body["errors"] as { field: string }[];
    expect(errors.map((e) => e.field).sort()).toEqual(["phoneNumber", "variables.order_id"]);
    expect(twilio.requests).toHaveLength(0);
    const [row] = await logOf(route.id);
    expect(row).toMatchObject({ outcome: "failed", signatureValid: true });
    expect(row?.processedAt).not.toBeNull();

    const preview = await call("POST", `/v1/spaces/${world.spaceId}/webhooks/routes/preview`, {
      token: world.member.token,
      json: { action: "call", agentId: world.agentId, mapping: { phoneNumber: "/contact/phone", variables }, sample: bad },
    });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body["ok"]).toBe(false);
    expect(preview.body["problems"]).toEqual(errors);
  });

  it("answers 400 for a body that is not JSON, logged refused", async () => {
    const route = await makeRoute({});
    expectProblem(await hook(route.name, "{not json", bearer(route.secret)), 400, "malformed_request");
    expect((await logOf(route.id))[0]).toMatchObject({ outcome: "refused", payload: null });
  });
});

describe("POST /hooks/{spaceId}/{name}: actions", () => {
  it("dispatch starts a web session with the mapped variables and answers its id and a join link", async () => {
    const route = await makeRoute({});
    const res = await hook(route.name, sample, bearer(route.secret));
    expect(res.status, res.text).toBe(201);
    const sessionId = String(res.body["sessionId"]);
    expect(res.body).toMatchObject({ routeId: route.id, action: "dispatch", replayed: false, itemId: null, dispatched: { sessionId, agentId: world.agentId } });
    const joinUrl = new URL(String(res.body["joinUrl"]));
    expect(joinUrl.searchParams.get("session")).toBe(sessionId);
    expect(joinUrl.searchParams.get("token")).toBe((res.body["dispatched"] as { media: { token: string } }).media.token);
    const [session] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(session).toMatchObject({ spaceId: world.spaceId, channel: "api", variables: { order_id: 42, customer_name: "Zoé" } });
    const [row] = await logOf(route.id);
    expect(row).toMatchObject({ outcome: "processed", routing: `web session ${sessionId}`, sessionId });
    expect(res.body["logId"]).toBe(row?.id);
  });

  it("call places an outbound phone call from the route's number to the mapped one", async () => {
    const number = await phoneFixture(world.spaceId);
    const route = await makeRoute({ action: "call", fromNumberId: number.phoneNumberId, mapping: { phoneNumber: "/contact/phone", variables } });
    const sid = callSid();
    const twilio = fakeTwilio(() => twilioCall(sid, "queued"));
    const res = await hook(route.name, sample, bearer(route.secret));
    expect(res.status, res.text).toBe(201);
    const sessionId = String(res.body["sessionId"]);
    expect(twilio.requests).toHaveLength(1);
    expect(twilio.requests[0]?.form.get("To")).toBe("+14155550100");
    expect(twilio.requests[0]?.form.get("From")).toBe(number.e164);
    const [session] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(session).toMatchObject({ channel: "phone", direction: "outbound", toNumber: "+14155550100", providerCallId: sid, variables: { order_id: 42, customer_name: "Zoé" } });
    expect((await logOf(route.id))[0]).toMatchObject({ outcome: "processed", routing: `call ${sessionId}`, sessionId });
  });

  it("campaign_item appends one pending contact to a paused campaign, and a draft campaign refuses with 409", async () => {
    const campaignId = await campaignRow("paused");
    const route = await makeRoute({ action: "campaign_item", agentId: undefined, campaignId, mapping: { phoneNumber: "/contact/phone", variables } });
    const res = await hook(route.name, sample, bearer(route.secret));
    expect(res.status, res.text).toBe(201);
    const itemId = String(res.body["itemId"]);
    expect(res.body).toMatchObject({ action: "campaign_item", sessionId: null, joinUrl: null });
    const items = await withDb((db) => db.select().from(campaignItems).where(eq(campaignItems.campaignId, campaignId)));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: itemId, status: "pending", phone: "+14155550100", rowNumber: 1, timeZone: null, variables: { order_id: 42, customer_name: "Zoé" } });
    const [campaign] = await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, campaignId)));
    expect(campaign?.itemCount).toBe(1);
    expect((await logOf(route.id))[0]).toMatchObject({ outcome: "processed", routing: `campaign item ${itemId}` });
    // The same number again: the campaign does not allow duplicates.
    expectProblem(await hook(route.name, sample, bearer(route.secret)), 409, "conflict");

    const draftId = await campaignRow("draft");
    const onDraft = await makeRoute({ action: "campaign_item", agentId: undefined, campaignId: draftId, mapping: { phoneNumber: "/contact/phone", variables } });
    expectProblem(await hook(onDraft.name, sample, bearer(onDraft.secret)), 409, "conflict");
    expect(await withDb((db) => db.select().from(campaignItems).where(eq(campaignItems.campaignId, draftId)))).toHaveLength(0);
  });
});

describe("POST /hooks/{spaceId}/{name}: idempotency", () => {
  it("starts one session for the same webhook-id sent twice; the second answer is a replay with the same session", async () => {
    const route = await makeRoute({ verification: { method: "standard_webhooks" } });
    const body = JSON.stringify(sample);
    const headers = await standardHeaders(route.secret, body);
    const first = await hook(route.name, body, headers);
    expect(first.status, first.text).toBe(201);
    const again = await hook(route.name, body, headers);
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, sessionId: first.body["sessionId"], joinUrl: first.body["joinUrl"] });
    const rows = await logOf(route.id);
    expect(rows.map((r) => r.outcome)).toEqual(["processed", "ignored"]);
    expect(rows[1]?.routing).toBe(`replay of ${rows[0]?.id}`);
    expect(rows.map((r) => r.sessionId)).toEqual([first.body["sessionId"], first.body["sessionId"]]);
  });

  it("reads the key from Idempotency-Key, or from the mapping's pointer into the body", async () => {
    const route = await makeRoute({ mapping: { variables, idempotencyKey: "/event/id" } });
    const withKey = { ...sample, event: { id: "evt-1" } };
    const a = await hook(route.name, withKey, bearer(route.secret));
    const b = await hook(route.name, withKey, bearer(route.secret));
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.body["sessionId"]).toBe(a.body["sessionId"]);
    const c = await hook(route.name, sample, { ...bearer(route.secret), "idempotency-key": "crm-7" });
    const d = await hook(route.name, sample, { ...bearer(route.secret), "idempotency-key": "crm-7" });
    expect([c.status, d.status]).toEqual([201, 200]);
    expect(d.body["sessionId"]).toBe(c.body["sessionId"]);
    expect(c.body["sessionId"]).not.toBe(a.body["sessionId"]);
  });

  it("frees the key when the action fails, so the sender's retry starts the call", async () => {
    const number = await phoneFixture(world.spaceId);
    const route = await makeRoute({ action: "call", fromNumberId: number.phoneNumberId, mapping: { phoneNumber: "/contact/phone", variables } });
    let answer = twilioError(503, 20003, "Service unavailable", { "retry-after": "1" });
    const twilio = fakeTwilio(() => answer);
    const headers = { ...bearer(route.secret), "idempotency-key": "retry-me" };
    const failed = await hook(route.name, sample, headers);
    expectProblem(failed, 503, "upstream_unavailable");
    expect(await withDb((db) => db.select().from(inboundRouteClaims).where(eq(inboundRouteClaims.routeId, route.id)))).toHaveLength(0);
    answer = twilioCall(callSid(), "queued");
    const retried = await hook(route.name, sample, headers);
    expect(retried.status, retried.text).toBe(201);
    expect(retried.body["replayed"]).toBe(false);
    expect(twilio.requests).toHaveLength(2);
    const rows = await logOf(route.id);
    expect(rows.map((r) => r.outcome)).toEqual(["failed", "processed"]);
  });
});

/** A campaign of the world's agent written directly (its own routes are another operation's business). */
async function campaignRow(status: "draft" | "paused"): Promise<string> {
  const id = newId("campaign");
  const settings = CampaignSettings.parse({ callerNumberIds: [newId("phoneNumber")], allowDuplicates: false, defaultTimeZone: "UTC" });
  await withDb((db) => db.insert(campaigns).values({ id, spaceId: world.spaceId, agentId: world.agentId, name: "Inbound leads", status, settings, contactMapping: null }));
  return id;
}
