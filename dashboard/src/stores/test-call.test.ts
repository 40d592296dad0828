// The "Talk to agent" panel's logic without a DOM: which version a test call uses, the variable
// form typed by the published schema, the widget's state events and the test token request.
import { describe, expect, it } from "vitest";
import { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { createApi } from "../api/client.ts";
import { fakeFetch, ids, json } from "../test-support.ts";
import { enumOptions, inCall, initialVariableInputs, issueTestToken, loaderUrl, readWidgetState, savedDiffers, testCallNotice, typedVariables } from "./test-call.ts";

const schema: VariablesSchema = {
  type: "object",
  properties: {
    customer: { type: "string" },
    age: { type: "integer", default: 30 },
    score: { type: "number", nullable: true, default: null },
    vip: { type: "boolean", default: false },
    note: { type: "string", nullable: true },
  },
  required: ["customer"],
};

describe("testCallNotice", () => {
  it("asks to publish first when the agent is not published", () => {
    expect(testCallNotice({ published: false, publishedVersion: null }, false, null)).toEqual({ kind: "unpublished" });
    expect(testCallNotice({ published: false, publishedVersion: 2 }, true, true)).toEqual({ kind: "unpublished" });
  });

  it("says the call uses the published version, and why the draft is not what is tested", () => {
    expect(testCallNotice({ published: true, publishedVersion: 3 }, true, false)).toEqual({ kind: "published", version: 3, differs: "unsaved" });
    expect(testCallNotice({ published: true, publishedVersion: 3 }, false, true)).toEqual({ kind: "published", version: 3, differs: "draft" });
    expect(testCallNotice({ published: true, publishedVersion: 3 }, false, false)).toEqual({ kind: "published", version: 3, differs: null });
    // Not known yet (the snapshot is loading): no claim either way.
    expect(testCallNotice({ published: true, publishedVersion: 3 }, false, null)).toEqual({ kind: "published", version: 3, differs: null });
  });

  it("compares the saved configuration with the published snapshot", () => {
    const config = AgentConfig.parse({
      name: "A",
      llm: { provider: "scripted", model: "echo" },
      stt: { provider: "pocketsphinx", model: "en-us" },
      defaultLanguage: "en",
      locales: [{ language: "en", tts: { provider: "flite", model: "kal", voice: "kal" } }],
    });
    expect(savedDiffers(config, null)).toBe(null);
    expect(savedDiffers(config, structuredClone(config))).toBe(false);
    expect(savedDiffers(config, { ...config, temperature: 0.1 })).toBe(true);
  });
});

describe("the variable form", () => {
  it("starts from each variable's default, a null default as null", () => {
    expect(initialVariableInputs(schema)).toEqual({
      customer: { text: "", isNull: false },
      age: { text: "30", isNull: false },
      score: { text: "", isNull: true },
      vip: { text: "false", isNull: false },
      note: { text: "", isNull: false },
    });
  });

  it("types the values by the schema and leaves empty fields out, so the API applies the defaults", () => {
    const inputs = { ...initialVariableInputs(schema), customer: { text: "Ada", isNull: false }, age: { text: "", isNull: false } };
    expect(typedVariables(schema, inputs)).toEqual({ values: { customer: "Ada", score: null, vip: false }, errors: {} });
  });

  it("reports a missing required value, a value of the wrong type and a null where none is allowed", () => {
    const inputs = { ...initialVariableInputs(schema), age: { text: "4.5", isNull: false }, vip: { text: "", isNull: true } };
    const { errors } = typedVariables(schema, inputs);
    expect(errors["customer"]).toBe("is required");
    expect(errors["age"]).toMatch(/integer/);
    expect(errors["vip"]).toBe("may not be null");
    expect(Object.keys(errors)).toEqual(["customer", "age", "vip"]);
  });

  it("sends null for a nullable variable marked null", () => {
    const inputs = { ...initialVariableInputs(schema), customer: { text: "Ada", isNull: false }, note: { text: "ignored", isNull: true } };
    expect(typedVariables(schema, inputs).values["note"]).toBe(null);
  });

  it("honours an enum on a variable's spec", () => {
    const spec = { type: "string", enum: ["basic", "pro"] } as VariablesSchema["properties"][string];
    const withEnum: VariablesSchema = { type: "object", properties: { plan: spec }, required: [] };
    expect(enumOptions(spec)).toEqual(["basic", "pro"]);
    expect(enumOptions({ type: "string" })).toBe(null);
    expect(typedVariables(withEnum, { plan: { text: "pro", isNull: false } })).toEqual({ values: { plan: "pro" }, errors: {} });
    expect(typedVariables(withEnum, { plan: { text: "gold", isNull: false } }).errors["plan"]).toBe('must be one of "basic", "pro"');
  });
});

describe("the widget", () => {
  it("reads the speaknode-state event's detail, and a session id when the widget sends one", () => {
    expect(readWidgetState({ state: "idle" })).toEqual({ state: "idle" });
    expect(readWidgetState({ state: "error", error: "mic_denied", message: "No microphone" })).toEqual({ state: "error", error: "mic_denied", message: "No microphone" });
    expect(readWidgetState({ state: "listening", sessionId: "sess_1", eventsUrl: "wss://x/events" })?.sessionId).toBe("sess_1");
    expect(readWidgetState(null)).toBe(null);
    expect(readWidgetState({ status: "idle" })).toBe(null);
  });

  it("counts connecting, listening, thinking and speaking as a call under way", () => {
    expect(["connecting", "listening", "thinking", "speaking"].every(inCall)).toBe(true);
    expect(["idle", "ended", "error", "loading", null].some(inCall)).toBe(false);
  });

  it("loads the loader from the API's origin, or this origin when the API is here", () => {
    expect(loaderUrl("")).toBe("/speaknode-widget-loader.js");
    expect(loaderUrl("https://api.example/")).toBe("https://api.example/speaknode-widget-loader.js");
  });

  it("asks the API for a short-lived agent token for the agent", async () => {
    const agentId = ids.agent();
    const fetch = fakeFetch(() => json({ token: "tok", expiresAt: "2026-11-01T10:30:00.000Z" }, 201));
    const api = createApi({ base: "", fetch, accessToken: async () => "t", refresh: async () => false, onUnauthorized: () => {} });
    expect(await issueTestToken(api, agentId)).toBe("tok");
    expect(fetch.requests[0]?.method).toBe("POST");
    expect(fetch.requests[0]?.url).toBe(`/v1/agents/${agentId}/agent-tokens`);
    expect(JSON.parse(fetch.requests[0]?.body ?? "{}")).toEqual({ name: "Talk to agent (dashboard)", ttlS: 1800 });
  });
});
