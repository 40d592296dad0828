// The string and JSON primitives every schema builds on. Postgres refuses U+0000 in text and in
// json/jsonb, and jsonb refuses lone UTF-16 surrogates (`"\ud800"` is what JSON.stringify writes
// for one); a request carrying either used to pass validation and fail as a 500 at the insert.
// So text is refused at the edge, wherever it sits: a field, a record key, or a string deep inside
// a free-form JSON value (variables, JSON Schemas, tool requests). JSON values are also bounded in
// depth, because Postgres' json parser and our own walkers recurse.
//
// Use `text()` instead of `z.string()`, `urlText()` instead of `z.url()` and `jsonValue()`
// instead of `z.unknown()` (or `rawText()` where the consumer sanitizes with `toStorable`);
// scripts/check-sources.ts refuses the raw ones in contracts and the Worker, so a new schema gets
// the rule without anyone remembering it.
import { z } from "zod";

/** The largest value of a Postgres `integer` (int4) column. */
export const int4Max = 2_147_483_647;

/** How deeply a free-form JSON value may nest (objects and arrays). */
export const maxJsonDepth = 100;

// Without the `u` flag the pattern sees UTF-16 code units, so it can match unpaired surrogates.
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorableAll = new RegExp(unstorable.source, "g");

export const textRefusal = "must not contain NUL (U+0000) or unpaired surrogate characters";

/** True when Postgres can store the string as text and inside json. */
export function isStorableText(value: string): boolean {
  return !unstorable.test(value);
}

/** The check behind `text()`, for string formats built elsewhere (`z.email().check(storableText)`). */
export const storableText = z.refine<string>((value) => isStorableText(value), textRefusal);

/** A string Postgres can store: `z.string()` that refuses NUL and unpaired surrogates. */
export function text(params?: string | z.core.$ZodStringParams): z.ZodString {
  return z.string(params).check(storableText);
}

/** Text taken as it comes, for input whose consumer makes it storable itself before Postgres
 *  sees it (telemetry, where one odd attribute must not cost a whole export: `toStorable`). The
 *  source check accepts it; the name says what it is. */
export function rawText(params?: string | z.core.$ZodStringParams): z.ZodString {
  return z.string(params);
}

/** A URL (WHATWG-parsable) that is also storable text: `new URL` accepts a NUL in a path. */
export function urlText(params?: string | z.core.$ZodURLParams): z.ZodURL {
  return z.url(params).check(storableText);
}

/** Where a JSON value holds something Postgres refuses, or null when it is storable. */
export function jsonRefusal(value: unknown): { path: (string | number)[]; message: string } | null {
  // Iterative, so a hostile depth cannot overflow the stack before the depth check sees it.
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: node, path } = stack.pop() as { value: unknown; path: (string | number)[] };
    if (typeof node === "string") {
      if (!isStorableText(node)) return { path, message: textRefusal };
    } else if (typeof node === "number") {
      if (!Number.isFinite(node)) return { path, message: "must be a finite number" };
    } else if (Array.isArray(node) || (typeof node === "object" && node !== null)) {
      if (path.length >= maxJsonDepth) return { path, message: `is nested deeper than ${maxJsonDepth} levels` };
      for (const [key, child] of Object.entries(node)) {
        if (!isStorableText(key)) return { path: [...path, key], message: `key ${textRefusal}` };
        stack.push({ value: child, path: [...path, Array.isArray(node) ? Number(key) : key] });
      }
    } else if (node !== null && typeof node !== "boolean" && node !== undefined) {
      return { path, message: "must be a JSON value" };
    }
  }
  return null;
}

/** Any JSON value that Postgres can store in a json/jsonb column. */
export function jsonValue(): z.ZodUnknown {
  return z.unknown().check(
    z.superRefine((value, ctx) => {
      const refusal = jsonRefusal(value);
      if (refusal) ctx.addIssue({ code: "custom", path: refusal.path, message: refusal.message, input: value });
    }),
  );
}

/**
 * `value` made storable, for producers of text they cannot refuse (a transcript, the answer of a
 * customer's webhook): each NUL or unpaired surrogate, in strings and keys, becomes U+FFFD, and
 * what nests deeper than `maxJsonDepth` is cut. Sent as it was, the API would answer 400 and the
 * event would be lost.
 */
export function toStorable<T>(value: T): T {
  return storableCopy(value, 0) as T;
}

function storableCopy(value: unknown, depth: number): unknown {
  if (typeof value === "string") return isStorableText(value) ? value : value.replace(unstorableAll, "\uFFFD");
  if (typeof value !== "object" || value === null) return value;
  if (depth >= maxJsonDepth - 1) return `[nested deeper than ${maxJsonDepth} levels]`;
  if (Array.isArray(value)) return value.map((v) => storableCopy(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    Object.defineProperty(out, storableCopy(key, depth) as string, { value: storableCopy(child, depth + 1), enumerable: true, configurable: true, writable: true });
  }
  return out;
}
