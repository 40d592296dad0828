import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { toolResultPreviewMaxChars } from "@speaknode/contracts";
import { sessions } from "@speaknode/db";
import { call, expectProblem, makeWorld, withDb, type World } from "../../test/helpers.ts";
import { securitySuite } from "../../test/security-suite.ts";
import { dispatched, postEvent, runtimeCall, subscribe, type Subscriber } from "../runtime/testing.ts";

const variables = { customer_name: "Ada", order_id: 42 };
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
const agentTurn = { type: "turn", turnId: "t2", role: "agent", text: "It ships tomorrow.", startedAt: at(-2000), endedAt: at(-1000), metrics: { llmTimeToFirstTokenMs: 240, ttsTimeToFirstByteMs: 95, voiceToVoiceMs: 850 } };
const toolCall = (response: unknown) => ({ type: "tool.call", toolCallId: "call-1", name: "order_status", request: { orderId: 42 }, response, status: "ok", latencyMs: 410 });

/** Publishes the agent's draft as it is (force: whatever the pre-flight thinks of the fixture). */
async function publish(w: World): Promise<void> {
  const res = await call("POST", `/v1/agents/${w.agentId}/publish`, { token: w.owner.token, json: { force: true } });
  if (res.status !== 200) throw new Error(`publishing failed: ${res.status} ${res.text}`);
}

async function editPrompt(w: World, systemPrompt: string): Promise<number> {
  const res = await call("PATCH", `/v1/agents/${w.agentId}`, { token: w.owner.token, json: { systemPrompt } });
  if (res.status !== 200) throw new Error(`editing failed: ${res.status} ${res.text}`);
  return Number(res.body["version"]);
}

async function startTest(w: World, token: string, body: Record<string, unknown> = { variables }) {
  return call("POST", `/v1/agents/${w.agentId}/test-sessions`, { token, json: body });
}

/** Skips the welcome and the dispatch's status, after the runtime joined the session. */
async function joined(sessionId: string, live: Subscriber): Promise<void> {
  expect(await live.next()).toMatchObject({ type: "welcome" });
  expect((await postEvent(sessionId, "ready", { type: "agent.ready" })).status).toBe(200);
  expect(await live.next()).toMatchObject({ type: "agent.ready" });
  expect(await live.next()).toMatchObject({ type: "session.status", status: "active" });
}

describe("POST /v1/agents/{agentId}/test-sessions", () => {
  it("runs the current draft of a published agent for a member, as a test session", async () => {
    const w = await makeWorld();
    await publish(w);
    const draftVersion = await editPrompt(w, "Draft: greet {{customer_name}} about order {{order_id}}.");
    const res = await startTest(w, w.member.token);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "dispatching", agentId: w.agentId, agentVersion: null, language: "en-US", media: { driver: expect.any(String) } });
    const sessionId = String(res.body["sessionId"]);
    expect(String(res.body["eventsUrl"])).toMatch(new RegExp(`^ws://[^/]+/live/sessions/${sessionId}\\?token=`));

    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, sessionId)));
    expect(row).toMatchObject({ channel: "test", agentVersion: null, draftVersion, variables, caller: "Test User" });

    const config = await runtimeCall("GET", `/sessions/${sessionId}/config`);
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ agentVersion: null, draftVersion, channel: "test", agent: { systemPrompt: "Draft: greet Ada about order 42." } });

    // Listed and shown like any other session, under its own channel.
    expect((await call("GET", `/v1/sessions/${sessionId}`, { token: w.owner.token })).body).toMatchObject({ channel: "test", agentVersion: null });
    const listed = await call("GET", `/v1/spaces/${w.spaceId}/sessions?channel=test`, { token: w.owner.token });
    expect(listed.body.data?.map((s) => s["id"])).toEqual([sessionId]);
  });

  it("leaves the API's and the public endpoint's sessions on the published version", async () => {
    const w = await makeWorld();
    await publish(w);
    await editPrompt(w, "Draft prompt for {{customer_name}} and {{order_id}}.");
    const api = await dispatched(w, { variables });
    const apiConfig = await runtimeCall("GET", `/sessions/${api.sessionId}/config`);
    expect(apiConfig.body).toMatchObject({ agentVersion: 1, draftVersion: null, channel: "api", agent: { systemPrompt: "Help Ada with order 42." } });

    const pub = await call("POST", `/public/agents/${w.agentId}/sessions`, { json: { variables: { customer_name: "Ada", order_id: "42" } } });
    expect(pub.status).toBe(201);
    expect(pub.body["agentVersion"]).toBe(1);
    const pubConfig = await runtimeCall("GET", `/sessions/${String(pub.body["sessionId"])}/config`);
    expect(pubConfig.body).toMatchObject({ agentVersion: 1, channel: "widget", agent: { systemPrompt: "Help Ada with order 42." } });
  });

  it("tests an agent never published, and accepts an API key of the space", async () => {
    const w = await makeWorld();
    const res = await startTest(w, w.apiKey, { variables: { order_id: 7 }, language: "en-US" });
    expect(res.status).toBe(201);
    const [row] = await withDb((db) => db.select().from(sessions).where(eq(sessions.id, String(res.body["sessionId"]))));
    expect(row).toMatchObject({ channel: "test", agentVersion: null, draftVersion: 1, variables: { customer_name: "there", order_id: 7 }, caller: "API key ci" });
  });

  it("types variables from JSON by the draft's schema and refuses a language the draft does not speak", async () => {
    const w = await makeWorld();
    const asText = await startTest(w, w.member.token, { variables: { order_id: "42" } });
    expectProblem(asText, 400, "validation_failed");
    expect(JSON.stringify(asText.body["errors"])).toContain("body.variables.order_id");
    expectProblem(await startTest(w, w.member.token, { variables: {} }), 400, "validation_failed");
    expectProblem(await startTest(w, w.member.token, { variables: { order_id: 1, shoe_size: 44 } }), 400, "validation_failed");
    const language = await startTest(w, w.member.token, { variables, language: "de-DE" });
    expectProblem(language, 400, "validation_failed");
    expect(JSON.stringify(language.body["errors"])).toContain("body.language");
  });

  it("refuses text Postgres cannot store and unknown fields as bad input, never a 500", async () => {
    const w = await makeWorld();
    expectProblem(await startTest(w, w.member.token, { variables: { customer_name: "A\u0000da", order_id: 1 } }), 400, "validation_failed");
    expectProblem(await startTest(w, w.member.token, { variables, channel: { type: "api" } }), 400, "validation_failed");
    const none = await withDb((db) => db.select().from(sessions).where(eq(sessions.agentId, w.agentId)));
    expect(none).toEqual([]);
  });

  it("is documented in /openapi.json, and no public path reaches it", async () => {
    const doc = await call("GET", "/openapi.json");
    const paths = doc.body["paths"] as Record<string, Record<string, { security?: unknown[] }>>;
    expect(paths["/v1/agents/{agentId}/test-sessions"]?.["post"]?.security).toEqual(expect.arrayContaining([expect.anything()]));
    const w = await makeWorld();
    expect((await call("POST", `/public/agents/${w.agentId}/test-sessions`, { json: { variables } })).status).toBe(404);
    // An unpublished agent's draft is never served publicly, whatever the body asks.
    expectProblem(await call("POST", `/public/agents/${w.agentId}/sessions`, { json: { variables: { order_id: "1" } } }), 404, "not_found");
    const sneaky = await call("POST", `/public/agents/${w.agentId}/sessions`, { json: { variables: { order_id: "1" }, channel: "test" } });
    expect(sneaky.status).toBe(400);
  });
});

describe("test sessions' live events", () => {
  it("give the tester turn metrics and tool results, which a viewer of an API session never gets", async () => {
    const w = await makeWorld();
    const test = await startTest(w, w.member.token);
    const sessionId = String(test.body["sessionId"]);
    const member = await subscribe(String(test.body["eventsUrl"]));
    await joined(sessionId, member);
    expect((await postEvent(sessionId, "e1", toolCall({ status: "shipped" }))).body).toEqual({ eventId: "e1", duplicate: false, live: true });
    expect(await member.next()).toMatchObject({ type: "tool.called", toolCallId: "call-1", status: "ok" });
    expect(await member.next()).toMatchObject({ type: "tool.result", toolCallId: "call-1", name: "order_status", arguments: { orderId: 42 }, result: { status: "shipped" }, truncated: false, error: null });
    expect((await postEvent(sessionId, "e2", agentTurn)).body).toEqual({ eventId: "e2", duplicate: false, live: true });
    expect(await member.next()).toMatchObject({ type: "transcript.final", turnId: "t2" });
    expect(await member.next()).toMatchObject({
      type: "turn.metrics",
      turnId: "t2",
      role: "agent",
      metrics: { endOfUtteranceDelayMs: null, sttFinalMs: null, llmTtftMs: 240, toolMs: null, ttsTtfbMs: 95, voiceToVoiceMs: 850 },
    });
    // A redelivery changes nothing, live or stored.
    expect((await postEvent(sessionId, "e2", agentTurn)).body).toEqual({ eventId: "e2", duplicate: true, live: false });

    const api = await dispatched(w, { variables });
    const viewer = await subscribe(api.eventsUrl);
    await joined(api.sessionId, viewer);
    await postEvent(api.sessionId, "e1", toolCall({ status: "shipped" }));
    await postEvent(api.sessionId, "e2", agentTurn);
    expect((await viewer.next())["type"]).toBe("tool.called");
    expect((await viewer.next())["type"]).toBe("transcript.final");
    viewer.ws.send('{"type":"ping"}');
    expect(await viewer.next()).toEqual({ type: "pong" });
  });

  it("cut a tool result longer than the preview and say so", async () => {
    const w = await makeWorld();
    const test = await startTest(w, w.owner.token);
    const sessionId = String(test.body["sessionId"]);
    const member = await subscribe(String(test.body["eventsUrl"]));
    await joined(sessionId, member);
    const big = { items: Array.from({ length: 400 }, (_, i) => ({ sku: `sku-${i}`, qty: i })) };
    expect((await postEvent(sessionId, "big", toolCall(big))).status).toBe(200);
    await member.next();
    const frame = await member.next();
    expect(frame).toMatchObject({ type: "tool.result", truncated: true });
    expect(frame["result"]).toBe(JSON.stringify(big).slice(0, toolResultPreviewMaxChars));
  });

  it("reach a member watching through an events token, not a viewer of the dispatch", async () => {
    const { world: w, sessionId, eventsUrl } = await dispatched();
    const token = await call("POST", `/v1/sessions/${sessionId}/events-token`, { token: w.member.token });
    const member = await subscribe(String(token.body["eventsUrl"]));
    const viewer = await subscribe(eventsUrl);
    await joined(sessionId, member);
    expect(await viewer.next()).toMatchObject({ type: "welcome" });
    await postEvent(sessionId, "e2", agentTurn);
    expect(await member.next()).toMatchObject({ type: "transcript.final" });
    expect(await member.next()).toMatchObject({ type: "turn.metrics", turnId: "t2" });
    // The viewer's welcome came before the runtime joined; its frames after are the public ones.
    expect(await viewer.next()).toMatchObject({ type: "agent.ready" });
    expect(await viewer.next()).toMatchObject({ type: "session.status" });
    expect(await viewer.next()).toMatchObject({ type: "transcript.final" });
    viewer.ws.send('{"type":"ping"}');
    expect(await viewer.next()).toEqual({ type: "pong" });
  });
});

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

securitySuite(
  [
    {
      name: "/v1/agents/{id}/test-sessions",
      method: "POST",
      path: (w) => `/v1/agents/${w.agentId}/test-sessions`,
      foreignPath: (w) => `/v1/agents/${w.otherAgentId}/test-sessions`,
      json: { variables: { order_id: 1 } },
      need: "member",
    },
  ],
  () => world,
);
