// The one renderer for `{{variable}}` templates (prompts, first messages, webhook URLs and
// headers) and the one coercion of variable values against an agent's VariablesSchema (one value
// at a time through coerce-value.ts, which the browser widget shares). The API
// validates with it on save, session dispatch and the widget/campaigns coerce with it, so every
// entry point accepts and rejects exactly the same things.
import type { FieldError } from "./problem.ts";
import { variableNamePattern } from "./variables.ts";
import type { VariablesSchema, VariableValue } from "./variables.ts";
import { coerceValue, type CoerceSource } from "./coerce-value.ts";

export { maxVariableStringLength, type CoerceSource } from "./coerce-value.ts";

/** Thrown by the renderers; `names` lists the placeholders that had no value (may be empty). */
export class TemplateError extends Error {
  readonly names: string[];
  constructor(message: string, names: string[] = []) {
    super(message);
    this.name = "TemplateError";
    this.names = names;
  }
}

// Built from variableNamePattern so a placeholder name is exactly a declarable variable name.
const nameSource = variableNamePattern.source.replace(/^\^/, "").replace(/\$$/, "");
// Whitespace and name characters are disjoint and the name is bounded, so each `{{` is matched
// in time linear in the whitespace after it: no catastrophic backtracking on hostile text.
const placeholderRe = new RegExp(`\\{\\{\\s*(${nameSource})\\s*\\}\\}`, "g");
// OpenAPI path parameters: single braces, not part of a `{{…}}`. Hyphens are allowed because
// OpenAPI specs commonly use names like `{order-id}`.
const paramSource = "[A-Za-z_][A-Za-z0-9_-]{0,63}";
const urlTokenRe = new RegExp(`\\{\\{\\s*(${nameSource})\\s*\\}\\}|(?<!\\{)\\{(${paramSource})\\}(?!\\})`, "g");

/** Distinct placeholder names in order of first appearance; malformed `{{…` is literal text. */
export function placeholderNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(placeholderRe)) names.add(m[1] ?? "");
  return [...names];
}

/** Names of the `{param}` path parameters of a URL template (`{{variable}}`s excluded). */
export function urlPathParams(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(urlTokenRe)) if (m[2] !== undefined) names.add(m[2]);
  return [...names];
}

// `Object.hasOwn` everywhere: a variable may legitimately be called `constructor` or
// `__proto__` (both match variableNamePattern), and inherited members must never count as values.
function lookup(values: Record<string, VariableValue>, name: string): VariableValue | undefined {
  return Object.hasOwn(values, name) ? values[name] : undefined;
}

function display(value: VariableValue): string {
  return value === null ? "" : String(value);
}

/**
 * Substitutes `{{name}}` placeholders in one pass (values are never re-scanned, so a value
 * containing `{{x}}` stays literal). Numbers via String(), booleans as true/false, null as "".
 * A name without a value: "empty" (default) renders "", "keep" leaves the placeholder as
 * written, "error" throws a TemplateError listing every missing name.
 */
export function renderText(text: string, values: Record<string, VariableValue>, opts?: { missing?: "keep" | "empty" | "error" }): string {
  const mode = opts?.missing ?? "empty";
  const missing = new Set<string>();
  const out = text.replace(placeholderRe, (whole: string, name: string) => {
    const value = lookup(values, name);
    if (value !== undefined) return display(value);
    missing.add(name);
    return mode === "keep" ? whole : "";
  });
  if (mode === "error" && missing.size > 0) {
    throw new TemplateError(`no value for ${[...missing].map((n) => `"${n}"`).join(", ")}`, [...missing]);
  }
  return out;
}

const authorityRe = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*/;
// The WHATWG URL parser treats `%2e` as a dot in path segments, so encoding does not defuse them.
const dotSegmentRe = /^(?:\.|%2e){1,2}$/i;

// A path parameter of ".." would make `/users/{id}/delete` resolve to `/delete`; the URL parser
// silently normalises such segments, so they are refused before parsing.
function hasDotSegment(url: string): boolean {
  const authority = authorityRe.exec(url);
  const rest = authority === null ? url : url.slice(authority[0].length);
  const path = rest.split(/[?#]/, 1)[0] ?? "";
  return path.split(/[/\\]/).some((segment) => dotSegmentRe.test(segment));
}

/**
 * Renders a webhook URL: `{{variable}}` from `values`, `{param}` from `pathParams`, each value
 * through encodeURIComponent (in the query too), so no value can add path segments, a query or
 * change the host. null renders "" for a variable; a path parameter must be non-empty because an
 * empty segment addresses a different resource. Throws TemplateError when values are missing,
 * when braces remain (a malformed placeholder), on dot segments, or when the result is not a URL.
 */
export function renderUrl(template: string, values: Record<string, VariableValue>, pathParams: Record<string, VariableValue> = {}): string {
  const missing = new Set<string>();
  const out = template.replace(urlTokenRe, (_whole: string, variable: string | undefined, param: string | undefined) => {
    if (variable !== undefined) {
      const value = lookup(values, variable);
      if (value === undefined) missing.add(variable);
      return value === undefined ? "" : encodeURIComponent(display(value));
    }
    const name = param ?? "";
    const value = lookup(pathParams, name);
    if (value === undefined || value === null || value === "") missing.add(name);
    return value === undefined ? "" : encodeURIComponent(display(value));
  });
  if (missing.size > 0) throw new TemplateError(`URL has no value for ${[...missing].map((n) => `"${n}"`).join(", ")}`, [...missing]);
  // Values are encoded, so any brace left over comes from the template itself.
  if (/[{}]/.test(out)) throw new TemplateError(`URL has a malformed placeholder: ${truncate(out, 200)}`);
  if (hasDotSegment(out)) throw new TemplateError(`URL has a "." or ".." path segment: ${truncate(out, 200)}`);
  try {
    new URL(out);
  } catch {
    throw new TemplateError(`not a valid URL: ${truncate(out, 200)}`);
  }
  return out;
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

// Each `{{` in the text between valid placeholders is a placeholder attempt that failed; the
// snippet reaches to its `}}` (or the end of the line) so the admin sees what to fix.
function malformedPlaceholders(text: string): string[] {
  const found: string[] = [];
  const scanGap = (start: number, end: number): void => {
    let i = text.indexOf("{{", start);
    // The `{{` must lie wholly in the gap: in `{{{x}}}` the gap `{` shares a brace with `{{x}}`.
    while (i !== -1 && i + 2 <= end) {
      const close = text.indexOf("}}", i + 2);
      let stop = close !== -1 && close + 2 <= end ? close + 2 : end;
      const newline = text.indexOf("\n", i);
      if (newline !== -1 && newline < stop) stop = newline;
      found.push(truncate(text.slice(i, stop).trimEnd(), 40));
      i = text.indexOf("{{", Math.max(stop, i + 2));
    }
  };
  let last = 0;
  for (const m of text.matchAll(placeholderRe)) {
    scanGap(last, m.index);
    last = m.index + m[0].length;
  }
  scanGap(last, text.length);
  return found;
}

/**
 * Save-time check of templates against the declared variables: errors for undeclared and
 * malformed placeholders (one per distinct problem per field), plus the declared variables no
 * text uses, for a warning.
 */
export function checkTemplates(schema: VariablesSchema, texts: { field: string; text: string }[]): { errors: FieldError[]; unusedVariables: string[] } {
  const errors: FieldError[] = [];
  const used = new Set<string>();
  for (const { field, text } of texts) {
    for (const name of placeholderNames(text)) {
      if (Object.hasOwn(schema.properties, name)) used.add(name);
      else errors.push({ field, message: `uses undeclared variable "${name}"` });
    }
    for (const snippet of new Set(malformedPlaceholders(text))) errors.push({ field, message: `has a malformed placeholder "${snippet}"` });
  }
  const unusedVariables = Object.keys(schema.properties).filter((name) => !used.has(name));
  return { errors, unusedVariables };
}

export type CoerceOptions = { source?: CoerceSource; ignoreUnknown?: boolean; fieldPrefix?: string };

export type CoerceResult = { ok: true; values: Record<string, VariableValue>; ignored: string[] } | { ok: false; errors: FieldError[] };

/**
 * Validates and coerces incoming variable values against the schema, collecting every error.
 * A present value is checked by type (see CoerceSource); null only where nullable. An absent
 * value (missing key or undefined) takes the default if declared, else is an error if required,
 * else is null if nullable, else stays absent. Keys not declared are errors, or with
 * `ignoreUnknown` are dropped and listed in `ignored`. Fields are named `${fieldPrefix}.${name}`
 * (prefix "variables" by default, none when "").
 */
export function coerceVariables(schema: VariablesSchema, input: Record<string, unknown>, opts?: CoerceOptions): CoerceResult {
  const source = opts?.source ?? "json";
  const prefix = opts?.fieldPrefix ?? "variables";
  const field = (name: string): string => (prefix === "" ? name : `${prefix}.${name}`);
  const required = new Set(schema.required);
  // Entries then fromEntries, because assigning `obj["__proto__"]` would not create a key.
  const entries: [string, VariableValue][] = [];
  const errors: FieldError[] = [];
  const ignored: string[] = [];

  for (const [name, spec] of Object.entries(schema.properties)) {
    const raw = Object.hasOwn(input, name) ? input[name] : undefined;
    if (raw === undefined) {
      if (spec.default !== undefined) entries.push([name, spec.default]);
      else if (required.has(name)) errors.push({ field: field(name), message: "is required" });
      else if (spec.nullable === true) entries.push([name, null]);
      continue;
    }
    const result = coerceValue(spec, raw, source);
    if (result.ok) entries.push([name, result.value]);
    else errors.push({ field: field(name), message: result.message });
  }
  for (const name of Object.keys(input)) {
    if (Object.hasOwn(schema.properties, name) || input[name] === undefined) continue;
    if (opts?.ignoreUnknown === true) ignored.push(name);
    else errors.push({ field: field(name), message: "is not a declared variable" });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, values: Object.fromEntries(entries), ignored };
}
