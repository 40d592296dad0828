import { describe, expect, it } from "vitest";
import { CreateSpaceBody } from "./spaces.ts";
import { CreateToolBody } from "./tools.ts";
import { DispatchBody } from "./sessions.ts";
import { ObjectJsonSchema } from "./json-schema.ts";
import { RuntimeEventBody } from "./runtime.ts";
import { int4Max, jsonRefusal, jsonValue, maxJsonDepth, rawText, text, toStorable, urlText } from "./text.ts";

const nul = "a\u0000b";
const loneHigh = "a\uD800b";
const loneLow = "\uDC00";

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

describe("text()", () => {
  it("refuses NUL and unpaired surrogates, which Postgres cannot store", () => {
    for (const bad of [nul, loneHigh, loneLow, "\uDBFF\uDBFF\uDC00"]) expect(text().safeParse(bad).success).toBe(false);
  });

  it("accepts any other text, including astral characters made of surrogate pairs", () => {
    for (const good of ["", "plain", "emoji 🎙️", "\u0001\u001f control", "\uD83D\uDE00"]) expect(text().safeParse(good).data).toBe(good);
  });

  it("keeps working under the usual string methods", () => {
    expect(text().trim().min(1).safeParse("  x  ").data).toBe("x");
    expect(text().trim().min(1).safeParse(` ${nul} `).success).toBe(false);
  });

  it("has a raw twin for input its consumer makes storable itself", () => {
    expect(rawText().safeParse(nul).success).toBe(true);
    expect(toStorable(rawText().parse(nul))).toBe("a\uFFFDb");
  });

  it("refuses a URL whose path holds NUL, which the URL parser alone accepts", () => {
    expect(urlText().safeParse("https://example.test/a\u0000b").success).toBe(false);
    expect(urlText().safeParse("https://example.test/ab").success).toBe(true);
  });
});

describe("jsonValue()", () => {
  it("refuses NUL in a string or a key at any depth, naming where", () => {
    expect(jsonRefusal({ a: [1, { b: nul }] })).toEqual({ path: ["a", 1, "b"], message: expect.stringContaining("NUL") });
    expect(jsonRefusal({ a: { [nul]: 1 } })?.path).toEqual(["a", nul]);
    expect(jsonValue().safeParse({ ok: ["x", 1, true, null] }).success).toBe(true);
  });

  it(`refuses nesting deeper than ${maxJsonDepth} levels without overflowing the stack`, () => {
    expect(jsonValue().safeParse(nested(maxJsonDepth)).success).toBe(true);
    expect(jsonValue().safeParse(nested(maxJsonDepth + 1)).success).toBe(false);
    expect(jsonValue().safeParse(nested(200_000)).success).toBe(false);
  });
});

describe("toStorable()", () => {
  it("replaces NUL and unpaired surrogates in strings and keys with U+FFFD, keeping pairs and everything else", () => {
    const value = { text: nul, [`k${nul}`]: [loneHigh, "🎙️", 3, null, true], nested: { deep: loneLow } };
    const out = toStorable(value);
    expect(out).toEqual({ text: "a\uFFFDb", "ka\uFFFDb": ["a\uFFFDb", "🎙️", 3, null, true], nested: { deep: "\uFFFD" } });
    expect(jsonRefusal(out)).toBeNull();
    expect(toStorable({ ok: "fine" })).toEqual({ ok: "fine" });
  });

  it("cuts what nests too deep for the API, so the rest of an event still gets through", () => {
    const out = toStorable({ response: nested(maxJsonDepth * 3) });
    expect(jsonRefusal(out)).toBeNull();
  });
});

describe("API bodies refuse what Postgres cannot store", () => {
  it("a space name with NUL", () => {
    expect(CreateSpaceBody.safeParse({ name: nul }).success).toBe(false);
  });

  it("NUL in a tool's description, header value, header key or secret header", () => {
    const tool = { code: "lookup", description: "Looks up", method: "GET", url: "https://api.example.test/x" };
    expect(CreateToolBody.safeParse(tool).success).toBe(true);
    expect(CreateToolBody.safeParse({ ...tool, description: nul }).success).toBe(false);
    expect(CreateToolBody.safeParse({ ...tool, headers: { "x-a": nul } }).success).toBe(false);
    expect(CreateToolBody.safeParse({ ...tool, secretHeaders: { "x-a": loneHigh } }).success).toBe(false);
  });

  it("NUL anywhere inside a tool's JSON Schema, even under default or examples", () => {
    const schema = (extra: Record<string, unknown>) => ({ type: "object", properties: { q: { type: "string", ...extra } } });
    expect(ObjectJsonSchema.safeParse(schema({ description: "fine" })).success).toBe(true);
    expect(ObjectJsonSchema.safeParse(schema({ description: nul })).success).toBe(false);
    expect(ObjectJsonSchema.safeParse(schema({ default: { deep: [nul] } })).success).toBe(false);
    expect(ObjectJsonSchema.safeParse({ type: "object", properties: { [nul]: { type: "string" } } }).success).toBe(false);
  });

  it("NUL in a dispatch's callerId, variable name or variable value", () => {
    expect(DispatchBody.safeParse({ channel: { type: "web", callerId: nul } }).success).toBe(false);
    expect(DispatchBody.safeParse({ variables: { [nul]: "x" } }).success).toBe(false);
    expect(DispatchBody.safeParse({ variables: { name: nul } }).success).toBe(false);
    expect(DispatchBody.safeParse({ variables: { name: "Ada" } }).success).toBe(true);
  });

  it("NUL in a transcript turn or a tool call's response the runtime reports", () => {
    const turn = { type: "turn", turnId: "t1", role: "user", text: "hello", startedAt: "2026-01-01T00:00:00Z", endedAt: "2026-01-01T00:00:01Z" };
    expect(RuntimeEventBody.safeParse({ eventId: "e1", event: turn }).success).toBe(true);
    expect(RuntimeEventBody.safeParse({ eventId: "e1", event: { ...turn, text: nul } }).success).toBe(false);
    const call = { type: "tool.call", toolCallId: "c1", name: "lookup", request: {}, status: "ok", latencyMs: 5, response: { body: [nul] } };
    expect(RuntimeEventBody.safeParse({ eventId: "e2", event: call }).success).toBe(false);
    expect(RuntimeEventBody.safeParse({ eventId: "e2", event: { ...call, response: { body: ["ok"] } } }).success).toBe(true);
  });

  it("a token count beyond the int4 column it is stored in", () => {
    expect(int4Max).toBe(2 ** 31 - 1);
    const completed = (prompt: number) => ({ eventId: "e3", event: { type: "completed", tokenUsage: { prompt, completion: 1 }, durationMs: 10 } });
    expect(RuntimeEventBody.safeParse(completed(int4Max)).success).toBe(true);
    expect(RuntimeEventBody.safeParse(completed(int4Max + 1)).success).toBe(false);
  });
});
