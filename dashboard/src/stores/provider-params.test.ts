// Provider parameter rows without a DOM: the agent's values before the catalog's inherited
// defaults, typed conversions, and edits that keep the other keys in order.
import { describe, expect, it } from "vitest";
import { addParam, checkParamKey, convertParam, formatParam, paramRows, paramType, parseNumberParam, removeParam, renameParam, setParam } from "./provider-params.ts";

describe("provider params", () => {
  it("lists the agent's own values first, then the catalog defaults it does not override", () => {
    const rows = paramRows({ temperature_boost: true, top_p: 0.5 }, { top_p: 0.9, voice_style: "calm" });
    expect(rows).toEqual([
      { key: "temperature_boost", value: true, inherited: undefined },
      { key: "top_p", value: 0.5, inherited: 0.9 },
      { key: "voice_style", value: undefined, inherited: "calm" },
    ]);
  });

  it("tells each value's type, null included", () => {
    expect([paramType("x"), paramType(1), paramType(false), paramType(null)]).toEqual(["string", "number", "boolean", "null"]);
  });

  it("converts between types keeping what the value means", () => {
    expect(convertParam("0.7", "number")).toBe(0.7);
    expect(convertParam("fast", "number")).toBe(0);
    expect(convertParam(3, "string")).toBe("3");
    expect(convertParam("true", "boolean")).toBe(true);
    expect(convertParam("no", "boolean")).toBe(false);
    expect(convertParam(true, "string")).toBe("true");
    expect(convertParam(null, "string")).toBe("");
    expect(convertParam("x", "null")).toBe(null);
  });

  it("keeps text that is not a number as NaN, so the schema reports it", () => {
    expect(parseNumberParam("1.5")).toBe(1.5);
    expect(parseNumberParam("")).toBeNaN();
    expect(parseNumberParam("abc")).toBeNaN();
  });

  it("sets, renames and removes a key without moving the others", () => {
    const params = { a: 1, b: "x", c: true };
    expect(Object.keys(setParam(params, "b", "y"))).toEqual(["a", "b", "c"]);
    expect(setParam(params, "d", null)).toEqual({ a: 1, b: "x", c: true, d: null });
    expect(Object.entries(renameParam(params, "b", "bb"))).toEqual([["a", 1], ["bb", "x"], ["c", true]]);
    expect(removeParam(params, "a")).toEqual({ b: "x", c: true });
    expect(params).toEqual({ a: 1, b: "x", c: true });
  });

  it("adds an overridden default with the default's value to edit from, and other keys as empty text", () => {
    expect(addParam({}, "speed", { speed: 1.2 })).toEqual({ speed: 1.2 });
    expect(addParam({ a: 1 }, "style", { speed: 1.2 })).toEqual({ a: 1, style: "" });
  });

  it("refuses empty, too long and duplicate names, but not a row's own name", () => {
    const params = { top_p: 1 };
    expect(checkParamKey(params, "")).toEqual({ ok: false, message: "needs a name" });
    expect(checkParamKey(params, "x".repeat(65)).ok).toBe(false);
    expect(checkParamKey(params, "top_p")).toEqual({ ok: false, message: '"top_p" is already set' });
    expect(checkParamKey(params, "top_p", "top_p")).toEqual({ ok: true });
  });

  it("handles a key named __proto__ as an ordinary key", () => {
    const params = setParam({}, "__proto__", "x");
    expect(Object.keys(params)).toEqual(["__proto__"]);
    expect(paramRows(params, {})).toEqual([{ key: "__proto__", value: "x", inherited: undefined }]);
  });

  it("formats values for placeholders", () => {
    expect([formatParam(undefined), formatParam(null), formatParam(0.5), formatParam(false)]).toEqual(["", "null", "0.5", "false"]);
  });
});
