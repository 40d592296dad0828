// The editor's "Talk to agent" panel without the DOM: what the panel says about the version a test
// call uses, the variable form (one text per variable, typed by the published schema exactly as the
// API types query strings), the widget's `speaknode-state` events, the loader's URL and the
// short-lived agent token that lets the dashboard's origin start sessions whatever the agent's
// allowed origins. Tested without a DOM.
import { z } from "zod";
import type { Agent, AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { coerceValue } from "../../../packages/contracts/src/coerce-value.ts";
import type { VariableSpec, VariablesSchema, VariableValue } from "../../../packages/contracts/src/variables.ts";
import type { Api } from "../api/client.ts";
import { sameJson } from "./agent-editor.ts";

/** The Worker serves the widget's loader at its root; the loader takes the API's origin from its own URL. */
export const loaderUrl = (apiBase: string) => `${apiBase.replace(/\/+$/, "")}/speaknode-widget-loader.js`;

/** The custom element the loader defines (its spelling is the widget's public API). */
export const widgetTag = "speacknode-agent";

export type TestCallNotice =
  | { kind: "unpublished" }
  | { kind: "published"; version: number; /** Why the draft is not what is tested; null when it is. */ differs: "unsaved" | "draft" | null };

/**
 * What the panel says: an unpublished agent cannot be called (the widget serves the published
 * configuration); otherwise the call uses the published version, which may not be the draft.
 */
export function testCallNotice(agent: Pick<Agent, "published" | "publishedVersion">, dirty: boolean, savedDiffersFromPublished: boolean | null): TestCallNotice {
  if (!agent.published || agent.publishedVersion === null) return { kind: "unpublished" };
  return { kind: "published", version: agent.publishedVersion, differs: dirty ? "unsaved" : savedDiffersFromPublished ? "draft" : null };
}

/** Whether the saved configuration is other than the published snapshot (null while that is unknown). */
export function savedDiffers(saved: AgentConfig, published: AgentConfig | null): boolean | null {
  return published ? !sameJson(saved, published) : null;
}

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
  // Not sent by today's widget; shown as a link to the session as soon as it is.
  sessionId: z.string().optional(),
  eventsUrl: z.string().optional(),
});
export type WidgetState = z.infer<typeof WidgetState>;

/** The detail of a `speaknode-state` event, or null when it is not one. */
export function readWidgetState(detail: unknown): WidgetState | null {
  const parsed = WidgetState.safeParse(detail);
  return parsed.success ? parsed.data : null;
}

/** States of a conversation under way: the widget stays mounted through them even if the form turns invalid. */
export const inCall = (state: string | null) => state === "connecting" || state === "listening" || state === "thinking" || state === "speaking";

/** Test tokens live long enough for a few calls; a new panel asks for a new one. */
export const testTokenTtlS = 1800;

const IssuedToken = z.object({ token: z.string(), expiresAt: z.string() });

/** An agent token for the widget's `agent-token`: sessions from the dashboard skip the agent's allowed origins. */
export async function issueTestToken(api: Api, agentId: string): Promise<string> {
  const { token } = await api.json(IssuedToken, "POST", `/v1/agents/${encodeURIComponent(agentId)}/agent-tokens`, { body: { name: "Talk to agent (dashboard)", ttlS: testTokenTtlS } });
  return token;
}
