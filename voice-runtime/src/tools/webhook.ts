// A space's webhook tool as a function the LLM can call: arguments checked against the tool's
// body schema, placed into the URL path, query string or JSON body, sent through the SSRF guard
// with the tool's deadline, and the answer handed back bounded in size. Speaks the pre-tool and
// progress lines, asks for a hand-off when a transfer rule matches the result, and reports one
// record per call. What the LLM sees on failure is a ToolError, so it can recover or apologise.
import { Validator } from "@cfworker/json-schema";
import type { OutputUnit, Schema } from "@cfworker/json-schema";
import { llm, log } from "@livekit/agents";
import { renderText, renderUrl, TemplateError, urlPathParams } from "@speaknode/contracts";
import type { RuntimeWebhookTool, TransferRule } from "@speaknode/contracts";
import { BlockedDestinationError } from "@speaknode/ssrf";
import { HttpRequestError } from "./http-guard.ts";
import type { GuardedResponse } from "./http-guard.ts";
import type { SpeechControl, ToolCallRecord, VariableValues, WebhookToolOptions } from "./types.ts";

export const defaultMaxResponseChars = 8000;
/** Bytes read per response for each character handed to the LLM: UTF-8 needs at most 4. */
const bytesPerChar = 4;
const maxListedErrors = 10;
const maxRecordError = 1000;

type ToolParameters = llm.FunctionTool["parameters"];
type Json = Record<string, unknown>;
type Scalar = string | number | boolean | null;

/** How a call failed: a ToolError (its message is what the LLM reads) with the record's status. */
export class WebhookCallError extends llm.ToolError {
  readonly status: "error" | "timeout";
  /** For the call record only: what the LLM need not know (the host, the reason). */
  readonly detail: string | undefined;
  constructor(message: string, options: { status?: "error" | "timeout"; detail?: string } = {}) {
    super(message);
    this.name = "WebhookCallError";
    this.status = options.status ?? "error";
    this.detail = options.detail;
  }
}

const isRecord = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

// OpenAPI 3.0's `nullable: true` is not JSON Schema: neither the validator nor the LLM providers
// read it. Written as a type list with "null" instead, so null passes where the API allows it.
function normaliseSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseSchema);
  if (!isRecord(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "nullable") continue;
    const isSchemaMap = key === "properties" && isRecord(value);
    out[key] = isSchemaMap ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normaliseSchema(v)])) : ["items", "additionalProperties", "oneOf", "anyOf", "allOf"].includes(key) ? normaliseSchema(value) : value;
  }
  if (node["nullable"] === true) {
    const type = out["type"];
    if (typeof type === "string" && type !== "null") out["type"] = [type, "null"];
    else if (Array.isArray(type) && !type.includes("null")) out["type"] = [...type, "null"];
    const values = out["enum"];
    if (Array.isArray(values) && !values.includes(null)) out["enum"] = [...values, null];
  }
  return out;
}

function parametersSchema(def: RuntimeWebhookTool): Json {
  const normalised = normaliseSchema(def.bodySchema ?? {});
  const schema = isRecord(normalised) ? normalised : {};
  // Providers want an object with properties even when the tool takes no arguments.
  return { ...schema, type: "object", properties: isRecord(schema["properties"]) ? schema["properties"] : {} };
}

function describeTool(def: RuntimeWebhookTool): string {
  const whens = def.transferRules.map((r) => r.when).filter((w): w is string => w !== undefined && w !== "");
  if (whens.length === 0) return def.description;
  const cases = whens.map((w) => w.replace(/[.\s]+$/, "")).join("; or ");
  return `${def.description}\nCalling this tool may hand the conversation over to another agent, when: ${cases}.`;
}

// The schema value a failing keyword points at ("#/properties/qty/minimum" → 1).
function schemaAt(schema: unknown, pointer: string): unknown {
  let node = schema;
  for (const raw of pointer.replace(/^#\/?/, "").split("/")) {
    if (raw === "") continue;
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = Array.isArray(node) ? node[Number(key)] : isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  }
  return node;
}

// Worded from the schema, never from the arguments: the message reaches the LLM and the call
// record, and values the caller spoke have no business in either beyond the arguments themselves.
function ruleMessage(keyword: string, expected: unknown): string {
  const shown = (JSON.stringify(expected) ?? "").slice(0, 200);
  switch (keyword) {
    case "type":
      return `must be of type ${Array.isArray(expected) ? expected.join(" or ") : String(expected)}`;
    case "minimum":
      return `must be at least ${shown}`;
    case "maximum":
      return `must be at most ${shown}`;
    case "exclusiveMinimum":
      return `must be greater than ${shown}`;
    case "exclusiveMaximum":
      return `must be less than ${shown}`;
    case "minLength":
      return `must have at least ${shown} characters`;
    case "maxLength":
      return `must have at most ${shown} characters`;
    case "minItems":
      return `must have at least ${shown} items`;
    case "maxItems":
      return `must have at most ${shown} items`;
    case "enum":
      return `must be one of ${shown}`;
    case "const":
      return `must be ${shown}`;
    case "pattern":
      return `must match the pattern ${shown}`;
    case "format":
      return `must be a valid ${String(expected)}`;
    case "false":
      return "is not an accepted property";
    case "anyOf":
    case "oneOf":
      return "does not match any of the allowed forms";
    default:
      return `does not satisfy "${keyword}"`;
  }
}

/** The validator's complaints as `field: message`, without the summary lines of parent keywords. */
function failingFields(errors: OutputUnit[], schema: unknown): string[] {
  const summaries = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "additionalProperties"]);
  const lines = new Set<string>();
  for (const e of errors) {
    if (summaries.has(e.keyword)) continue;
    let field = e.instanceLocation.replace(/^#\/?/, "").split("/").map(decodeURIComponent).join(".");
    let message: string;
    const required = /required property "(.+)"/.exec(e.error);
    if (e.keyword === "required" && required?.[1] !== undefined) {
      field = field === "" ? required[1] : `${field}.${required[1]}`;
      message = "is required";
    } else message = ruleMessage(e.keyword, schemaAt(schema, e.keywordLocation));
    lines.add(`${field === "" ? "(arguments)" : field}: ${message}`);
  }
  return [...lines];
}

function scalarText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value) ?? "";
}

interface Placed {
  pathParams: Record<string, Scalar>;
  query: [string, string][];
  body: unknown;
}

/**
 * Where each argument goes: `parameterLocations` for imported tools; otherwise `{param}`s of the
 * URL to the path and the rest to the JSON body (POST/PUT/PATCH) or the query string (GET/DELETE).
 * A `bodyRoot` argument is the whole body. Query arrays repeat the key (OpenAPI's default form).
 */
function placeArguments(def: RuntimeWebhookTool, args: Json): Placed {
  const inPath = new Set(urlPathParams(def.url));
  const sendsBody = def.method === "POST" || def.method === "PUT" || def.method === "PATCH";
  const path: [string, Scalar][] = [];
  const query: [string, string][] = [];
  const bodyProps: [string, unknown][] = [];
  let root: { value: unknown } | undefined;
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    const where = def.parameterLocations?.[name] ?? (inPath.has(name) ? "path" : sendsBody ? "body" : "query");
    if (where === "path") path.push([name, typeof value === "object" && value !== null ? scalarText(value) : (value as Scalar)]);
    else if (where === "query") {
      if (value === null) continue;
      for (const item of Array.isArray(value) ? value : [value]) query.push([name, scalarText(item)]);
    } else if (where === "bodyRoot") root = { value };
    else bodyProps.push([name, value]);
  }
  // fromEntries, because assigning a "__proto__" argument would not create a property.
  const body = root !== undefined ? root.value : bodyProps.length > 0 || sendsBody ? Object.fromEntries(bodyProps) : undefined;
  return { pathParams: Object.fromEntries(path), query, body };
}

function buildUrl(def: RuntimeWebhookTool, variables: VariableValues, placed: Placed): string {
  let url: URL;
  try {
    url = new URL(renderUrl(def.url, variables, placed.pathParams));
  } catch (e) {
    if (e instanceof TemplateError) throw new WebhookCallError(`the request could not be built: ${e.message}`);
    throw e;
  }
  for (const [name, value] of placed.query) url.searchParams.append(name, value);
  return url.href;
}

function buildHeaders(def: RuntimeWebhookTool, variables: VariableValues, hasBody: boolean): Record<string, string> {
  // Keyed by lower-case name so a tool's own header replaces the default instead of doubling it.
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string): void => void headers.set(name.toLowerCase(), [name, value]);
  set("accept", "application/json, text/plain;q=0.9, */*;q=0.5");
  set("user-agent", "Speaknode-Webhook/1");
  if (hasBody) set("content-type", "application/json");
  for (const [name, value] of Object.entries(def.headers)) set(name, renderText(value, variables));
  for (const [name, value] of Object.entries(def.secretHeaders)) set(name, value);
  return Object.fromEntries(headers.values());
}

/**
 * Secret headers go to the origin they were given for and nowhere else: a rendered URL on another
 * origin (an old snapshot, a placeholder a caller filled, a config from elsewhere) is refused
 * before anything is sent, rather than sent without them or, worse, with them.
 */
function checkSecretOrigin(def: RuntimeWebhookTool, url: string): void {
  if (Object.keys(def.secretHeaders).length === 0) return;
  const origin = new URL(url).origin;
  if (origin !== def.secretOrigin) {
    throw new WebhookCallError("the tool's address is not where its credentials belong", { detail: `the request would go to ${origin}; its secret headers are bound to ${def.secretOrigin ?? "no origin"}` });
  }
}

function isJsonType(contentType: string | undefined): boolean {
  const media = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  return media === "application/json" || media.endsWith("+json");
}

/** Cuts at `max` characters without splitting a surrogate pair. */
function cut(text: string, max: number): string {
  const end = max > 0 && /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return text.slice(0, end);
}

/** What the LLM gets from a 2xx answer, and the parsed JSON the transfer rules look at. */
function resultOf(res: GuardedResponse, maxChars: number, maxBytes: number): { value: unknown; json: unknown } {
  const text = res.body.toString("utf8");
  let json: unknown;
  let serialised = text;
  if (isJsonType(res.headers["content-type"]) && !res.truncated) {
    try {
      json = JSON.parse(text);
      serialised = JSON.stringify(json);
    } catch {
      json = undefined; // a JSON content type with a non-JSON body: handed over as text
    }
  }
  if (res.truncated) {
    return { value: `${cut(text, maxChars)}\n[truncated: the response was longer than ${maxBytes} bytes; only the first ${Math.min(maxChars, text.length)} characters are shown]`, json: undefined };
  }
  if (serialised.length > maxChars) {
    return { value: `${cut(serialised, maxChars)}\n[truncated: the response has ${serialised.length} characters; only the first ${maxChars} are shown]`, json };
  }
  if (json !== undefined) return { value: json, json };
  return { value: text === "" ? `The request succeeded (HTTP ${res.status}) with an empty response.` : text, json };
}

/** The value at a dot-separated path (array indexes as numbers), own properties only. */
export function valueAtPath(data: unknown, path: string): unknown {
  let current: unknown = data;
  for (const key of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else if (isRecord(current) && Object.hasOwn(current, key)) current = current[key];
    else return undefined;
  }
  return current;
}

function matchingTransfer(rules: TransferRule[], json: unknown): TransferRule | undefined {
  if (json === undefined) return undefined;
  return rules.find((r) => r.resultMatch !== undefined && valueAtPath(json, r.resultMatch.path) === r.resultMatch.equals);
}

function excerpt(body: Buffer): string {
  const text = body.toString("utf8").replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${cut(text, 200)}…` : text;
}

function speak(say: (text: string) => SpeechControl, text: string): void {
  try {
    // Not awaited: the request goes out while the line plays, and a failed line is not a failed call.
    say(text).done.catch(() => undefined);
  } catch {
    // The session may be closing; the call itself goes on.
  }
}

export function createWebhookTool(def: RuntimeWebhookTool, options: WebhookToolOptions): llm.FunctionTool {
  const { variables, guard, hooks } = options;
  const now = options.now ?? Date.now;
  const maxChars = options.maxResponseChars ?? defaultMaxResponseChars;
  const maxBytes = maxChars * bytesPerChar;
  const schema = parametersSchema(def);
  const validator = new Validator(schema as Schema, "2020-12", false);
  // Resolved per call: the library's logger exists only once the runner has initialised it.
  const logger = () => log().child({ tool: def.code });

  async function call(args: Json, signal: AbortSignal): Promise<{ value: unknown; json: unknown }> {
    const checked = validator.validate(args);
    if (!checked.valid) {
      const fields = failingFields(checked.errors, schema);
      const listed = fields.slice(0, maxListedErrors).join("; ") + (fields.length > maxListedErrors ? `; and ${fields.length - maxListedErrors} more` : "");
      throw new WebhookCallError(`Invalid arguments for ${def.code}: ${listed}`);
    }
    const placed = placeArguments(def, args);
    const url = buildUrl(def, variables, placed);
    checkSecretOrigin(def, url);
    const headers = buildHeaders(def, variables, placed.body !== undefined);
    const body = placed.body === undefined ? undefined : JSON.stringify(placed.body);

    if (def.preToolSpeech) speak(hooks.say, renderText(def.preToolSpeech, variables));
    const progress = def.progressSpeech;
    const progressTimer = progress ? setTimeout(() => speak(hooks.say, renderText(progress.text, variables)), progress.afterMs) : undefined;
    const deadline = new AbortController();
    const timeoutTimer = setTimeout(() => deadline.abort(), def.timeoutMs);
    let res: GuardedResponse;
    try {
      res = await guard.request(url, { method: def.method, headers, body, signal: AbortSignal.any([deadline.signal, signal]), maxBytes });
    } catch (e) {
      if (deadline.signal.aborted) throw new WebhookCallError("the tool timed out", { status: "timeout", detail: `no answer within ${def.timeoutMs} ms` });
      if (e instanceof BlockedDestinationError) throw new WebhookCallError("the tool's address is not allowed", { detail: e.message });
      if (e instanceof HttpRequestError && e.kind === "aborted") throw new WebhookCallError("the call was cancelled");
      if (e instanceof HttpRequestError) throw new WebhookCallError("the tool's API could not be reached", { detail: e.message });
      throw e;
    } finally {
      clearTimeout(timeoutTimer);
      clearTimeout(progressTimer);
    }
    if (res.status < 200 || res.status > 299) {
      const redirect = res.status >= 300 && res.status < 400 ? " (a redirect, which is not followed)" : "";
      const text = excerpt(res.body);
      throw new WebhookCallError(`the tool's API answered HTTP ${res.status}${redirect}${text === "" ? "" : `: ${text}`}`);
    }
    return resultOf(res, maxChars, maxBytes);
  }

  // The library types raw JSON Schema parameters through @types/json-schema, which is not
  // installed here, so it infers no-argument tools; the runtime passes the schema through as is
  // (execute checks the arguments itself), hence the cast.
  const tool = llm.tool({
    name: def.code,
    description: describeTool(def),
    parameters: schema as ToolParameters,
    execute: async (rawArgs: unknown, opts: llm.ToolOptions): Promise<unknown> => {
      const startedMs = now();
      const args: Json = isRecord(rawArgs) ? rawArgs : {};
      const report = (fields: Pick<ToolCallRecord, "status" | "response" | "error">): void => {
        const latencyMs = Math.max(0, now() - startedMs);
        const record: ToolCallRecord = { toolCallId: opts.toolCallId, name: def.code, request: args, latencyMs, startedAt: new Date(startedMs).toISOString(), status: fields.status };
        if (fields.response !== undefined) record.response = fields.response;
        if (fields.error !== undefined) record.error = fields.error.slice(0, maxRecordError);
        // Values stay out of the log: only the outcome and the timing.
        logger().info({ status: record.status, latencyMs }, "webhook tool call");
        try {
          hooks.onCall(record);
        } catch (e) {
          logger().error({ error: e instanceof Error ? e.name : "unknown" }, "onCall hook failed");
        }
      };
      // Failures are returned, not thrown: the library hands a returned Error to the LLM exactly
      // like a thrown one (a ToolError's message, marked as an error), but logs a thrown one with
      // its message, which may quote the API's answer.
      let outcome: { value: unknown; json: unknown };
      try {
        outcome = await call(args, opts.abortSignal);
      } catch (e) {
        if (e instanceof WebhookCallError) {
          report({ status: e.status, error: e.detail === undefined ? e.message : `${e.message}: ${e.detail}` });
          return e;
        }
        report({ status: "error", error: `unexpected failure: ${e instanceof Error ? e.name : "unknown"}` });
        return new llm.ToolError("the tool failed unexpectedly");
      }
      report({ status: "ok", response: outcome.value });
      const rule = matchingTransfer(def.transferRules, outcome.json);
      if (rule?.resultMatch) {
        try {
          hooks.transfer(rule.targetAgentId, `tool ${def.code} returned ${rule.resultMatch.path} = ${JSON.stringify(rule.resultMatch.equals)}`);
        } catch (e) {
          logger().error({ error: e instanceof Error ? e.name : "unknown" }, "transfer hook failed");
        }
      }
      return outcome.value;
    },
  });
  return tool as unknown as llm.FunctionTool;
}
