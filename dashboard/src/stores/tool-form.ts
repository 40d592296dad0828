// The tool editor's form: what the inputs hold (rows, texts, toggles) apart from the API body, so
// half-typed values (a header without a name, "abc" as a number, JSON that does not parse yet) are
// kept and reported instead of lost. `bodyOf` turns a form into the create body with the errors of
// that conversion; `validateForm` adds the API's own schema and URL checks; `patchOf` is the PATCH
// body of what changed. Pure functions, tested without a DOM.
import {
  CreateToolBody,
  hasHostPlaceholder,
  HeaderName,
  QueryParamName,
  toolUrlOrigin,
  UpdateToolBody,
  type BodyEncoding,
  type HttpMethod,
  type ParameterStyle,
  type Tool,
  type TransferRule,
} from "../../../packages/contracts/src/tools.ts";
import type { JsonSchema } from "../../../packages/contracts/src/json-schema.ts";
import { urlPathParams } from "../../../packages/contracts/src/template.ts";
import type { z } from "zod";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";
import { schemaField, schemaOfField, type SchemaField } from "./schema-table.ts";
import { sameJson } from "./agent-editor.ts";

export type HeaderRow = { name: string; value: string };
export type EqualsType = "string" | "number" | "boolean" | "null";

export interface RuleRow {
  targetAgentId: string;
  when: string;
  matchResult: boolean;
  path: string;
  equals: string;
  equalsType: EqualsType;
}

export interface ToolForm {
  code: string;
  description: string;
  method: HttpMethod;
  url: string;
  /** null: the API's default; NaN: text that is not a number. */
  timeoutMs: number | null;
  headers: HeaderRow[];
  /** Secret values are write-only: `replace` sends `rows` as the whole new set, else the saved set stays. */
  secrets: { replace: boolean; rows: HeaderRow[] };
  /** Secret query parameters (an API key in the URL), write-only like the secret headers. */
  querySecrets: { replace: boolean; rows: HeaderRow[] };
  bodyEncoding: BodyEncoding;
  /** How arguments are serialized (from an OpenAPI import): shown, not edited; dropped with their argument. */
  parameterStyles: Record<string, ParameterStyle>;
  headersSchema: SchemaField;
  bodySchema: SchemaField;
  preToolSpeech: string;
  progress: { on: boolean; text: string; afterMs: number | null };
  transferRules: RuleRow[];
}

// The schemas' input type is `unknown` (a checked record); the dashboard builds them as JsonSchema.
export type ToolBody = Omit<z.input<typeof CreateToolBody>, "headersSchema" | "bodySchema"> & { headersSchema?: JsonSchema; bodySchema?: JsonSchema };
export type ToolPatch = z.input<typeof UpdateToolBody>;

export const defaultTimeoutMs = 10_000;
export const defaultProgressAfterMs = 3000;
/** What an emptied schema is sent as on update: the API cannot remove a saved schema. */
const noProperties: JsonSchema = { type: "object", properties: {} };

export const emptyRule = (targetAgentId: string): RuleRow => ({ targetAgentId, when: "", matchResult: false, path: "", equals: "", equalsType: "string" });

export function emptyForm(): ToolForm {
  return {
    code: "",
    description: "",
    method: "POST",
    url: "https://",
    timeoutMs: defaultTimeoutMs,
    headers: [],
    secrets: { replace: true, rows: [] },
    querySecrets: { replace: true, rows: [] },
    bodyEncoding: "json",
    parameterStyles: {},
    headersSchema: schemaField(undefined),
    bodySchema: schemaField(undefined),
    preToolSpeech: "",
    progress: { on: false, text: "", afterMs: defaultProgressAfterMs },
    transferRules: [],
  };
}

function ruleRow(rule: TransferRule): RuleRow {
  const m = rule.resultMatch;
  const equalsType: EqualsType = !m || m.equals === null ? (m ? "null" : "string") : typeof m.equals === "number" ? "number" : typeof m.equals === "boolean" ? "boolean" : "string";
  return { targetAgentId: rule.targetAgentId, when: rule.when ?? "", matchResult: m !== undefined, path: m?.path ?? "", equals: m && m.equals !== null ? String(m.equals) : "", equalsType };
}

export function formOf(tool: Tool): ToolForm {
  return {
    code: tool.code,
    description: tool.description,
    method: tool.method,
    url: tool.url,
    timeoutMs: tool.timeoutMs,
    headers: Object.entries(tool.headers).map(([name, value]) => ({ name, value })),
    secrets: { replace: false, rows: [] },
    querySecrets: { replace: false, rows: [] },
    bodyEncoding: tool.bodyEncoding,
    parameterStyles: tool.parameterStyles,
    headersSchema: schemaField(tool.headersSchema),
    bodySchema: schemaField(tool.bodySchema),
    preToolSpeech: tool.preToolSpeech ?? "",
    progress: tool.progressSpeech ? { on: true, ...tool.progressSpeech } : { on: false, text: "", afterMs: defaultProgressAfterMs },
    transferRules: tool.transferRules.map(ruleRow),
  };
}

/** Header (or query parameter) rows as a record; errors keyed `<prefix>.rows.<i>` (blank rows are skipped). */
function headerRecord(rows: HeaderRow[], prefix: string, errors: FieldErrors, kind: "header" | "query" = "header"): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Set<string>();
  // Header names are case-insensitive; query parameter names are not.
  const norm = (n: string) => (kind === "header" ? n.toLowerCase() : n);
  rows.forEach((row, i) => {
    const name = row.name.trim();
    if (!name && !row.value) return;
    const key = `${prefix}.rows.${i}`;
    if (!name) errors[key] = kind === "header" ? "needs a header name" : "needs a parameter name";
    else if (kind === "header" && !HeaderName.safeParse(name).success) errors[key] = `"${name}" is not an HTTP header name`;
    else if (kind === "query" && !QueryParamName.safeParse(name).success) errors[key] = `"${name}" is not a query parameter name (letters, digits, . _ ~ - [ ])`;
    else if (seen.has(norm(name))) errors[key] = `"${name}" appears twice`;
    else {
      seen.add(norm(name));
      out[name] = row.value;
    }
  });
  return out;
}

function equalsOf(rule: RuleRow): { value?: string | number | boolean | null; error?: string } {
  switch (rule.equalsType) {
    case "string":
      return { value: rule.equals };
    case "null":
      return { value: null };
    case "boolean":
      return rule.equals.trim() === "true" || rule.equals.trim() === "false" ? { value: rule.equals.trim() === "true" } : { error: "must be true or false" };
    case "number": {
      const n = rule.equals.trim() === "" ? NaN : Number(rule.equals);
      return Number.isFinite(n) ? { value: n } : { error: "must be a number" };
    }
  }
}

function schemaOf(field: SchemaField, key: string, errors: FieldErrors): JsonSchema | undefined {
  const { schema, errors: found } = schemaOfField(field);
  for (const [k, m] of Object.entries(found)) errors[k ? `${key}.${k}` : key] ??= m;
  return schema;
}

/** The create body the form stands for (secret headers only when replacing), and what kept it from being exact. */
export function bodyOf(form: ToolForm): { body: ToolBody; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const number = (key: string, n: number | null) => {
    if (n !== null && !Number.isFinite(n)) errors[key] = "must be a number";
    return n === null || !Number.isFinite(n) ? undefined : n;
  };
  const timeoutMs = number("timeoutMs", form.timeoutMs);
  const headers = headerRecord(form.headers, "headers", errors);
  const secretHeaders = form.secrets.replace ? headerRecord(form.secrets.rows, "secretHeaders", errors) : undefined;
  const secretQueryParams = form.querySecrets.replace ? headerRecord(form.querySecrets.rows, "secretQueryParams", errors, "query") : undefined;
  const headersSchema = schemaOf(form.headersSchema, "headersSchema", errors);
  const bodySchema = schemaOf(form.bodySchema, "bodySchema", errors);
  // A style is kept only while its argument is in the body schema (the API refuses it otherwise).
  const args = bodySchema?.properties ?? {};
  const parameterStyles = Object.fromEntries(Object.entries(form.parameterStyles).filter(([name]) => Object.hasOwn(args, name)));
  const afterMs = form.progress.on ? number("progressSpeech.afterMs", form.progress.afterMs) : undefined;
  const transferRules = form.transferRules.map((r, i): TransferRule => {
    if (!r.targetAgentId) errors[`transferRules.${i}.targetAgentId`] = "choose an agent";
    const equals = r.matchResult ? equalsOf(r) : {};
    if (equals.error) errors[`transferRules.${i}.resultMatch.equals`] = equals.error;
    return {
      targetAgentId: r.targetAgentId,
      ...(r.when.trim() ? { when: r.when } : {}),
      ...(r.matchResult ? { resultMatch: { path: r.path.trim(), equals: equals.value ?? null } } : {}),
    };
  });
  const body: ToolBody = {
    code: form.code,
    description: form.description,
    method: form.method,
    url: form.url,
    headers,
    transferRules,
    bodyEncoding: form.bodyEncoding,
    ...(Object.keys(parameterStyles).length > 0 ? { parameterStyles } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(secretHeaders ? { secretHeaders } : {}),
    ...(secretQueryParams ? { secretQueryParams } : {}),
    ...(headersSchema ? { headersSchema } : {}),
    ...(bodySchema ? { bodySchema } : {}),
    ...(form.preToolSpeech.trim() ? { preToolSpeech: form.preToolSpeech } : {}),
    ...(form.progress.on ? { progressSpeech: { text: form.progress.text, afterMs: afterMs ?? defaultProgressAfterMs } } : {}),
  };
  return { body, errors };
}

/** What the API's URL check would refuse: a URL that is not absolute http(s), `{param}`s the body schema lacks. */
export function urlError(url: string, bodySchema: JsonSchema | undefined): string | null {
  if (!url.trim()) return "must not be empty";
  const missing = urlPathParams(url).filter((p) => !bodySchema?.properties || !Object.hasOwn(bodySchema.properties, p));
  if (missing.length > 0) return `path parameter ${missing.map((p) => `{${p}}`).join(", ")} is not a property of the body schema`;
  if (hasHostPlaceholder(url)) return "must not hold a placeholder in its host or port: a variable would choose where the request (and its secret headers) goes";
  const sample = url.trim().replace(/\{\{\s*[^}]*\}\}/g, "x").replace(/\{[^}]*\}/g, "x");
  let parsed: URL;
  try {
    parsed = new URL(sample);
  } catch {
    return "must be an absolute http(s) URL";
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return "must be an http(s) URL";
  if (parsed.username || parsed.password) return "must not carry credentials: use a secret header";
  return null;
}

/**
 * The saved secret headers this form would delete: the URL moves to another origin than they were
 * given for while they are kept rather than typed again (the API clears them then, never sending
 * them to the new address). Null when nothing would be lost.
 */
export function secretsDropped(saved: Tool | null | undefined, form: ToolForm): { names: string[]; from: string; to: string | null } | null {
  if (!saved) return null;
  const names = [...(form.secrets.replace ? [] : saved.secretHeaderNames), ...(form.querySecrets.replace ? [] : saved.secretQueryParamNames.map((n) => `?${n}`))];
  if (names.length === 0) return null;
  const to = toolUrlOrigin(form.url);
  if (saved.secretOrigin !== null && to === saved.secretOrigin) return null;
  return { names, from: saved.secretOrigin ?? "their former address", to };
}

/** Top-level keys of the body, changed between the saved form and this one. */
export function patchOf(initial: ToolForm, form: ToolForm): ToolPatch {
  const before = bodyOf(initial).body as Record<string, unknown>;
  const after = bodyOf(form).body as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === "secretHeaders" || key === "secretQueryParams" || sameJson(before[key], after[key])) continue;
    if (after[key] !== undefined) out[key] = after[key];
    // The API keeps what a PATCH leaves out: a removal is sent as null (the timeout as its default).
    else if (key === "headersSchema" || key === "bodySchema" || key === "preToolSpeech" || key === "progressSpeech") out[key] = null;
    else if (key === "timeoutMs") out[key] = defaultTimeoutMs;
    else if (key === "parameterStyles") out[key] = {};
  }
  if (form.secrets.replace) out["secretHeaders"] = bodyOf(form).body.secretHeaders ?? {};
  if (form.querySecrets.replace) out["secretQueryParams"] = bodyOf(form).body.secretQueryParams ?? {};
  return out as ToolPatch;
}

/** Whether the form differs from the saved one in anything it would send (or holds text that does not convert). */
export function isDirty(initial: ToolForm, form: ToolForm): boolean {
  if (form === initial) return false;
  const now = bodyOf(form);
  if (Object.keys(now.errors).length > 0) return !sameJson(initial, form);
  const secretsChanged = (a: ToolForm["secrets"], b: ToolForm["secrets"]) => a.replace !== b.replace || (a.replace && !sameJson(a.rows, b.rows));
  return secretsChanged(form.secrets, initial.secrets) || secretsChanged(form.querySecrets, initial.querySecrets) || !sameJson(bodyOf(initial).body, now.body);
}

/**
 * Everything the API would refuse, checked before sending: the conversion, the create schema on
 * the whole body, the URL, secret headers that are also plain headers, and (on update) the PATCH
 * body's schema and what a PATCH cannot do.
 */
export function validateForm(form: ToolForm, saved: { tool: Tool; initial: ToolForm } | null): FieldErrors {
  const { body, errors } = bodyOf(form);
  const add = (key: string, message: string) => void (errors[key] ??= message);
  const whole = CreateToolBody.safeParse({ ...body, secretHeaders: body.secretHeaders ?? {}, secretQueryParams: body.secretQueryParams ?? {} });
  if (!whole.success) for (const [k, m] of Object.entries(zodFieldErrors(whole.error))) add(k, m);
  const url = urlError(body.url, body.bodySchema);
  if (url) add("url", url);
  const plain = new Set(Object.keys(body.headers ?? {}).map((h) => h.toLowerCase()));
  const secretNames = body.secretHeaders ? Object.keys(body.secretHeaders) : (saved?.tool.secretHeaderNames ?? []);
  for (const name of secretNames) if (plain.has(name.toLowerCase())) add(`secretHeaders.${name}`, `"${name}" is also a plain header`);
  // The LLM's arguments and a secret query parameter would both name the same place in the URL.
  const args = body.bodySchema?.properties ?? {};
  const queryNames = body.secretQueryParams ? Object.keys(body.secretQueryParams) : (saved?.tool.secretQueryParamNames ?? []);
  for (const name of queryNames) if (Object.hasOwn(args, name)) add(`secretQueryParams.${name}`, `"${name}" is also an argument of the body schema`);
  if (body.bodyEncoding === "form" && body.method === "GET") add("bodyEncoding", "a GET request has no body: form encoding needs POST, PUT, PATCH or DELETE");
  if (saved) {
    const patch = UpdateToolBody.safeParse(patchOf(saved.initial, form));
    if (!patch.success) for (const [k, m] of Object.entries(zodFieldErrors(patch.error))) add(k, m);
  }
  return errors;
}
