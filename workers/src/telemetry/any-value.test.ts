import { describe, expect, it } from "vitest";
import { anyValueProblem, OtlpAttributes } from "./any-value.ts";

describe("OTLP attribute values", () => {
  it("refuse NUL or an unpaired surrogate in a string value, a bytes value or a key, which the spans' jsonb cannot hold", () => {
    expect(anyValueProblem({ stringValue: "ok" }, 4)).toBeNull();
    expect(anyValueProblem({ stringValue: "a\u0000b" }, 4)?.path).toEqual(["stringValue"]);
    expect(anyValueProblem({ stringValue: "\uD800" }, 4)?.path).toEqual(["stringValue"]);
    expect(anyValueProblem({ bytesValue: "AA\u0000" }, 4)?.path).toEqual(["bytesValue"]);
    expect(anyValueProblem({ kvlistValue: { values: [{ key: "k\u0000", value: { boolValue: true } }] } }, 4)?.path).toEqual(["kvlistValue", "values", 0, "key"]);
    expect(anyValueProblem({ arrayValue: { values: [{ stringValue: "x" }, { stringValue: "\u0000" }] } }, 4)?.path).toEqual(["arrayValue", "values", 1, "stringValue"]);
    expect(OtlpAttributes.safeParse([{ key: "a\u0000", value: { stringValue: "x" } }]).success).toBe(false);
  });
});
