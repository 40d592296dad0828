// A tool's headers/body schema as the editor shows it: a property table (flat string, number,
// integer and boolean properties with enum values, description, required) or the raw JSON Schema
// text. Keywords the table does not edit (format, minimum, a top-level description…) ride along
// untouched, so a round trip never drops them; schemas the table cannot show (nested objects,
// arrays, unions) stay in the JSON editor. Pure functions, tested without a DOM.
import { ObjectJsonSchema, type JsonSchema } from "../../../packages/contracts/src/json-schema.ts";
import { zodFieldErrors, type FieldErrors } from "../ui/forms.ts";

export const propertyTypes = ["string", "number", "integer", "boolean"] as const;
export type PropertyType = (typeof propertyTypes)[number];

export interface PropertyRow {
  name: string;
  type: PropertyType;
  /** Comma-separated allowed values; empty for no enum. */
  enumText: string;
  description: string;
  required: boolean;
  /** The property's other keywords (format, minimum, pattern…), kept as they are. */
  extra: Record<string, unknown>;
}

export interface SchemaTable {
  rows: PropertyRow[];
  /** The top level's other keywords (description, additionalProperties…), kept as they are. */
  extra: Record<string, unknown>;
}

export interface SchemaField {
  mode: "table" | "json";
  table: SchemaTable;
  /** The JSON text exactly as typed (never reformatted while in JSON mode). */
  text: string;
}

type Converted = { schema: JsonSchema | undefined; errors: FieldErrors };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isPropertyType = (v: unknown): v is PropertyType => typeof v === "string" && (propertyTypes as readonly string[]).includes(v);
const without = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

export const emptyRow = (): PropertyRow => ({ name: "", type: "string", enumText: "", description: "", required: false, extra: {} });

/** Enum values as editable text, or null when text cannot hold them exactly (commas, mixed types). */
function enumToText(values: unknown, type: PropertyType): string | null {
  if (!Array.isArray(values) || values.length === 0) return null;
  const fits = (v: unknown) => {
    if (type === "string") return typeof v === "string" && v.length > 0 && v === v.trim() && !v.includes(",");
    if (type === "boolean") return typeof v === "boolean";
    return typeof v === "number" && Number.isFinite(v) && (type === "number" || Number.isInteger(v));
  };
  return values.every(fits) ? values.map(String).join(", ") : null;
}

/** The enum typed into a row, by the row's type; an error message for values that do not fit. */
export function parseEnum(text: string, type: PropertyType): { values?: (string | number | boolean)[]; error?: string } {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) return {};
  const values: (string | number | boolean)[] = [];
  for (const part of parts) {
    let value: string | number | boolean;
    if (type === "string") value = part;
    else if (type === "boolean") {
      if (part !== "true" && part !== "false") return { error: `"${part}" is not true or false` };
      value = part === "true";
    } else {
      const n = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(part) ? Number(part) : NaN;
      if (!Number.isFinite(n)) return { error: `"${part}" is not a number` };
      if (type === "integer" && !Number.isInteger(n)) return { error: `"${part}" is not a whole number` };
      value = n;
    }
    if (values.includes(value)) return { error: `"${part}" appears twice` };
    values.push(value);
  }
  return { values };
}

/** The table for a schema, or why the table cannot show it. No schema is an empty table. */
export function schemaToTable(schema: unknown): { table: SchemaTable } | { reason: string } {
  if (schema === null || schema === undefined) return { table: { rows: [], extra: {} } };
  if (!isRecord(schema)) return { reason: "the schema is not a JSON object" };
  if (schema["type"] !== "object") return { reason: 'its top level is not type "object"' };
  const properties = schema["properties"] ?? {};
  const required = schema["required"] ?? [];
  if (!isRecord(properties)) return { reason: "its properties are not an object" };
  if (!Array.isArray(required) || !required.every((n) => typeof n === "string" && n in properties)) return { reason: "its required list names undeclared properties" };
  const rows: PropertyRow[] = [];
  for (const [name, node] of Object.entries(properties)) {
    if (!isRecord(node)) return { reason: `property "${name}" is not a schema object` };
    const type = node["type"];
    if (!isPropertyType(type)) return { reason: `property "${name}" is ${type === undefined ? "untyped" : JSON.stringify(type)}; the table edits string, number, integer and boolean properties only` };
    const description = node["description"];
    if (description !== undefined && typeof description !== "string") return { reason: `property "${name}" has a description that is not text` };
    const enumText = node["enum"] === undefined ? "" : enumToText(node["enum"], type);
    if (enumText === null) return { reason: `property "${name}" has enum values the table cannot show exactly` };
    rows.push({ name, type, enumText, description: description ?? "", required: required.includes(name), extra: without(node, ["type", "enum", "description"]) });
  }
  // `required: []` is kept as given; a non-empty list comes from the rows.
  const extra = without(schema, ["type", "properties", ...(Array.isArray(required) && required.length === 0 ? [] : ["required"])]);
  return { table: { rows, extra } };
}

const isBlank = (r: PropertyRow) => !r.name.trim() && !r.enumText.trim() && !r.description.trim() && Object.keys(r.extra).length === 0;

/** The schema of a table (undefined for an empty one) with errors keyed `rows.<i>.name|enum`. */
export function tableToSchema(table: SchemaTable): Converted {
  const errors: FieldErrors = {};
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  table.rows.forEach((row, i) => {
    if (isBlank(row)) return; // a row just added and left empty holds nothing to lose
    const name = row.name.trim();
    if (!name) errors[`rows.${i}.name`] = "needs a name";
    else if (Object.hasOwn(properties, name)) errors[`rows.${i}.name`] = `"${name}" appears twice`;
    const parsed = parseEnum(row.enumText, row.type);
    if (parsed.error) errors[`rows.${i}.enum`] = parsed.error;
    if (!name || Object.hasOwn(properties, name)) return;
    const description = row.description.trim();
    properties[name] = { type: row.type, ...(description ? { description } : {}), ...(parsed.values ? { enum: parsed.values } : {}), ...row.extra } as JsonSchema;
    if (row.required) required.push(name);
  });
  if (Object.keys(properties).length === 0 && Object.keys(table.extra).length === 0) return { schema: undefined, errors };
  const schema = { type: "object", ...table.extra, ...(Object.keys(properties).length ? { properties } : {}), ...(required.length ? { required } : {}) } as JsonSchema;
  return { schema, errors };
}

export const schemaText = (schema: JsonSchema | undefined) => (schema ? JSON.stringify(schema, null, 2) : "");

/** The schema typed as JSON (empty text: no schema), checked like the API checks it. */
export function parseSchemaText(text: string): Converted {
  if (!text.trim()) return { schema: undefined, errors: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { schema: undefined, errors: { "": `is not valid JSON: ${err instanceof Error ? err.message : String(err)}` } };
  }
  const checked = ObjectJsonSchema.safeParse(value);
  if (!checked.success) {
    const errors: FieldErrors = {};
    for (const [k, m] of Object.entries(zodFieldErrors(checked.error))) errors[k === "_" ? "" : k] = m;
    return { schema: undefined, errors };
  }
  return { schema: checked.data, errors: {} };
}

/** The editor state for a saved schema: the table when it can show it, else the JSON text. */
export function schemaField(schema: unknown): SchemaField {
  const converted = schemaToTable(schema);
  const text = schema === null || schema === undefined ? "" : JSON.stringify(schema, null, 2);
  if ("table" in converted) return { mode: "table", table: converted.table, text };
  return { mode: "json", table: { rows: [], extra: {} }, text };
}

/** The schema the field holds, whichever mode it is in. */
export function schemaOfField(field: SchemaField): Converted {
  return field.mode === "table" ? tableToSchema(field.table) : parseSchemaText(field.text);
}

/** Switch to the JSON text; refused while the table has errors (the text would drop them). */
export function toJsonMode(field: SchemaField): { field: SchemaField } | { error: string } {
  if (field.mode === "json") return { field };
  const { schema, errors } = tableToSchema(field.table);
  if (Object.keys(errors).length > 0) return { error: "Fix the table's errors first: the JSON would leave them out." };
  return { field: { ...field, mode: "json", text: schemaText(schema) } };
}

/** Switch to the table; refused (the text stays) when the JSON is invalid or too rich for it. */
export function toTableMode(field: SchemaField): { field: SchemaField } | { error: string } {
  if (field.mode === "table") return { field };
  const { schema, errors } = parseSchemaText(field.text);
  const first = Object.entries(errors)[0];
  if (first) return { error: `The JSON ${first[0] ? `at ${first[0]} ` : ""}${first[1]}; fix it to use the table.` };
  const converted = schemaToTable(schema);
  if ("reason" in converted) return { error: `The table cannot show this schema: ${converted.reason}. Keep editing it as JSON.` };
  return { field: { ...field, mode: "table", table: converted.table } };
}
