// The real LiveKit OpenAI plugin against the local OpenAI-compatible test server: what the
// runtime's "openai-compatible" providers send and how they take the answers. The LLM uses
// streamed chat completions; STT is tested on its REST path (`useRealtime: false`, whisper-style
// /audio/transcriptions) because its default realtime path is a websocket; TTS is REST only.
import { llm, voice } from "@livekit/agents";
import type { APIConnectOptions, LLMMetrics } from "@livekit/agents";
import * as openai from "@livekit/agents-plugin-openai";
import { AudioFrame } from "@livekit/rtc-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { OpenAICompatibleServer } from "../../test/openai-compatible-server.ts";
import type { RecordedFile } from "../../test/openai-compatible-server.ts";

let server: OpenAICompatibleServer;
const sessions: voice.AgentSession[] = [];

beforeEach(async () => {
  server = await OpenAICompatibleServer.start();
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()));
  await server.close();
});

const noRetry: APIConnectOptions = { maxRetry: 0, retryIntervalMs: 0, timeoutMs: 5_000 };

function makeLLM() {
  return new openai.LLM({ model: "gpt-4.1-mini", baseURL: `${server.url}/v1`, apiKey: "test-key", temperature: 0.3 });
}

async function runTurn(model: llm.LLM, userInput: string, tools: llm.ToolContextLike = {}) {
  const session = new voice.AgentSession({ llm: model, connOptions: { llmConnOptions: noRetry } });
  sessions.push(session);
  await session.start({ agent: new voice.Agent({ instructions: "You are a test agent.", tools }) });
  return { session, events: (await session.run({ userInput }).wait()).events };
}

const completionBodies = () => server.requestsTo("/v1/chat/completions").map((r) => r.body as Record<string, unknown>);

describe("the OpenAI plugin against an OpenAI-compatible server", () => {
  it("streams a plain answer with the key, temperature and usage", async () => {
    server.enqueueCompletion({ text: "Hello from the test model, streamed in pieces.", chunkSize: 5, usage: { promptTokens: 21, completionTokens: 9 } });
    const model = makeLLM();
    const metrics: LLMMetrics[] = [];
    model.on("metrics_collected", (m) => metrics.push(m));
    const { events } = await runTurn(model, "Say hello");
    const messages = events.flatMap((e) => (e.type === "message" && e.item.role === "assistant" ? [e.item.textContent] : []));
    expect(messages).toEqual(["Hello from the test model, streamed in pieces."]);

    const [request] = server.requestsTo("/v1/chat/completions");
    expect(request?.headers["authorization"]).toBe("Bearer test-key");
    expect(request?.body).toMatchObject({
      model: "gpt-4.1-mini",
      temperature: 0.3,
      stream: true,
      stream_options: { include_usage: true },
      messages: [
        { role: "system", content: "You are a test agent." },
        { role: "user", content: "Say hello" },
      ],
    });
    expect(metrics.map((m) => [m.promptTokens, m.completionTokens, m.totalTokens])).toEqual([[21, 9, 30]]);
  });

  it("runs a tool call whose arguments arrive split across chunks, then answers from its result", async () => {
    const executed: unknown[] = [];
    const checkOrder = llm.tool({
      description: "Look up the status of an order",
      parameters: z.object({ orderId: z.string().describe("The order number"), verbose: z.boolean().optional() }),
      execute: async (args) => {
        executed.push(args);
        return { orderId: args.orderId, status: "shipped" };
      },
    });
    server.enqueueCompletion(
      { toolCalls: [{ id: "call_abc", name: "check_order", arguments: { orderId: "42" } }], argumentChunks: 4 },
      { text: "Order 42 has shipped." },
    );
    const { events } = await runTurn(makeLLM(), "Where is order 42?", { check_order: checkOrder });

    expect(executed).toEqual([{ orderId: "42" }]);
    expect(events.map((e) => e.type)).toEqual(["function_call", "function_call_output", "message"]);
    expect(events[2]?.type === "message" && events[2].item.textContent).toBe("Order 42 has shipped.");

    const [first, second] = completionBodies();
    expect(first?.["tools"]).toEqual([
      {
        type: "function",
        function: {
          name: "check_order",
          description: "Look up the status of an order",
          parameters: expect.objectContaining({
            type: "object",
            properties: { orderId: { type: "string", description: "The order number" }, verbose: { type: "boolean" } },
            required: ["orderId"],
          }),
        },
      },
    ]);
    // The follow-up completion carries the call and its result back to the model.
    expect(second?.["messages"]).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: "assistant", tool_calls: [expect.objectContaining({ id: "call_abc", function: { name: "check_order", arguments: '{"orderId":"42"}' } })] }),
        { role: "tool", tool_call_id: "call_abc", content: JSON.stringify({ orderId: "42", status: "shipped" }) },
      ]),
    );
  });

  it("splits a tool call's arguments across several deltas on the wire", async () => {
    server.enqueueCompletion({ toolCalls: [{ name: "check_order", arguments: '{"orderId":"42"}' }], argumentChunks: 3 });
    const res = await fetch(`${server.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ stream: true }) });
    const lines = (await res.text()).split("\n\n").filter(Boolean);
    const deltas = lines.slice(0, -1).map((l) => JSON.parse(l.slice("data: ".length)) as { choices: { delta: { tool_calls?: { function: { arguments: string } }[] }; finish_reason: string | null }[] });
    const pieces = deltas.flatMap((d) => d.choices.flatMap((c) => c.delta.tool_calls?.map((t) => t.function.arguments) ?? [])).filter(Boolean);
    expect(pieces.length).toBe(3);
    expect(pieces.join("")).toBe('{"orderId":"42"}');
    expect(deltas.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(lines.at(-1)).toBe("data: [DONE]");
  });

  it("surfaces an HTTP 500 as an error event, not a crash, and retries when allowed", async () => {
    const model = makeLLM();
    const errors: Parameters<llm.LLMCallbacks["error"]>[0][] = [];
    model.on("error", (e) => errors.push(e));
    const chatCtx = llm.ChatContext.empty();
    chatCtx.addMessage({ role: "user", content: "hi" });

    server.enqueueCompletion({ error: { status: 500, message: "upstream exploded" } });
    const failed = await model.chat({ chatCtx, connOptions: noRetry }).collect();
    expect(failed.text).toBe("");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: "llm_error", recoverable: false, error: { statusCode: 500 } });
    expect(errors[0]?.error.message).toContain("upstream exploded");

    server.enqueueCompletion({ error: { status: 500, message: "once" } }, { text: "recovered" });
    const retried = await model.chat({ chatCtx, connOptions: { ...noRetry, maxRetry: 1 } }).collect();
    expect(retried.text).toBe("recovered");
    expect(errors[1]).toMatchObject({ recoverable: true });
  });

  it("reports a failing completion in a session through the session's error event", async () => {
    server.enqueueCompletion({ error: { status: 500, message: "upstream exploded" } });
    const session = new voice.AgentSession({ llm: makeLLM(), connOptions: { llmConnOptions: noRetry } });
    sessions.push(session);
    const errors: unknown[] = [];
    session.on(voice.AgentSessionEventTypes.Error, (ev) => errors.push(ev.error));
    await session.start({ agent: new voice.Agent({ instructions: "You are a test agent." }) });
    await session.run({ userInput: "hi" }).wait().catch(() => undefined);
    expect(errors).toEqual([expect.objectContaining({ type: "llm_error", error: expect.objectContaining({ statusCode: 500 }) })]);
  });

  it("transcribes a WAV through the REST transcriptions endpoint", async () => {
    server.enqueueTranscription({ text: "check order four two" });
    const stt = new openai.STT({ model: "whisper-1", useRealtime: false, language: "en", baseURL: `${server.url}/v1`, apiKey: "test-key" });
    const samples = new Int16Array(1600).map((_, i) => Math.round(Math.sin(i / 5) * 3000));
    const event = await stt.recognize(new AudioFrame(samples, 16_000, 1, 1600));
    expect(event.alternatives?.[0]?.text).toBe("check order four two");

    const [request] = server.requestsTo("/v1/audio/transcriptions");
    expect(request?.headers["authorization"]).toBe("Bearer test-key");
    expect(request?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    const fields = request?.body as Record<string, string | RecordedFile>;
    expect(fields).toMatchObject({ model: "whisper-1", language: "en", response_format: "json" });
    const file = fields["file"] as RecordedFile;
    expect([file.filename, file.contentType]).toEqual(["audio.wav", "audio/wav"]);
    expect(file.bytes.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(file.bytes.readUInt32LE(24)).toBe(16_000);
    expect(file.bytes.length).toBe(44 + 1600 * 2);
  });

  it("synthesizes speech as 24 kHz frames, passing the speed through", async () => {
    const tts = new openai.TTS({ model: "tts-1", voice: "alloy", speed: 1.25, baseURL: `${server.url}/v1`, apiKey: "test-key" });
    const text = "Your order has shipped ok"; // 25 characters: 1000 ms of tone at speed 1, 800 ms at 1.25
    const frames: AudioFrame[] = [];
    for await (const audio of tts.synthesize(text)) frames.push(audio.frame);
    expect(frames.length).toBeGreaterThan(1);
    expect(new Set(frames.map((f) => `${f.sampleRate}/${f.channels}`))).toEqual(new Set(["24000/1"]));
    expect(frames.reduce((sum, f) => sum + f.samplesPerChannel, 0)).toBe(24_000 * 0.8);
    expect(frames.some((f) => f.data.some((s) => s !== 0))).toBe(true);

    const [request] = server.requestsTo("/v1/audio/speech");
    expect(request?.headers["authorization"]).toBe("Bearer test-key");
    expect(request?.body).toMatchObject({ model: "tts-1", voice: "alloy", input: text, response_format: "pcm", speed: 1.25 });
    await tts.close();
  });
});
