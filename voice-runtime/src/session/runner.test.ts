// The session runner in text mode (the library's harness: `session.run({ userInput })`), with the
// offline scripted LLM, a real webhook API on 127.0.0.1 and a stand-in runtime API that checks
// every report against the contracts.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuntimeEvent, RuntimeTool } from "@speaknode/contracts";
import { RuntimeApi } from "../api/client.ts";
import { EventSpool } from "../api/event-spool.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { billingAgentId, runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { textCall } from "../../test/fake-call.ts";
import { startSession, type CallIo, type RunnerDeps, type RunningSession, type SessionOutcome } from "./runner.ts";

let api: FakeRuntimeApi;
let shop: Server;
let shopUrl: string;
const shopRequests: string[] = [];
const created: { kind: "stt" | "tts"; language: string }[] = [];

beforeAll(async () => {
  api = await startFakeRuntimeApi();
  shop = createServer((req, res) => {
    shopRequests.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ orderId: "42", status: "shipped" }));
  });
  await new Promise<void>((r) => shop.listen(0, "127.0.0.1", r));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await api.close();
  await new Promise<void>((r) => shop.close(() => r()));
});

function deps(): RunnerDeps {
  const providers = new ProviderRegistry(
    { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
    {
      stt: { fake: (_choice, language) => (created.push({ kind: "stt", language }), new FixedLatencySTT({ latencyMs: 0, transcripts: [], language })) },
      tts: { fake: (locale) => (created.push({ kind: "tts", language: locale.language }), new FixedLatencyTTS({ ttfbMs: 0 })) },
    },
  );
  return {
    api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "runner-test", attempts: 2, retryBaseMs: 10 }),
    providers,
    guard: createHttpGuard({ allowPrivateHosts: ["127.0.0.1"] }),
    heartbeatIntervalMs: 100,
    maxResponseChars: 8000,
    recording: { enabled: false, dir: undefined },
  };
}


async function started(io: CallIo): Promise<RunningSession> {
  const result = await startSession(io, deps());
  if (!("session" in result)) throw new Error(`the session did not start: ${result.reason}`);
  return result;
}

const checkOrder: RuntimeTool = {
  type: "webhook",
  id: "tol_00000000000000000000000001",
  code: "check_order",
  description: "Check the status of an order",
  method: "GET",
  url: "",
  headersSchema: null,
  bodySchema: { type: "object", properties: { orderId: { type: "string", description: "The order number" } }, required: ["orderId"] },
  headers: {},
  secretHeaders: {},
  secretOrigin: null,
  timeoutMs: 2000,
  preToolSpeech: "Let me check that.",
  progressSpeech: null,
  transferRules: [],
  parameterLocations: null,
  bodyEncoding: "json",
  parameterStyles: {},
  secretQuery: {},
};

const types = (events: RuntimeEvent[]) => events.map((e) => e.type).filter((t) => t !== "heartbeat" && t !== "transcript.partial");
const turns = (events: RuntimeEvent[]) => events.flatMap((e) => (e.type === "turn" ? [[e.role, e.text] as const] : []));

describe("the session runner", () => {
  it("reports ready, greets, runs a webhook tool, records the turns and completes when the caller hangs up", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted", tools: [{ ...checkOrder, url: `${shopUrl}/orders/{orderId}` }] }));
    const call = textCall(sid);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "Please check order 42" }).wait();
    call.hangUp({ reason: "caller hung up", failed: false });
    const result: SessionOutcome = await outcome;

    expect(result).toMatchObject({ status: "completed", reason: "caller_hung_up" });
    expect(shopRequests).toContain("/orders/42");
    const events = api.eventsOf(sid);
    expect(types(events)[0]).toBe("agent.ready");
    expect(types(events).at(-1)).toBe("completed");
    // The greeting starts as soon as the session does, before the caller's first words.
    expect(turns(events)[0]).toEqual(["agent", "Hello Ada!"]);
    expect(turns(events).find(([role]) => role === "user")).toEqual(["user", "Please check order 42"]);
    expect(turns(events).some(([role, text]) => role === "agent" && /shipped/i.test(text))).toBe(true);
    const toolCall = events.find((e) => e.type === "tool.call");
    expect(toolCall).toMatchObject({ name: "check_order", request: { orderId: "42" }, status: "ok", response: expect.anything() });
    const completed = events.at(-1);
    expect(completed).toMatchObject({ type: "completed", endReason: "caller_hung_up", audioAvailable: false });
    if (completed?.type !== "completed") throw new Error("not completed");
    expect(completed.tokenUsage.prompt).toBeGreaterThan(0);
    expect(events.some((e) => e.type === "heartbeat")).toBe(true);
  });

  it("hangs up after the farewell when the LLM calls end_call", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted", tools: [{ type: "system", name: "end_call", description: "End the call.", targets: [], destinations: [] }] }));
    const call = textCall(sid);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "That's all, goodbye" }).wait();
    const result = await outcome;
    expect(result).toMatchObject({ status: "completed", reason: "agent_ended_call" });
    expect(call.closedWith).toEqual(["the agent ended the call"]);
    const events = api.eventsOf(sid);
    expect(events.find((e) => e.type === "tool.call")).toMatchObject({ name: "end_call", status: "ok" });
    expect(events.at(-1)).toMatchObject({ type: "completed", endReason: "agent_ended_call" });
  });

  it("says a closing line and ends the session when the conversation's token limit is reached", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted", maxTokens: 100, prompt: "You are the receptionist of a very busy shop. ".repeat(20) }));
    const call = textCall(sid);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "Hello there" }).wait();
    const result = await outcome;
    expect(result).toMatchObject({ status: "completed", reason: "token_limit" });
    const events = api.eventsOf(sid);
    expect(turns(events).some(([role, text]) => role === "agent" && text.includes("reached its limit"))).toBe(true);
    const completed = events.at(-1);
    expect(completed).toMatchObject({ type: "completed", endReason: "token_limit" });
    if (completed?.type !== "completed") throw new Error("not completed");
    expect(completed.tokenUsage.prompt + completed.tokenUsage.completion).toBeGreaterThanOrEqual(100);
  });

  it("hands the conversation to another agent, which greets with its own first message", async () => {
    const sid = newSessionId();
    const config = runtimeConfig({
      sessionId: sid,
      llm: "scripted",
      tools: [{ type: "system", name: "transfer_to_agent", description: "Hand over.", targets: [{ agentId: billingAgentId, name: "Billing", when: "the caller asks about invoices" }], destinations: [] }],
    });
    api.sessions.set(sid, { ...config, transferTargets: [{ agentId: billingAgentId, name: "Billing", published: true }] });
    api.agents.set(
      billingAgentId,
      runtimeConfig({
        sessionId: sid,
        agentId: billingAgentId,
        llm: "scripted",
        name: "Billing",
        prompt: "You handle invoices.",
        locales: [{ language: "en-US", firstMessage: "Billing here, how can I help with your invoice?", tts: { provider: "fake", model: "fake", voice: "v2", params: {} }, speed: 1.2, background: { sound: "office", volume: 0.1 } }],
      }),
    );
    const call = textCall(sid);
    const { session, outcome } = await started(call.io);
    await session.run({ userInput: "Please transfer me to billing" }).wait();
    const transferred = await api.waitFor(sid, "agent.transferred", 5000);
    expect(transferred).toMatchObject({ fromAgentId: "agt_00000000000000000000000001", toAgentId: billingAgentId, language: "en-US" });
    await expect.poll(() => turns(api.eventsOf(sid)).some(([, text]) => text.startsWith("Billing here")), { timeout: 5000 }).toBe(true);
    // The new agent's locale brings its background.
    expect(call.backgrounds.at(-1)).toEqual({ sound: "office", volume: 0.1 });
    call.hangUp({ reason: "caller hung up", failed: false });
    expect(await outcome).toMatchObject({ status: "completed" });
  });

  it("switches speech recognition and voice to another of the agent's languages", async () => {
    const sid = newSessionId();
    const fakeTts = { provider: "fake", model: "fake", voice: "v1", params: {} };
    api.sessions.set(
      sid,
      runtimeConfig({
        sessionId: sid,
        llm: "scripted",
        tools: [{ type: "system", name: "switch_language", description: "Switch language.", targets: [], destinations: [] }],
        locales: [
          { language: "en-US", firstMessage: "Hello!", tts: fakeTts, speed: 1, background: { sound: "none", volume: 0.2 } },
          { language: "es-ES", firstMessage: "¡Hola!", tts: fakeTts, speed: 1, background: { sound: "cafe", volume: 0.3 } },
        ],
      }),
    );
    const call = textCall(sid);
    const { session, outcome } = await started(call.io);
    const before = created.length;
    await session.run({ userInput: "Can you speak Spanish please" }).wait();
    await expect.poll(() => created.slice(before), { timeout: 5000 }).toEqual(expect.arrayContaining([{ kind: "stt", language: "es-ES" }, { kind: "tts", language: "es-ES" }]));
    await expect.poll(() => api.eventsOf(sid).find((e) => e.type === "tool.call"), { timeout: 5000 }).toMatchObject({ name: "switch_language", request: { language: "es-ES" }, status: "ok" });
    expect(call.backgrounds.at(-1)).toEqual({ sound: "cafe", volume: 0.3 });
    await session.run({ userInput: "hola" }).wait();
    const lastUserTurn = () => api.eventsOf(sid).filter((e) => e.type === "turn" && e.role === "user").at(-1);
    await expect.poll(lastUserTurn, { timeout: 5000 }).toMatchObject({ text: "hola", language: "es-ES" });
    call.hangUp({ reason: "caller hung up", failed: false });
    await outcome;
  });

  it("keeps what is said while the runtime API is down and reports it, in order and before the end, once the API is back", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted" }));
    const spoolDir = await mkdtemp(join(tmpdir(), "speaknode-runner-events-"));
    const withSpool = deps();
    withSpool.events = new EventSpool({ dir: spoolDir, api: withSpool.api, retryBaseMs: 20, retryMaxMs: 100 });
    const call = textCall(sid);
    const result = await startSession(call.io, withSpool);
    if (!("session" in result)) throw new Error(`the session did not start: ${result.reason}`);
    try {
      api.refuseEvents = 503;
      await result.session.run({ userInput: "Please check order 42" }).wait();
      call.hangUp({ reason: "caller hung up", failed: false });
      await new Promise((r) => setTimeout(r, 300));
      expect(turns(api.eventsOf(sid))).toEqual([]);
    } finally {
      api.refuseEvents = undefined;
    }
    expect(await result.outcome).toMatchObject({ status: "completed" });
    const events = api.eventsOf(sid);
    expect(turns(events).find(([role]) => role === "user")).toEqual(["user", "Please check order 42"]);
    expect(turns(events).filter(([role]) => role === "agent").length).toBeGreaterThan(1);
    expect(types(events).at(-1)).toBe("completed");
    await expect.poll(() => readdir(spoolDir)).toEqual([]);
    await rm(spoolDir, { recursive: true, force: true });
  });

  it("fails the session when the media connection is lost", async () => {
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted" }));
    const call = textCall(sid);
    const { outcome } = await started(call.io);
    call.hangUp({ reason: "media connection lost", failed: true });
    expect(await outcome).toMatchObject({ status: "failed", reason: "media_lost" });
    expect(api.eventsOf(sid).at(-1)).toMatchObject({ type: "error", code: "media_lost", stage: "media", fatal: true });
  });

  it("closes the call without reporting when its session is unknown", async () => {
    const call = textCall(newSessionId());
    const result = await startSession(call.io, deps());
    expect(result).toMatchObject({ status: "failed", reason: "config_unavailable" });
    expect(call.closedWith).toEqual(["configuration unavailable"]);
  });
});
