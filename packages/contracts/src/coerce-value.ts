// The coercion of one variable value against its declared type, with no runtime dependency
// (types only), so the browser widget can bundle it without zod. template.ts's coerceVariables
// applies it to a whole schema; the widget applies it to the host page's URL parameters, so both
// type a query-string value in exactly the same way.
import type { VariableType, VariableValue } from "./variables.ts";

/** Longest string value accepted for a variable (it ends up in prompts and URLs). */
export const maxVariableStringLength = 10_000;

/**
 * Where values come from. "json": a typed JSON body; each variable takes only its own JSON type
 * (no "42" for an integer, no 42 for a string), since a typed client sending the wrong type is a
 * bug worth reporting. "string": query strings and CSV cells, where everything is text and is
 * parsed by the variable's type; already-typed values are still accepted as in "json".
 */
export type CoerceSource = "json" | "string";

/** The part of a VariableSpec that decides how a value is coerced. */
export interface CoercibleSpec {
  type: VariableType;
  nullable?: boolean | undefined;
}

export type CoercedValue = { ok: true; value: VariableValue } | { ok: false; message: string };

const typeNames: Record<VariableType, string> = { string: "a string", number: "a number", integer: "an integer", boolean: "a boolean" };
// Plain decimal with optional fraction and exponent; no spaces, signs other than "-", hex,
// Infinity or NaN (Number() would accept several of those).
const decimalRe = /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether a type name (as the public widget config spells it) is one a variable can have. */
export function isVariableType(type: string): type is VariableType {
  return Object.hasOwn(typeNames, type);
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(truncate(value, 40));
  if (value === null || typeof value === "number" || typeof value === "boolean" || value === undefined) return String(value);
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function good(value: VariableValue): CoercedValue {
  return { ok: true, value };
}

function bad(message: string): CoercedValue {
  return { ok: false, message };
}

function expected(type: VariableType, got: unknown): CoercedValue {
  return bad(`must be ${typeNames[type]}, got ${describe(got)}`);
}

function checkNumber(type: VariableType, n: number, got: unknown): CoercedValue {
  if (!Number.isFinite(n)) return bad(`must be a finite number, got ${describe(got)}`);
  if (type === "number") return good(n);
  if (!Number.isInteger(n)) return expected("integer", got);
  // Beyond 2^53 integers silently lose digits, which would corrupt ids such as order numbers.
  if (!Number.isSafeInteger(n)) return bad(`must be an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}, got ${describe(got)}`);
  return good(n);
}

function fromText(spec: CoercibleSpec, text: string): CoercedValue {
  // Text has no null, so the empty cell and the word "null" stand for it where null is allowed.
  if (spec.nullable === true && (text === "" || text === "null")) return good(null);
  switch (spec.type) {
    case "string":
      return good(text);
    case "number":
    case "integer":
      return decimalRe.test(text) ? checkNumber(spec.type, Number(text), text) : expected(spec.type, text);
    case "boolean": {
      // Case-insensitive because spreadsheets export TRUE/FALSE.
      const lower = text.toLowerCase();
      if (lower === "true" || lower === "1") return good(true);
      if (lower === "false" || lower === "0") return good(false);
      return bad(`must be a boolean (true, false, 1 or 0), got ${describe(text)}`);
    }
  }
}

/** One present value (not undefined) checked and typed by its spec; see CoerceSource. */
export function coerceValue(spec: CoercibleSpec, raw: unknown, source: CoerceSource): CoercedValue {
  if (raw === null) return spec.nullable === true ? good(null) : bad("must not be null");
  if (typeof raw === "string") {
    if (raw.length > maxVariableStringLength) return bad(`must be at most ${maxVariableStringLength} characters, got ${raw.length}`);
    if (source === "string") return fromText(spec, raw);
    return spec.type === "string" ? good(raw) : expected(spec.type, raw);
  }
  if (typeof raw === "number" && (spec.type === "number" || spec.type === "integer")) return checkNumber(spec.type, raw, raw);
  if (typeof raw === "boolean" && spec.type === "boolean") return good(raw);
  return expected(spec.type, raw);
}
