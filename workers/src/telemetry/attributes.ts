// OTLP attribute values ↔ plain JSON. Stored spans keep attributes as plain JSON (what the
// dashboard reads and jsonb indexes); Langfuse gets them re-encoded as OTLP AnyValues. The round
// trip keeps strings, booleans, arrays and key/value lists; numbers come back as intValue when
// integral (a double 1.0 turns into the int 1) and bytes as their base64 string.
import { toStorable } from "@speaknode/contracts";
import type { AnyValue, KeyValue } from "./otlp.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// Postgres refuses NUL in text and jsonb, and unpaired UTF-16 surrogates in jsonb: one such
// string would fail the whole batch insert, so they are replaced (the contracts' rule) when spans
// are accepted.
export function storableString(value: string): string {
  return toStorable(value);
}

/** At most `max` characters (code points are not split). */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  return /[\ud800-\udbff]$/.test(cut) ? cut.slice(0, -1) : cut;
}

export function flattenValue(value: AnyValue | undefined): JsonValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return storableString(value.stringValue);
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    // Beyond 2^53 a JSON number would lose digits: keep the exact decimal string.
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.bytesValue !== undefined) return storableString(value.bytesValue);
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(flattenValue);
  if (value.kvlistValue) return flattenAttributes(value.kvlistValue.values);
  return null;
}

export function flattenAttributes(list: KeyValue[] | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const { key, value } of list ?? []) out[storableString(key)] = flattenValue(value);
  return out;
}

export function toAnyValue(value: unknown): AnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toAnyValue) } };
  if (value !== null && typeof value === "object") return { kvlistValue: { values: toKeyValues(value as Record<string, unknown>) } };
  return {};
}

export function toKeyValues(attributes: Record<string, unknown>): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: toAnyValue(value) }));
}
