// What the runtime reports may hold text Postgres cannot store: a transcript or a customer's
// webhook answer with NUL or a broken surrogate. The API refuses such text (400), which would lose
// the event; the client sends U+FFFD in its place instead.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { RuntimeApi } from "./client.ts";

const sessionId = newSessionId();
let api: FakeRuntimeApi;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  api.sessions.set(sessionId, runtimeConfig({ sessionId }));
});

afterAll(async () => {
  await api?.close();
});

describe("RuntimeApi.postEvent", () => {
  it("delivers a turn and a tool call holding NUL and unpaired surrogates, with U+FFFD in their place", async () => {
    const client = new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "test", retryBaseMs: 1 });
    const at = new Date().toISOString();
    await client.postEvent(sessionId, "t1", { type: "turn", turnId: "t1", role: "user", text: "order\u0000 42\uD800", startedAt: at, endedAt: at, interrupted: false, metrics: {} });
    await client.postEvent(sessionId, "c1", { type: "tool.call", toolCallId: "c1", name: "lookup", request: { ["q\u0000"]: 1 }, response: { body: ["\uDC00ok"] }, status: "ok", latencyMs: 5 });
    expect(api.eventsOf(sessionId)).toMatchObject([
      { type: "turn", text: "order\uFFFD 42\uFFFD" },
      { type: "tool.call", request: { "q\uFFFD": 1 }, response: { body: ["\uFFFDok"] } },
    ]);
  });
});
