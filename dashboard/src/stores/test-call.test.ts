// The "Talk to agent" panel's logic without a DOM: the variable form typed by the saved draft's
// schema and the widget's state events (the test session itself: test-session.test.ts).
import { describe, expect, it } from "vitest";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { enumOptions, inCall, initialVariableInputs, loaderUrl, readWidgetState, typedVariables } from "./test-call.ts";

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
  it("reads the speaknode-state event's detail with the session id the widget sends", () => {
    expect(readWidgetState({ state: "idle" })).toEqual({ state: "idle" });
    expect(readWidgetState({ state: "error", error: "mic_denied", message: "No microphone" })).toEqual({ state: "error", error: "mic_denied", message: "No microphone" });
    expect(readWidgetState({ state: "listening", sessionId: "sess_1" })?.sessionId).toBe("sess_1");
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
});
