// The schema property table without a DOM: schema → table → schema round trips (keywords the
// table does not edit ride along), schemas only JSON can show, enum text by type, row errors,
// and switching between the table and the JSON text without losing anything.
import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../../../packages/contracts/src/json-schema.ts";
import { sameJson } from "./agent-editor.ts";
import { emptyRow, parseEnum, parseSchemaText, schemaField, schemaOfField, schemaToTable, tableToSchema, toJsonMode, toTableMode, type SchemaTable } from "./schema-table.ts";

const tableOf = (schema: unknown): SchemaTable => {
  const t = schemaToTable(schema);
  if (!("table" in t)) throw new Error(`not a table: ${t.reason}`);
  return t.table;
};

describe("schema table", () => {
  it("round-trips a flat schema, keeping keywords the table does not edit", () => {
    const schemas: JsonSchema[] = [
      { type: "object", properties: { city: { type: "string", description: "City name" } }, required: ["city"] },
      {
        type: "object",
        description: "Order lookup",
        additionalProperties: false,
        properties: {
          order_id: { type: "string", pattern: "^[0-9]+$", minLength: 3 },
          status: { type: "string", enum: ["open", "shipped"] },
          count: { type: "integer", minimum: 1, enum: [1, 2, 3] },
          price: { type: "number", enum: [1.5, -2] },
          express: { type: "boolean", default: false },
        },
        required: ["order_id", "count"],
      },
      { type: "object", properties: { q: { type: "string" } }, required: [] },
    ];
    for (const schema of schemas) {
      const back = tableToSchema(tableOf(schema));
      expect(back.errors).toEqual({});
      expect(sameJson(back.schema, schema)).toBe(true);
    }
  });

  it("shows rows by property with enum values as text and the required flag", () => {
    const t = tableOf({ type: "object", properties: { size: { type: "string", enum: ["s", "m"], format: "x" }, n: { type: "integer" } }, required: ["n"] });
    expect(t.rows).toEqual([
      { name: "size", type: "string", enumText: "s, m", description: "", required: false, extra: { format: "x" } },
      { name: "n", type: "integer", enumText: "", description: "", required: true, extra: {} },
    ]);
  });

  it("builds a schema from typed rows, skipping rows left blank, and no schema from an empty table", () => {
    const table: SchemaTable = {
      rows: [
        { ...emptyRow(), name: " city ", description: " Where ", required: true },
        emptyRow(),
        { ...emptyRow(), name: "days", type: "integer", enumText: "1, 3,7" },
        { ...emptyRow(), name: "metric", type: "boolean", enumText: "true" },
      ],
      extra: {},
    };
    expect(tableToSchema(table)).toEqual({
      schema: {
        type: "object",
        properties: { city: { type: "string", description: "Where" }, days: { type: "integer", enum: [1, 3, 7] }, metric: { type: "boolean", enum: [true] } },
        required: ["city"],
      },
      errors: {},
    });
    expect(tableToSchema({ rows: [emptyRow()], extra: {} })).toEqual({ schema: undefined, errors: {} });
  });

  it("reports nameless and duplicate rows and enum values that do not fit the type, per row", () => {
    const table: SchemaTable = {
      rows: [
        { ...emptyRow(), name: "a" },
        { ...emptyRow(), name: "a" },
        { ...emptyRow(), description: "no name" },
        { ...emptyRow(), name: "n", type: "integer", enumText: "1, 2.5" },
      ],
      extra: {},
    };
    expect(tableToSchema(table).errors).toEqual({ "rows.1.name": '"a" appears twice', "rows.2.name": "needs a name", "rows.3.enum": '"2.5" is not a whole number' });
    expect(parseEnum("x, y, x", "string").error).toBe('"x" appears twice');
    expect(parseEnum("1e3, -0.5", "number").values).toEqual([1000, -0.5]);
    expect(parseEnum("12abc", "number").error).toBe('"12abc" is not a number');
    expect(parseEnum("yes", "boolean").error).toBe('"yes" is not true or false');
    expect(parseEnum(" , ", "string")).toEqual({});
  });

  it("leaves schemas the table cannot show to the JSON editor, saying why", () => {
    const nested = { type: "object", properties: { address: { type: "object", properties: { city: { type: "string" } } } } };
    expect(schemaToTable(nested)).toEqual({ reason: expect.stringContaining('property "address" is "object"') });
    expect(schemaToTable({ type: "object", properties: { tags: { type: "string", enum: ["a,b"] } } })).toEqual({ reason: expect.stringContaining("enum values") });
    expect(schemaToTable({ type: "array" })).toEqual({ reason: expect.stringContaining("not type") });
    const field = schemaField(nested);
    expect(field.mode).toBe("json");
    expect(JSON.parse(field.text)).toEqual(nested);
    expect(schemaOfField(field).schema).toEqual(nested);
    expect(schemaField(null)).toEqual({ mode: "table", table: { rows: [], extra: {} }, text: "" });
  });
});

describe("schema JSON text", () => {
  it("checks the text like the API: JSON first, then the schema rules, keyed by path", () => {
    expect(parseSchemaText("  ")).toEqual({ schema: undefined, errors: {} });
    expect(parseSchemaText("{ nope").errors[""]).toMatch(/^is not valid JSON/);
    expect(parseSchemaText('{ "type": "string" }').errors).toEqual({ "": 'must be a JSON Schema with type "object"' });
    expect(parseSchemaText('{ "type": "object", "properties": { "a": { "type": "text" } }, "required": ["b"] }').errors).toEqual({
      "properties.a.type": "must be one of object, array, string, number, integer, boolean, null (or a list of them)",
      "required.0": '"b" is not in properties',
    });
  });

  it("switches table → JSON → table without losing anything, and refuses switches that would", () => {
    const start = schemaField({ type: "object", properties: { city: { type: "string", format: "x" } }, required: ["city"] });
    const json = toJsonMode(start);
    if (!("field" in json)) throw new Error(json.error);
    expect(JSON.parse(json.field.text)).toEqual({ type: "object", properties: { city: { type: "string", format: "x" } }, required: ["city"] });
    // Text the table cannot hold stays as typed, with the reason.
    const broken = { ...json.field, text: '{ "type": "object", ' };
    expect(toTableMode(broken)).toEqual({ error: expect.stringMatching(/^The JSON is not valid JSON/) });
    const nested = { ...json.field, text: '{ "type": "object", "properties": { "list": { "type": "array", "items": { "type": "string" } } } }' };
    expect(toTableMode(nested)).toEqual({ error: expect.stringContaining("The table cannot show this schema") });
    const edited = { ...json.field, text: '{ "type": "object", "properties": { "town": { "type": "string" } } }' };
    const table = toTableMode(edited);
    if (!("field" in table)) throw new Error(table.error);
    expect(table.field.mode).toBe("table");
    expect(table.field.table.rows.map((r) => r.name)).toEqual(["town"]);
    // A table with errors keeps its rows rather than dropping them into JSON.
    const bad = { ...table.field, table: { ...table.field.table, rows: [...table.field.table.rows, { ...emptyRow(), name: "n", type: "number" as const, enumText: "x" }] } };
    expect(toJsonMode(bad)).toEqual({ error: expect.stringContaining("Fix the table's errors first") });
  });
});
