// An inbound route's mapping applied to a request body: RFC 6901 JSON pointers to the number to
// call, the agent's variables and the request's own idempotency key. Variables go through the
// coercion every dispatch uses (coerceVariables, JSON source: unknown names refused, required ones
// present, defaults applied); the number is normalised to E.164 by @speaknode/phone. The same
// function answers the preview of a pasted sample, so what the preview says is what a request gets.
import { coerceVariables, type InboundMapping, type InboundMappingPreview, type VariablesSchema, type VariableValue } from "@speaknode/contracts";
import { parsePhoneNumber } from "@speaknode/phone";

export interface MappingProblem {
  field: string;
  message: string;
}

/** Longest idempotency key kept (the claims table's column). */
export const maxIdempotencyKey = 300;

type Found = { found: true; value: unknown } | { found: false };

/** The value at an RFC 6901 pointer ("" is the whole document; ~1 is "/", ~0 is "~"). */
export function resolvePointer(doc: unknown, pointer: string): Found {
  if (pointer === "") return { found: true, value: doc };
  if (!pointer.startsWith("/")) return { found: false };
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(at)) {
      // Array indexes are decimal without leading zeros; "-" (past the end) never holds a value.
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return { found: false };
      const index = Number(token);
      if (index >= at.length) return { found: false };
      at = at[index];
    } else if (at !== null && typeof at === "object" && Object.hasOwn(at, token)) {
      at = (at as Record<string, unknown>)[token];
    } else return { found: false };
  }
  return { found: true, value: at };
}

/** A scalar as text (a key or a number may arrive as a JSON number); null for anything else. */
function scalarText(value: unknown): string | null {
  if (typeof value === "string") return value.trim();
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

/** The body's idempotency key at the mapping's pointer: null when the mapping names none. */
export function idempotencyKeyOf(mapping: Pick<InboundMapping, "idempotencyKey">, body: unknown): { key: string | null; problem?: MappingProblem } {
  if (mapping.idempotencyKey === undefined) return { key: null };
  const at = resolvePointer(body, mapping.idempotencyKey);
  const key = at.found ? scalarText(at.value) : null;
  if (!at.found) return { key: null, problem: { field: "idempotencyKey", message: `nothing at ${mapping.idempotencyKey}` } };
  if (key === null || key === "") return { key: null, problem: { field: "idempotencyKey", message: "must be a non-empty string or a number" } };
  if (key.length > maxIdempotencyKey) return { key: null, problem: { field: "idempotencyKey", message: `must be at most ${maxIdempotencyKey} characters` } };
  return { key };
}

export interface MappingOptions {
  /** The variable schema of the configuration the action will run. */
  schema: VariablesSchema;
  /** call and campaign_item dial the mapped number. */
  needsPhone: boolean;
  /** The request's key came in a header: the body's pointer is not read. */
  keyFromHeader?: boolean;
}

/** The mapping resolved against `body`; `ok` false with every problem found (never a throw). */
export function applyMapping(mapping: InboundMapping, body: unknown, opts: MappingOptions): InboundMappingPreview & { variables: Record<string, VariableValue> } {
  const problems: MappingProblem[] = [];

  let phoneNumber: string | null = null;
  if (opts.needsPhone) {
    if (mapping.phoneNumber === undefined) problems.push({ field: "phoneNumber", message: "the mapping names no pointer to the number to call" });
    else {
      const at = resolvePointer(body, mapping.phoneNumber);
      const raw = at.found ? scalarText(at.value) : null;
      if (!at.found || raw === null || raw === "") problems.push({ field: "phoneNumber", message: at.found ? "must be a phone number (text)" : `nothing at ${mapping.phoneNumber}` });
      else {
        const parsed = parsePhoneNumber(raw);
        if (parsed.ok) phoneNumber = parsed.e164;
        else problems.push({ field: "phoneNumber", message: parsed.message });
      }
    }
  }

  // A pointer to nothing is an absent variable: its default applies, or "is required".
  const given: Record<string, unknown> = {};
  for (const [name, pointer] of Object.entries(mapping.variables)) {
    const at = resolvePointer(body, pointer);
    if (at.found) given[name] = at.value;
    else if (!Object.hasOwn(opts.schema.properties, name)) given[name] = null;
  }
  const coerced = coerceVariables(opts.schema, given, { source: "json", fieldPrefix: "variables" });
  const variables = coerced.ok ? coerced.values : {};
  if (!coerced.ok) problems.push(...coerced.errors);

  let idempotencyKey: string | null = null;
  if (!opts.keyFromHeader) {
    const key = idempotencyKeyOf(mapping, body);
    idempotencyKey = key.key;
    if (key.problem) problems.push(key.problem);
  }
  return { ok: problems.length === 0, phoneNumber, variables, idempotencyKey, problems };
}
