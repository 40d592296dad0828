// The provider parameters of a stage (LLM, STT, TTS) as editable rows: the agent's own values,
// each typed string, number or boolean (null only when the API already holds one), and the catalog
// model's defaultParams they override or inherit. Edits return a new record with the other keys
// untouched and in order. Pure: tested without a DOM.
import type { z } from "zod";
import type { ProviderParams } from "../../../packages/contracts/src/catalog.ts";

export type Params = z.infer<typeof ProviderParams>;
export type ParamValue = Params[string];
export type ParamType = "string" | "number" | "boolean" | "null";
export const paramTypes: ParamType[] = ["string", "number", "boolean"];

export const paramType = (value: ParamValue): ParamType => (value === null ? "null" : typeof value === "number" ? "number" : typeof value === "boolean" ? "boolean" : "string");

export interface ParamRow {
  key: string;
  /** The agent's value; undefined when the row only shows an inherited default. */
  value: ParamValue | undefined;
  /** The catalog model's default for this key, if any. */
  inherited: ParamValue | undefined;
}

/** The agent's params in their order, then the catalog defaults it does not override. */
export function paramRows(params: Params, defaults: Params): ParamRow[] {
  const own = Object.entries(params).map(([key, value]) => ({ key, value, inherited: Object.hasOwn(defaults, key) ? defaults[key] : undefined }));
  const inherited = Object.entries(defaults)
    .filter(([key]) => !Object.hasOwn(params, key))
    .map(([key, value]) => ({ key, value: undefined, inherited: value }));
  return [...own, ...inherited];
}

/** `value` as `type`: text that is a number or true/false keeps its meaning, anything else gets the type's empty value. */
export function convertParam(value: ParamValue, type: ParamType): ParamValue {
  if (type === "null") return null;
  if (type === "string") return value === null ? "" : String(value);
  if (type === "number") {
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : 0;
    return Number.isFinite(n) ? n : 0;
  }
  return value === true || value === "true" || (typeof value === "number" && value !== 0);
}

/** A number field's text as the value to store: NaN for text that is not a number, so the schema reports it. */
export function parseNumberParam(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text);
}

export type KeyCheck = { ok: true } | { ok: false; message: string };

/** Whether `key` may name a new or renamed parameter (the API's limits: 1 to 64 characters, unique). */
export function checkParamKey(params: Params, key: string, current?: string): KeyCheck {
  if (key === "") return { ok: false, message: "needs a name" };
  if (key.length > 64) return { ok: false, message: "at most 64 characters" };
  if (key !== current && Object.hasOwn(params, key)) return { ok: false, message: `"${key}" is already set` };
  return { ok: true };
}

/** `params` with `key` set, in place when present, else at the end. */
export function setParam(params: Params, key: string, value: ParamValue): Params {
  // Entries, because assigning obj["__proto__"] would not create a key.
  if (!Object.hasOwn(params, key)) return Object.fromEntries([...Object.entries(params), [key, value]]);
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, k === key ? value : v]));
}

/** `params` with `from` renamed to `to`, keeping its place and value. */
export function renameParam(params: Params, from: string, to: string): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k === from ? to : k, v]));
}

export function removeParam(params: Params, key: string): Params {
  return Object.fromEntries(Object.entries(params).filter(([k]) => k !== key));
}

/** A row added by name: the catalog default's value when there is one (to edit from), else empty text. */
export function addParam(params: Params, key: string, defaults: Params): Params {
  return setParam(params, key, Object.hasOwn(defaults, key) ? (defaults[key] ?? null) : "");
}

/** How a value reads as a placeholder or an inherited value. */
export function formatParam(value: ParamValue | undefined): string {
  if (value === undefined) return "";
  return value === null ? "null" : String(value);
}
