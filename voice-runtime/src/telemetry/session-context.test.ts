import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { verifyRuntimeServiceToken } from "@speaknode/tokens";
import { RuntimeApi } from "../api/client.ts";
import { ProviderRegistry } from "../providers/registry.ts";
import { startSession } from "../session/runner.ts";
import { createHttpGuard } from "../tools/http-guard.ts";
import type { CallEnd } from "../transport/types.ts";
import { FixedLatencySTT, FixedLatencyTTS } from "../../test/fake-providers.ts";
import { startFakeRuntimeApi, testTokenSecret, type FakeRuntimeApi } from "../../test/fake-runtime-api.ts";
import { runtimeConfig, sessionId as newSessionId } from "../../test/fixtures.ts";
import { exporterHeaders } from "./exporter-auth.ts";
import { SessionAttributesProcessor, withSessionTelemetry, type SessionTelemetry } from "./session-context.ts";
import { startTracing, type Tracing } from "./tracing.ts";

describe("SessionAttributesProcessor", () => {
  let provider: NodeTracerProvider | undefined;
  afterEach(async () => {
    await provider?.shutdown();
    trace.disable();
    context.disable();
  });

  it("puts the session and agent of the running context on every span, across awaits and agent changes", async () => {
    const exporter = new InMemorySpanExporter();
    provider = new NodeTracerProvider({ spanProcessors: [new SessionAttributesProcessor(), new SimpleSpanProcessor(exporter)] });
    provider.register();
    const tracer = trace.getTracer("test");
    const session: SessionTelemetry = { sessionId: "ses_01jqz8k3m4n5p6q7r8s9t0v1w2", agentId: "agt_a" };
    tracer.startSpan("outside").end();
    await withSessionTelemetry(session, async () => {
      tracer.startSpan("first").end();
      await new Promise((r) => setTimeout(r, 5));
      session.agentId = "agt_b";
      tracer.startSpan("after transfer").end();
    });
    const attrs = Object.fromEntries(exporter.getFinishedSpans().map((s) => [s.name, s.attributes]));
    expect(attrs["outside"]).toEqual({});
    expect(attrs["first"]).toEqual({ "speaknode.session.id": session.sessionId, "speaknode.agent.id": "agt_a" });
    expect(attrs["after transfer"]).toEqual({ "speaknode.session.id": session.sessionId, "speaknode.agent.id": "agt_b" });
  });

  it("takes the ids from the parent span when a span starts outside the session's context", () => {
    const exporter = new InMemorySpanExporter();
    provider = new NodeTracerProvider({ spanProcessors: [new SessionAttributesProcessor(), new SimpleSpanProcessor(exporter)] });
    provider.register();
    const tracer = trace.getTracer("test");
    const parent = withSessionTelemetry({ sessionId: "ses_01jqz8k3m4n5p6q7r8s9t0v1w2", agentId: undefined }, () => tracer.startSpan("parent"));
    // e.g. a callback from native code: no session in the active context, only the parent span
    tracer.startSpan("child", {}, trace.setSpan(context.active(), parent)).end();
    parent.end();
    const child = exporter.getFinishedSpans().find((s) => s.name === "child");
    expect(child?.attributes).toEqual({ "speaknode.session.id": "ses_01jqz8k3m4n5p6q7r8s9t0v1w2" });
  });
});

describe("exporterHeaders", () => {
  it("signs a service token for the Worker's endpoint, reusing it until renewal is due", async () => {
    let nowMs = Date.now();
    const headers = exporterHeaders({ endpoint: "http://127.0.0.1:8787/v1/traces", apiUrl: "http://127.0.0.1:8787", tokenSecret: testTokenSecret, runtimeId: "rt-1", headers: { Authorization: "Basic x", "x-extra": "1" }, nowMs: () => nowMs });
    if (typeof headers !== "function") throw new Error("expected a headers function");
    const first = await headers();
    expect(Object.keys(first).sort()).toEqual(["authorization", "x-extra"]);
    const token = (first["authorization"] ?? "").replace(/^Bearer /, "");
    expect(await verifyRuntimeServiceToken(testTokenSecret, token)).toEqual({ subject: "rt-1", sessionId: undefined });
    expect((await headers())["authorization"]).toBe(first["authorization"]);
    nowMs += 10 * 60_000;
    await new Promise((r) => setTimeout(r, 1100)); // a new iat second, so the token differs
    expect((await headers())["authorization"]).not.toBe(first["authorization"]);
  });

  it("never sends the service token to another endpoint", () => {
    expect(exporterHeaders({ endpoint: "https://collector.example.test/v1/traces", apiUrl: "http://127.0.0.1:8787", tokenSecret: testTokenSecret, runtimeId: "rt-1", headers: { "x-key": "k" } })).toEqual({ "x-key": "k" });
  });
});

describe("a session's trace export", () => {
  let api: FakeRuntimeApi;
  let collector: Server;
  let tracing: Tracing | undefined;
  const received: { authorization: string | undefined; body: { resourceSpans: { scopeSpans: { spans: { name: string; attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] } }[] = [];

  beforeAll(async () => {
    api = await startFakeRuntimeApi();
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as (typeof received)[number]["body"] });
        res.writeHead(200, { "content-type": "application/json" }).end('{"partialSuccess":{}}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  });
  afterAll(async () => {
    await tracing?.shutdown();
    await api.close();
    await new Promise<void>((r) => collector.close(() => r()));
  });

  it("carries the session id on every span, with the runtime's token, flushed when the session ends", async () => {
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    tracing = startTracing({ endpoint: `${url}/v1/traces`, headers: exporterHeaders({ endpoint: `${url}/v1/traces`, apiUrl: url, tokenSecret: testTokenSecret, runtimeId: "rt-1", headers: {} }) });
    const sid = newSessionId();
    api.sessions.set(sid, runtimeConfig({ sessionId: sid, llm: "scripted" }));
    let hangUp!: (end: CallEnd) => void;
    const ended = new Promise<CallEnd>((resolve) => (hangUp = resolve));
    const providers = new ProviderRegistry(
      { openaiApiKey: undefined, openaiBaseUrl: undefined, openrouterApiKey: undefined, llmApiKey: undefined, llmBaseUrl: undefined, deepgramApiKey: undefined, elevenlabsApiKey: undefined, cartesiaApiKey: undefined },
      { stt: { fake: (_c, language) => new FixedLatencySTT({ latencyMs: 0, transcripts: [], language }) }, tts: { fake: () => new FixedLatencyTTS({ ttfbMs: 0 }) } },
    );
    const active = tracing;
    const started = await startSession(
      { sessionId: sid, attach: () => ({}), ended, setBackground: () => {}, close: async () => {} },
      {
        api: new RuntimeApi({ baseUrl: api.url, tokenSecret: testTokenSecret, runtimeId: "rt-1", attempts: 2, retryBaseMs: 10 }),
        providers,
        guard: createHttpGuard({ allowPrivateHosts: [] }),
        heartbeatIntervalMs: 1000,
        maxResponseChars: 8000,
        recording: { enabled: false, dir: undefined },
        telemetry: { flush: () => active.forceFlush() },
      },
    );
    if (!("session" in started)) throw new Error(`not started: ${started.reason}`);
    await started.session.run({ userInput: "hello" }).wait();
    hangUp({ reason: "caller hung up", failed: false });
    await started.outcome;

    // The batch processor would wait 5 s; the runner's flush sends the spans at once.
    const deadline = Date.now() + 3000;
    const names = () => received.flatMap((r) => r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => s.name))));
    while (!names().includes("agent_session") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(names()).toContain("agent_session");
    expect(names()).toContain("llm_request");
    for (const r of received) {
      expect(await verifyRuntimeServiceToken(testTokenSecret, (r.authorization ?? "").replace(/^Bearer /, ""))).toMatchObject({ subject: "rt-1" });
      for (const span of r.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))) {
        const attrs = Object.fromEntries(span.attributes.map((a) => [a.key, a.value.stringValue]));
        expect(attrs, span.name).toMatchObject({ "speaknode.session.id": sid, "speaknode.agent.id": "agt_00000000000000000000000001" });
      }
    }
  });
});
