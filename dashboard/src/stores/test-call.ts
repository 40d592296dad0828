// The editor's "Talk to agent" panel without the DOM: the variable form (one text per variable,
// typed by the saved draft's schema exactly as the API types query strings), the widget's
// `speaknode-state` events and the loader's URL. The test session itself and its live timeline are
// test-session.ts. Tested without a DOM.
import { z } from "zod";
import { coerceValue } from "../../../packages/contracts/src/coerce-value.ts";
import type { VariableSpec, VariablesSchema, VariableValue } from "../../../packages/contracts/src/variables.ts";

/** The Worker serves the widget's loader at its root; the loader takes the API's origin from its own URL. */
export const loaderUrl = (apiBase: string) => `${apiBase.replace(/\/+$/, "")}/speaknode-widget-loader.js`;

/** The custom element the loader defines (its spelling is the widget's public API). */
export const widgetTag = "speacknode-agent";

/** One variable's field: its text (typed on sending) or an explicit null. */
export interface VariableInput {
  text: string;
  isNull: boolean;
}
export type VariableInputs = Record<string, VariableInput>;

/** The allowed values of an enum variable (a JSON Schema `enum` on its spec), or null. */
export function enumOptions(spec: VariableSpec): VariableValue[] | null {
  // The contracts' VariableSpec has no `enum` yet; a schema that carries one is honoured.
  const values: unknown = (spec as Record<string, unknown>)["enum"];
  if (!Array.isArray(values)) return null;
  const ok = values.filter((v): v is VariableValue => v === null || ["string", "number", "boolean"].includes(typeof v));
  return ok.length > 0 ? ok : null;
}

/** The form's first state: each variable's default, prefilled (a null default as null). */
export function initialVariableInputs(schema: VariablesSchema): VariableInputs {
  return Object.fromEntries(
    Object.entries(schema.properties).map(([name, spec]) => [name, { text: spec.default === undefined || spec.default === null ? "" : String(spec.default), isNull: spec.default === null }]),
  );
}

export interface TypedVariables {
  /** The values to send; an empty field is left out, so the API applies the default. */
  values: Record<string, VariableValue>;
  /** Field errors by variable name. */
  errors: Record<string, string>;
}

/** The form's values typed by the schema, with what the API would refuse reported per variable. */
export function typedVariables(schema: VariablesSchema, inputs: VariableInputs): TypedVariables {
  const entries: [string, VariableValue][] = [];
  const errors: Record<string, string> = {};
  const required = new Set(schema.required);
  for (const [name, spec] of Object.entries(schema.properties)) {
    const input = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (input?.isNull) {
      if (spec.nullable === true) entries.push([name, null]);
      else errors[name] = "may not be null";
      continue;
    }
    const text = input?.text ?? "";
    if (text === "") {
      if (required.has(name) && spec.default === undefined) errors[name] = "is required";
      continue;
    }
    const typed = coerceValue(spec, text, "string");
    if (!typed.ok) {
      errors[name] = typed.message;
      continue;
    }
    const options = enumOptions(spec);
    if (options && !options.includes(typed.value)) {
      errors[name] = `must be one of ${options.map((o) => JSON.stringify(o)).join(", ")}`;
      continue;
    }
    entries.push([name, typed.value]);
  }
  // fromEntries, because assigning obj["__proto__"] would not create a key.
  return { values: Object.fromEntries(entries), errors };
}

const WidgetState = z.object({
  state: z.string(),
  error: z.string().optional(),
  message: z.string().optional(),
  sessionId: z.string().optional(),
});
export type WidgetState = z.infer<typeof WidgetState>;

/** The detail of a `speaknode-state` event, or null when it is not one. */
export function readWidgetState(detail: unknown): WidgetState | null {
  const parsed = WidgetState.safeParse(detail);
  return parsed.success ? parsed.data : null;
}

/** States of a conversation under way: the widget stays mounted through them even if the form turns invalid. */
export const inCall = (state: string | null) => state === "connecting" || state === "listening" || state === "thinking" || state === "speaking";
