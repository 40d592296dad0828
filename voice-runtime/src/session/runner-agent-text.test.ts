// The session runner in text mode (as in runner.test.ts) with the agent text tap installed: the
// agent's words reach the runtime API as interim text of its turn before that turn is final.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeEvent } from "@speaknode/contracts";
import { RuntimeApi } from "../api/client.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { textCall } from "../../test/fake-call.ts";
import { startSession, type CallIo, type RunnerDeps } from "./runner.ts";

let api: FakeRuntimeApi;

beforeAll(async () => {
  api = await startFakeRuntimeApi();
});

afterAll(async () => {
  await api.close();
});

function deps(): RunnerDeps {
  const providers = new ProviderRegistry(
    { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
    {
      stt: { fake: (_choice, language) => new FixedLatencySTT({ latencyMs: 0, transcripts: [], language }) },
      tts: { fake: () => new FixedLatencyTTS({ ttfbMs: 0 }) },
    },
  );
  return {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "runner-agent-text-test", attempts: 2, retryBaseMs: 10 }),
    providers,
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 1000,
    maxResponseChars: 8000,
    recording: { enabled: false, dir: undefined },
  };
}


/** Where the agent's partials and final turn for `turnId` sit among the reported events. */
function agentTurn(events: RuntimeEvent[], turnId: string) {
  const final = events.findIndex((e) => e.type === "turn" && e.turnId === turnId);
  const partials = events.flatMap((e, i) => (e.type === "transcript.partial" && e.turnId === turnId ? [{ i, role: e.role, text: e.text }] : []));
  return { final, finalEvent: events[final], partials };
}

describe("the session runner's live agent text", () => {
  it("reports the greeting and each reply as the agent's interim text before its final turn, never after", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted" }));
    const call = textCall(sid);
    const started = await startSession(call.io, deps());
    if (!("session" in started)) throw new Error(`the session did not start: ${started.reason}`);
    await expect.poll(() => agentTurn(api.eventsOf(sid), "a1").final, { timeout: 5000 }).toBeGreaterThanOrEqual(0);

    const greeting = agentTurn(api.eventsOf(sid), "a1");
    expect(greeting.finalEvent).toMatchObject({ type: "turn", role: "agent", text: "Hello Ada!" });
    expect(greeting.partials.length).toBeGreaterThan(0);
    expect(greeting.partials.every((p) => p.role === "agent" && p.i < greeting.final)).toBe(true);
    expect(greeting.partials.at(-1)?.text).toBe("Hello Ada!");

    await started.session.run({ userInput: "Please check order 42" }).wait();
    await expect.poll(() => agentTurn(api.eventsOf(sid), "a2").final, { timeout: 5000 }).toBeGreaterThanOrEqual(0);
    const reply = agentTurn(api.eventsOf(sid), "a2");
    expect(reply.partials.length).toBeGreaterThan(0);
    expect(reply.partials.every((p) => p.role === "agent" && p.i < reply.final)).toBe(true);
    if (reply.finalEvent?.type !== "turn") throw new Error("no final reply");
    expect(reply.partials.at(-1)?.text).toBe(reply.finalEvent.text);

    call.hangUp({ reason: "caller hung up", failed: false });
    expect(await started.outcome).toMatchObject({ status: "completed" });
    const events = api.eventsOf(sid);
    const agentPartials = events.flatMap((e, i) => (e.type === "transcript.partial" && e.role === "agent" ? [{ i, turnId: e.turnId }] : []));
    expect(agentPartials.map((p) => p.turnId)).toEqual(expect.arrayContaining(["a1", "a2"]));
    expect(agentPartials.every((p) => p.turnId.startsWith("a") && p.i < agentTurn(events, p.turnId).final)).toBe(true);
  });
});
