import { describe, expect, it } from "vitest";
import { checkTemplates, coerceVariables, placeholderNames, renderText, renderUrl, TemplateError, urlPathParams } from "./template.ts";
import type { CoerceOptions } from "./template.ts";
import { VariablesSchema } from "./variables.ts";
import type { VariableSpec, VariableValue } from "./variables.ts";

function schemaOf(properties: Record<string, VariableSpec>, required: string[] = []): VariablesSchema {
  return VariablesSchema.parse({ type: "object", properties, required });
}

type Row = {
  name: string;
  spec: VariableSpec;
  required?: boolean;
  input: Record<string, unknown>;
  opts?: CoerceOptions;
  values?: Record<string, VariableValue>;
  ignored?: string[];
  error?: { field: string; message: string };
};

const str: VariableSpec = { type: "string" };
const num: VariableSpec = { type: "number" };
const int: VariableSpec = { type: "integer" };
const bool: VariableSpec = { type: "boolean" };
const json: CoerceOptions = { source: "json" };
const text: CoerceOptions = { source: "string" };

// Each row declares one variable `v`; `values` is the expected success, `error` the expected single error.
const rows: Row[] = [
  { name: "json: a string variable keeps a string", spec: str, input: { v: "hello" }, opts: json, values: { v: "hello" } },
  { name: "json: a string variable preserves Cyrillic text", spec: str, input: { v: "Иван" }, opts: json, values: { v: "Иван" } },
  { name: "json: a string variable rejects a number", spec: str, input: { v: 42 }, opts: json, error: { field: "variables.v", message: "must be a string, got 42" } },
  { name: "json: an empty string is a string, not null", spec: str, input: { v: "" }, opts: json, values: { v: "" } },
  { name: "json: a number variable keeps a fractional number", spec: num, input: { v: 4.5 }, opts: json, values: { v: 4.5 } },
  { name: "json: a number variable rejects a numeric string", spec: num, input: { v: "4.5" }, opts: json, error: { field: "variables.v", message: 'must be a number, got "4.5"' } },
  { name: "json: a number variable rejects NaN", spec: num, input: { v: Number.NaN }, opts: json, error: { field: "variables.v", message: "must be a finite number, got NaN" } },
  { name: "json: a number variable rejects Infinity", spec: num, input: { v: Number.POSITIVE_INFINITY }, opts: json, error: { field: "variables.v", message: "must be a finite number, got Infinity" } },
  { name: "json: an integer variable accepts 42.0 as 42", spec: int, input: { v: 42.0 }, opts: json, values: { v: 42 } },
  { name: "json: an integer variable rejects 42.5", spec: int, input: { v: 42.5 }, opts: json, error: { field: "variables.v", message: "must be an integer, got 42.5" } },
  { name: "json: an integer variable rejects integers beyond 2^53", spec: int, input: { v: 2 ** 60 }, opts: json, error: { field: "variables.v", message: `must be an integer between -9007199254740991 and 9007199254740991, got ${2 ** 60}` } },
  { name: "json: a boolean variable keeps false", spec: bool, input: { v: false }, opts: json, values: { v: false } },
  { name: "json: a boolean variable rejects the string true", spec: bool, input: { v: "true" }, opts: json, error: { field: "variables.v", message: 'must be a boolean, got "true"' } },
  { name: "json: an object is rejected and described", spec: str, input: { v: { a: 1 } }, opts: json, error: { field: "variables.v", message: "must be a string, got an object" } },
  { name: "json: null is accepted for a nullable variable", spec: { type: "integer", nullable: true }, input: { v: null }, opts: json, values: { v: null } },
  { name: "json: null is rejected for a non-nullable variable", spec: int, input: { v: null }, opts: json, error: { field: "variables.v", message: "must not be null" } },
  { name: "json: a default applies when the value is absent", spec: { type: "string", default: "friend" }, input: {}, opts: json, values: { v: "friend" } },
  { name: "json: a default does not override a present value", spec: { type: "string", default: "friend" }, input: { v: "Anna" }, opts: json, values: { v: "Anna" } },
  { name: "json: an undefined value counts as absent and takes the default", spec: { type: "integer", default: 3 }, input: { v: undefined }, opts: json, values: { v: 3 } },
  { name: "json: a default wins over required", spec: { type: "boolean", default: true }, required: true, input: {}, opts: json, values: { v: true } },
  { name: "json: a required variable without a value is an error", spec: str, required: true, input: {}, opts: json, error: { field: "variables.v", message: "is required" } },
  { name: "json: an absent nullable variable becomes null", spec: { type: "number", nullable: true }, input: {}, opts: json, values: { v: null } },
  { name: "json: an absent optional variable stays absent", spec: num, input: {}, opts: json, values: {} },
  { name: "json: a string over 10 000 characters is rejected", spec: str, input: { v: "x".repeat(10_001) }, opts: json, error: { field: "variables.v", message: "must be at most 10000 characters, got 10001" } },
  { name: "json: a string of exactly 10 000 characters is accepted", spec: str, input: { v: "y".repeat(10_000) }, opts: json, values: { v: "y".repeat(10_000) } },
  { name: "json: an unknown key is an error", spec: str, input: { v: "a", extra: 1 }, opts: json, error: { field: "variables.extra", message: "is not a declared variable" } },
  { name: "json: an unknown key is listed as ignored with ignoreUnknown", spec: str, input: { v: "a", extra: 1 }, opts: { ignoreUnknown: true }, values: { v: "a" }, ignored: ["extra"] },
  { name: "json: an unknown key whose value is undefined counts as absent", spec: str, input: { v: "a", extra: undefined }, opts: json, values: { v: "a" } },
  { name: "json: the field prefix names the error field", spec: str, required: true, input: {}, opts: { fieldPrefix: "body.variables" }, error: { field: "body.variables.v", message: "is required" } },
  { name: "string: a string variable keeps Cyrillic text", spec: str, input: { v: "Иван Петров" }, opts: text, values: { v: "Иван Петров" } },
  { name: "string: an empty string for a non-nullable string stays empty", spec: str, input: { v: "" }, opts: text, values: { v: "" } },
  { name: "string: the word null for a non-nullable string stays text", spec: str, input: { v: "null" }, opts: text, values: { v: "null" } },
  { name: "string: an empty string for a nullable string becomes null", spec: { type: "string", nullable: true }, input: { v: "" }, opts: text, values: { v: null } },
  { name: "string: the word null for a nullable integer becomes null", spec: { type: "integer", nullable: true }, input: { v: "null" }, opts: text, values: { v: null } },
  { name: "string: an empty string for a non-nullable integer is an error", spec: int, input: { v: "" }, opts: text, error: { field: "variables.v", message: 'must be an integer, got ""' } },
  { name: 'string: "42" becomes the integer 42', spec: int, input: { v: "42" }, opts: text, values: { v: 42 } },
  { name: 'string: "-7" becomes the integer -7', spec: int, input: { v: "-7" }, opts: text, values: { v: -7 } },
  { name: 'string: "42.0" becomes the integer 42', spec: int, input: { v: "42.0" }, opts: text, values: { v: 42 } },
  { name: 'string: "42.5" is not an integer', spec: int, input: { v: "42.5" }, opts: text, error: { field: "variables.v", message: 'must be an integer, got "42.5"' } },
  { name: 'string: "abc" is not an integer', spec: int, input: { v: "abc" }, opts: text, error: { field: "variables.v", message: 'must be an integer, got "abc"' } },
  { name: 'string: "4.5" becomes the number 4.5', spec: num, input: { v: "4.5" }, opts: text, values: { v: 4.5 } },
  { name: 'string: "1e3" becomes the number 1000', spec: num, input: { v: "1e3" }, opts: text, values: { v: 1000 } },
  { name: 'string: " 42" with a leading space is not a number', spec: num, input: { v: " 42" }, opts: text, error: { field: "variables.v", message: 'must be a number, got " 42"' } },
  { name: 'string: "0x10" is not a number', spec: num, input: { v: "0x10" }, opts: text, error: { field: "variables.v", message: 'must be a number, got "0x10"' } },
  { name: 'string: "e5" is not a number', spec: num, input: { v: "e5" }, opts: text, error: { field: "variables.v", message: 'must be a number, got "e5"' } },
  { name: 'string: "Infinity" is not a number', spec: num, input: { v: "Infinity" }, opts: text, error: { field: "variables.v", message: 'must be a number, got "Infinity"' } },
  { name: 'string: "NaN" is not a number', spec: num, input: { v: "NaN" }, opts: text, error: { field: "variables.v", message: 'must be a number, got "NaN"' } },
  { name: 'string: "1e999" overflows and is rejected', spec: num, input: { v: "1e999" }, opts: text, error: { field: "variables.v", message: 'must be a finite number, got "1e999"' } },
  { name: 'string: "true" becomes true', spec: bool, input: { v: "true" }, opts: text, values: { v: true } },
  { name: 'string: "false" becomes false', spec: bool, input: { v: "false" }, opts: text, values: { v: false } },
  { name: 'string: "1" becomes true', spec: bool, input: { v: "1" }, opts: text, values: { v: true } },
  { name: 'string: "0" becomes false', spec: bool, input: { v: "0" }, opts: text, values: { v: false } },
  { name: 'string: spreadsheet "TRUE" becomes true', spec: bool, input: { v: "TRUE" }, opts: text, values: { v: true } },
  { name: 'string: "yes" is not a boolean', spec: bool, input: { v: "yes" }, opts: text, error: { field: "variables.v", message: 'must be a boolean (true, false, 1 or 0), got "yes"' } },
  { name: "string: an already-typed number is accepted", spec: int, input: { v: 5 }, opts: text, values: { v: 5 } },
  { name: "string: a default applies when the cell is absent", spec: { type: "integer", default: 10 }, input: {}, opts: text, values: { v: 10 } },
];

describe("coerceVariables", () => {
  it.each(rows)("$name", (row) => {
    const result = coerceVariables(schemaOf({ v: row.spec }, row.required === true ? ["v"] : []), row.input, row.opts);
    if (row.error !== undefined) {
      expect(result).toEqual({ ok: false, errors: [row.error] });
    } else {
      expect(result).toEqual({ ok: true, values: row.values, ignored: row.ignored ?? [] });
      // toEqual ignores undefined-valued keys; absent variables must really be absent.
      if (result.ok) expect(Object.keys(result.values)).toEqual(Object.keys(row.values ?? {}));
    }
  });

  it("collects every error instead of stopping at the first", () => {
    const schema = schemaOf({ a: int, b: bool, c: str }, ["c"]);
    const result = coerceVariables(schema, { a: "x", b: "maybe", d: 1 }, { source: "string" });
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: "variables.a", message: 'must be an integer, got "x"' },
        { field: "variables.b", message: 'must be a boolean (true, false, 1 or 0), got "maybe"' },
        { field: "variables.c", message: "is required" },
        { field: "variables.d", message: "is not a declared variable" },
      ],
    });
  });

  it("treats variables named like Object.prototype members as ordinary variables", () => {
    const nullableStr: VariableSpec = { type: "string", nullable: true };
    const schema = schemaOf({ constructor: str, toString: nullableStr });
    const result = coerceVariables(schema, { constructor: "c" });
    expect(result).toEqual({ ok: true, values: { constructor: "c", toString: null }, ignored: [] });
  });

  it("keeps a __proto__ variable as an own key instead of touching the prototype", () => {
    // Built by hand: zod's record parsing cannot hold a `__proto__` key, but the renderer must
    // not depend on that.
    const entries: [string, VariableSpec][] = [["__proto__", str]];
    const schema: VariablesSchema = { type: "object", properties: Object.fromEntries(entries), required: [] };
    const result = coerceVariables(schema, JSON.parse('{"__proto__":"p"}') as Record<string, unknown>);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.hasOwn(result.values, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(result.values)).toBe(Object.prototype);
  });

  it("rejects a __proto__ input key when no such variable is declared", () => {
    const result = coerceVariables(schemaOf({ a: str }), JSON.parse('{"__proto__":{"a":"polluted"}}') as Record<string, unknown>);
    expect(result).toEqual({ ok: false, errors: [{ field: "variables.__proto__", message: "is not a declared variable" }] });
  });

  it("does not mistake inherited members of the input for values", () => {
    const result = coerceVariables(schemaOf({ constructor: str }, ["constructor"]), {});
    expect(result).toEqual({ ok: false, errors: [{ field: "variables.constructor", message: "is required" }] });
  });
});

describe("placeholderNames", () => {
  it("lists distinct names in order of first appearance, allowing inner whitespace", () => {
    expect(placeholderNames("Hi {{ customer_name }}, order {{order}} for {{customer_name}} {{\tx1 }}")).toEqual(["customer_name", "order", "x1"]);
  });

  it("leaves malformed or over-long placeholders out as literal text", () => {
    expect(placeholderNames(`{{ 1bad }} {{name {{a-b}} {{}} {{${"a".repeat(65)}}} {{ok}}`)).toEqual(["ok"]);
  });

  it("accepts a 64-character name", () => {
    const name = `_${"a".repeat(63)}`;
    expect(placeholderNames(`{{${name}}}`)).toEqual([name]);
  });

  it("finds the inner placeholder of triple braces", () => {
    expect(placeholderNames("{{{name}}}")).toEqual(["name"]);
  });

  it("scans hostile input quickly", () => {
    const hostile = `{{${" ".repeat(50_000)}`.repeat(20) + "{{a".repeat(50_000);
    const started = performance.now();
    expect(placeholderNames(hostile)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe("renderText", () => {
  const values: Record<string, VariableValue> = { name: "Иван", age: 42, vip: true, note: null, ratio: 0.5 };

  it("substitutes strings, numbers, booleans and null", () => {
    expect(renderText("{{ name }} ({{age}}, {{ratio}}) vip={{vip}} note=[{{note}}]", values)).toBe("Иван (42, 0.5) vip=true note=[]");
  });

  it("renders missing values as empty by default", () => {
    expect(renderText("Hello {{name}}{{ title }}!", { name: "Anna" })).toBe("Hello Anna!");
  });

  it("keeps missing placeholders exactly as written in keep mode", () => {
    expect(renderText("Hello {{name}} {{ title }}", { name: "Anna" }, { missing: "keep" })).toBe("Hello Anna {{ title }}");
  });

  it("throws a TemplateError naming every missing variable in error mode", () => {
    let caught: unknown;
    try {
      renderText("{{a}} {{name}} {{b}} {{a}}", { name: "x" }, { missing: "error" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).names).toEqual(["a", "b"]);
  });

  it("does not throw in error mode when every value is present", () => {
    expect(renderText("{{name}}", { name: "" }, { missing: "error" })).toBe("");
  });

  it("never re-scans substituted values for placeholders", () => {
    expect(renderText("{{a}}", { a: "{{b}}", b: "no" })).toBe("{{b}}");
  });

  it("ignores inherited object members when looking up values", () => {
    expect(renderText("[{{constructor}}][{{toString}}]", {})).toBe("[][]");
  });

  it("leaves malformed placeholders as literal text", () => {
    expect(renderText("{{ 1bad }} {{name", values)).toBe("{{ 1bad }} {{name");
  });
});

describe("renderUrl", () => {
  it("encodes spaces, slashes and Cyrillic in variables and path params", () => {
    const url = renderUrl("https://api.example.com/users/{userId}/orders?q={{query}}&tenant={{ tenant }}", { query: "a b/c&d=e", tenant: "Иван" }, { userId: "7/../admin" });
    expect(url).toBe("https://api.example.com/users/7%2F..%2Fadmin/orders?q=a%20b%2Fc%26d%3De&tenant=%D0%98%D0%B2%D0%B0%D0%BD");
    expect(new URL(url).pathname).toBe("/users/7%2F..%2Fadmin/orders");
  });

  it("renders numbers, booleans and a null variable", () => {
    expect(renderUrl("https://x.test/{id}?n={{n}}&b={{b}}&z={{z}}", { n: 1.5, b: false, z: null }, { id: 42 })).toBe("https://x.test/42?n=1.5&b=false&z=");
  });

  it("throws a TemplateError naming missing variables and path params", () => {
    expect(() => renderUrl("https://x.test/{id}/{{v}}?w={{w}}", { w: "ok" }, {})).toThrow(TemplateError);
    try {
      renderUrl("https://x.test/{id}/{{v}}?w={{w}}", { w: "ok" }, {});
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError);
      expect((e as TemplateError).names).toEqual(["id", "v"]);
    }
  });

  it("treats an empty path parameter as missing", () => {
    expect(() => renderUrl("https://x.test/users/{id}/delete", {}, { id: "" })).toThrow(/"id"/);
    expect(() => renderUrl("https://x.test/users/{id}/delete", {}, { id: null })).toThrow(TemplateError);
  });

  it("refuses a path parameter that is a dot segment", () => {
    expect(() => renderUrl("https://x.test/users/{id}/delete", {}, { id: ".." })).toThrow(/path segment/);
    expect(() => renderUrl("https://x.test/users/{id}/delete", {}, { id: "." })).toThrow(TemplateError);
  });

  it("refuses percent-encoded dot segments, which the URL parser also resolves", () => {
    expect(() => renderUrl("https://x.test/users/{id}/%2E%2e/delete", {}, { id: "1" })).toThrow(/path segment/);
  });

  it("allows dots inside a segment and in the query", () => {
    expect(renderUrl("https://x.test/files/{name}?up={{up}}", { up: ".." }, { name: "a..b" })).toBe("https://x.test/files/a..b?up=..");
  });

  it("throws a TemplateError when the result is not a URL", () => {
    expect(() => renderUrl("{{host}}/path", { host: "example.com" })).toThrow(TemplateError);
    expect(() => renderUrl("not a url", {})).toThrow(/not a valid URL/);
  });

  it("throws a TemplateError for a value that breaks the host", () => {
    expect(() => renderUrl("https://{{sub}}.example.com/", { sub: "evil.com/x#" })).toThrow(TemplateError);
  });

  it("throws a TemplateError for a malformed placeholder left in the template", () => {
    expect(() => renderUrl("https://x.test/{{ 1bad }}", {})).toThrow(/malformed/);
    expect(() => renderUrl("https://x.test/{{name}", { name: "a" })).toThrow(TemplateError);
  });

  it("returns a URL without placeholders unchanged", () => {
    expect(renderUrl("https://x.test/a?b=c", {})).toBe("https://x.test/a?b=c");
  });
});

describe("urlPathParams", () => {
  it("lists distinct single-brace params and skips double-brace variables", () => {
    expect(urlPathParams("https://x.test/{org-id}/users/{userId}/{{ token }}?a={userId}&b={{b}}")).toEqual(["org-id", "userId"]);
  });

  it("ignores braces that do not form a param", () => {
    expect(urlPathParams("https://x.test/{1x}/{a b}/{{c}/{}")).toEqual([]);
  });
});

describe("checkTemplates", () => {
  const schema = schemaOf({ name: str, age: int, unused: bool, other: num });

  it("reports undeclared variables once per field and lists unused declared ones", () => {
    const result = checkTemplates(schema, [
      { field: "body.systemPrompt", text: "Hi {{name}}, {{ ghost }} and {{ghost}}" },
      { field: "body.locales.0.firstMessage", text: "Age {{age}} {{ghost}}" },
    ]);
    expect(result.errors).toEqual([
      { field: "body.systemPrompt", message: 'uses undeclared variable "ghost"' },
      { field: "body.locales.0.firstMessage", message: 'uses undeclared variable "ghost"' },
    ]);
    expect(result.unusedVariables).toEqual(["unused", "other"]);
  });

  it("reports malformed placeholders with the text that is wrong", () => {
    const result = checkTemplates(schema, [{ field: "prompt", text: "{{ 1bad }} ok {{name}} then {{age\nnext line {{}}" }]);
    expect(result.errors).toEqual([
      { field: "prompt", message: 'has a malformed placeholder "{{ 1bad }}"' },
      { field: "prompt", message: 'has a malformed placeholder "{{age"' },
      { field: "prompt", message: 'has a malformed placeholder "{{}}"' },
    ]);
    // `{{age` is not a use of age.
    expect(result.unusedVariables).toEqual(["age", "unused", "other"]);
  });

  it("reports an unclosed placeholder at the end of the text", () => {
    expect(checkTemplates(schema, [{ field: "f", text: "Hello {{name" }]).errors).toEqual([{ field: "f", message: 'has a malformed placeholder "{{name"' }]);
  });

  it("cuts an unclosed placeholder at the next valid one", () => {
    expect(checkTemplates(schema, [{ field: "f", text: "{{ bad {{name}}" }]).errors).toEqual([{ field: "f", message: 'has a malformed placeholder "{{ bad"' }]);
  });

  it("does not flag triple braces around a valid placeholder", () => {
    expect(checkTemplates(schema, [{ field: "f", text: "{{{name}}}" }]).errors).toEqual([]);
  });

  it("counts variables used in URLs and ignores their path params", () => {
    const result = checkTemplates(schema, [{ field: "url", text: "https://x.test/{id}?a={{unused}}&b={{other}}&c={{name}}&d={{age}}" }]);
    expect(result).toEqual({ errors: [], unusedVariables: [] });
  });

  it("does not treat inherited members as declared variables", () => {
    expect(checkTemplates(schema, [{ field: "f", text: "{{constructor}}" }]).errors).toEqual([{ field: "f", message: 'uses undeclared variable "constructor"' }]);
  });
});
