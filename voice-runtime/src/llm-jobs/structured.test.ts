// Structured one-shot jobs through the real LiveKit OpenAI plugin against the local
// OpenAI-compatible test server: the forced tool call, its schema check and retries, plain text.
import * as openai from "@livekit/agents-plugin-openai";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OpenAICompatibleServer } from "../../test/openai-compatible-server.ts";
import { complete, forcedToolCall, StructuredAnswerError } from "./structured.ts";

let server: OpenAICompatibleServer;
beforeEach(async () => {
  server = await OpenAICompatibleServer.start();
});
afterEach(async () => {
  await server.close();
});

const model = () => new openai.LLM({ model: "gpt-4.1-mini", baseURL: `${server.url}/v1`, apiKey: "test-key" });
const verdict = {
  name: "verdict",
  description: "Your verdict",
  parameters: { type: "object", properties: { passed: { type: "boolean" }, reason: { type: "string" } }, required: ["passed", "reason"], additionalProperties: false },
};
const job = { system: "You judge conversations.", user: "Did the agent greet the caller?", tool: verdict };
const bodies = () => server.requestsTo("/v1/chat/completions").map((r) => r.body as Record<string, unknown>);

describe("a forced tool call", () => {
  it("forces the one tool and returns its arguments", async () => {
    server.enqueueCompletion({ toolCalls: [{ name: "verdict", arguments: { passed: true, reason: "It said hello." } }] });
    const answer = await forcedToolCall(model(), job);
    expect(answer.args).toEqual({ passed: true, reason: "It said hello." });
    expect(answer.attempts).toBe(1);
    const [body] = bodies();
    expect(body?.["tool_choice"]).toEqual({ type: "function", function: { name: "verdict" } });
    expect(JSON.stringify(body?.["messages"])).toContain("Did the agent greet the caller?");
  });

  it("asks again, saying what was wrong, when the arguments break the schema", async () => {
    server.enqueueCompletion({ toolCalls: [{ name: "verdict", arguments: { passed: "yes" } }] }, { toolCalls: [{ name: "verdict", arguments: { passed: false, reason: "No greeting." } }] });
    const answer = await forcedToolCall(model(), job);
    expect(answer).toMatchObject({ args: { passed: false, reason: "No greeting." }, attempts: 2 });
    expect(JSON.stringify(bodies()[1]?.["messages"])).toContain("previous answer was not usable");
  });

  it("gives up with the last problem after its retries", async () => {
    server.enqueueCompletion({ text: "I think it passed." }, { text: "Passed." });
    const err = await forcedToolCall(model(), { ...job, retries: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StructuredAnswerError);
    expect((err as StructuredAnswerError).attempts).toBe(2);
    expect((err as Error).message).toContain("called no tool");
  });
});

describe("a plain completion", () => {
  it("returns the model's text", async () => {
    server.enqueueCompletion({ text: "  Hi, I'd like to check my order.  " });
    expect((await complete(model(), { system: "You are a caller.", user: "Say your first line." })).text).toBe("Hi, I'd like to check my order.");
  });
});
