// The Analysis tab's structured data schema, edited with the tool schema's property table
// (schema-table.ts): a row is a field the LLM extracts. The analysis schema is narrower than a
// tool's: flat string/number/integer/boolean fields, allowed values (enum) for strings only, no
// other keywords. Those rules are checked per row here so the table shows them in place before a
// save; the API's answers (keyed `analysis.structuredData.properties.<name>…`) show by name.
// Pure functions, tested without a DOM.
import { AnalysisSchema, type AnalysisSettings } from "../../../packages/contracts/src/analysis.ts";
import type { FieldErrors } from "../ui/forms.ts";
import { schemaField, schemaOfField, type SchemaField } from "./schema-table.ts";

export const structuredDataPrefix = "analysis.structuredData";

export const emptyAnalysisSchema = (): AnalysisSchema => ({ type: "object", properties: {}, required: [] });

/** The editor state for the saved schema (an empty one is an empty table). */
export function analysisSchemaField(schema: AnalysisSchema): SchemaField {
  return Object.keys(schema.properties).length === 0 ? schemaField(undefined) : schemaField({ type: "object", properties: schema.properties, required: schema.required });
}

/** The schema the table holds, or errors keyed like the table's (`rows.<i>.name|enum|type`, or "" for the JSON text). */
export function analysisSchemaOf(field: SchemaField): { schema: AnalysisSchema | null; errors: FieldErrors } {
  const { schema, errors } = schemaOfField(field);
  const own: FieldErrors = { ...errors };
  if (field.mode === "table") {
    field.table.rows.forEach((row, i) => {
      if (row.type !== "string" && row.enumText.trim() && !own[`rows.${i}.enum`]) own[`rows.${i}.enum`] = "only a text (string) field can list its values";
      if (Object.keys(row.extra).length > 0) own[`rows.${i}.name`] ??= `analysis fields take no ${Object.keys(row.extra).join(", ")}`;
    });
  }
  if (Object.keys(own).length > 0) return { schema: null, errors: own };
  if (!schema) return { schema: emptyAnalysisSchema(), errors: {} };
  const checked = AnalysisSchema.safeParse(schema);
  if (!checked.success) {
    // Keyed by path (`properties.<name>…`): the table shows those by the row's name.
    const byPath: FieldErrors = {};
    for (const issue of checked.error.issues) byPath[issue.path.map(String).join(".")] ??= issue.message;
    return { schema: null, errors: byPath };
  }
  return { schema: checked.data, errors: {} };
}

/** Errors under `prefix.` for the schema editor, which shows the keys it owns. */
export const prefixed = (errors: FieldErrors, prefix = structuredDataPrefix): FieldErrors =>
  Object.fromEntries(Object.entries(errors).map(([k, m]) => [k ? `${prefix}.${k}` : prefix, m]));

/** What the settings ask for, in a line (the tab's heading and the session page's hint). */
export function analysisAsks(settings: AnalysisSettings): string[] {
  const asks: string[] = [];
  if (settings.summaryPrompt) asks.push("a summary");
  const n = Object.keys(settings.structuredData.properties).length;
  if (n > 0) asks.push(`${n} data field${n === 1 ? "" : "s"}`);
  if (settings.success.kind === "pass_fail") asks.push("a pass/fail verdict");
  if (settings.success.kind === "score") asks.push(`a score out of ${settings.success.scoreMax}`);
  return asks;
}
