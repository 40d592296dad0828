import { describe, expect, it } from "vitest";
import { analysisAsks, analysisSchemaField, analysisSchemaOf, prefixed } from "./analysis-settings.ts";
import { defaultAnalysisSettings } from "../../../packages/contracts/src/analysis.ts";
import { emptyRow } from "./schema-table.ts";

describe("the Analysis tab's structured data table", () => {
  it("round-trips a saved schema with a closed list of values through the table", () => {
    const saved = { type: "object" as const, properties: { reason: { type: "string" as const, enum: ["order", "refund"], description: "Why they called" }, booked: { type: "boolean" as const } }, required: ["reason"] };
    const field = analysisSchemaField(saved);
    expect(field.mode).toBe("table");
    expect(field.table.rows.map((r) => [r.name, r.type, r.enumText, r.required])).toEqual([
      ["reason", "string", "order, refund", true],
      ["booked", "boolean", "", false],
    ]);
    expect(analysisSchemaOf(field)).toEqual({ schema: saved, errors: {} });
  });

  it("an empty table is the empty schema, not a missing one", () => {
    const field = analysisSchemaField({ type: "object", properties: {}, required: [] });
    expect(field.table.rows).toEqual([]);
    expect(analysisSchemaOf(field)).toEqual({ schema: { type: "object", properties: {}, required: [] }, errors: {} });
  });

  it("refuses allowed values on a number field and names that are not variable names, in place", () => {
    const field = analysisSchemaField({ type: "object", properties: {}, required: [] });
    field.table.rows = [{ ...emptyRow(), name: "count", type: "integer", enumText: "1, 2" }];
    expect(analysisSchemaOf(field).errors).toEqual({ "rows.0.enum": "only a text (string) field can list its values" });
    field.table.rows = [{ ...emptyRow(), name: "two words" }];
    const bad = analysisSchemaOf(field);
    expect(bad.schema).toBeNull();
    expect(Object.keys(bad.errors)).toEqual(["properties.two words"]);
    expect(prefixed(bad.errors)).toHaveProperty(["analysis.structuredData.properties.two words"]);
  });

  it("says what the settings ask for", () => {
    expect(analysisAsks(defaultAnalysisSettings)).toEqual([]);
    expect(analysisAsks({ summaryPrompt: "Summarise", structuredData: { type: "object", properties: { a: { type: "string" } }, required: [] }, success: { kind: "score", rubric: "r", scoreMax: 5, passScore: 3 } })).toEqual([
      "a summary",
      "1 data field",
      "a score out of 5",
    ]);
  });
});
