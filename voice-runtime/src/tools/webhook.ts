// A space's webhook tool as a function the LLM can call: arguments checked against the tool's
// body schema, placed into the URL path, query string or body (JSON or form-encoded, with the
// OpenAPI styles of request-encoding.ts), sent through the SSRF guard with the tool's deadline,
// and the answer handed back bounded in size. Speaks the pre-tool and
// progress lines, asks for a hand-off when a transfer rule matches the result, and reports one
// record per call. A test case's mock (hooks.mock) answers in place of the API once the
// arguments are valid. What the LLM sees on failure is a ToolError, so it can recover or apologise.
import { randomUUID } from "node:crypto";
import { Validator } from "@cfworker/json-schema";
import type { Schema } from "@cfworker/json-schema";
import { failingFields, normaliseSchema } from "./argument-schema.ts";
import { llm, log } from "@livekit/agents";
import { renderText, renderUrl, TemplateError, urlPathParams } from "@speaknode/contracts";
import type { RuntimeWebhookTool, TransferRule } from "@speaknode/contracts";
import { BlockedDestinationError } from "@speaknode/ssrf";
import { HttpRequestError } from "./http-guard.ts";
import type { GuardedResponse } from "./http-guard.ts";
import { pairName, percentEncode, redactJson, secretRedactor, serializePairs, serializePath } from "./request-encoding.ts";
import type { SpeechControl, ToolCallRecord, VariableValues, WebhookToolOptions } from "./types.ts";

export const defaultMaxResponseChars = 8000;
/** Bytes read per response for each character handed to the LLM: UTF-8 needs at most 4. */
const bytesPerChar = 4;
const maxListedErrors = 10;
const maxRecordError = 1000;

type ToolParameters = llm.FunctionTool["parameters"];
type Json = Record<string, unknown>;

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

interface Placed {
  path: [string, unknown][];
  /** Encoded `key=value` pairs. */
  query: string[];
  body: unknown;
}

/**
 * Where each argument goes: `parameterLocations` for imported tools; otherwise `{param}`s of the
 * URL to the path and the rest to the body (POST/PUT/PATCH) or the query string (GET/DELETE).
 * A `bodyRoot` argument is the whole body. Each is written as its `parameterStyles` entry says.
 */
function placeArguments(def: RuntimeWebhookTool, args: Json): Placed {
  const inPath = new Set(urlPathParams(def.url));
  // A DELETE sends its arguments in the query string, unless the tool says it takes a form body.
  const sendsBody = def.method === "POST" || def.method === "PUT" || def.method === "PATCH" || (def.method === "DELETE" && def.bodyEncoding === "form");
  const path: [string, unknown][] = [];
  const query: string[] = [];
  const bodyProps: [string, unknown][] = [];
  let root: { value: unknown } | undefined;
  for (const [name, value] of Object.entries(args)) {
    if (value === undefined) continue;
    const where = def.parameterLocations?.[name] ?? (inPath.has(name) ? "path" : sendsBody ? "body" : "query");
    if (where === "path") path.push([name, value]);
    else if (where === "query") query.push(...serializePairs(name, value, "query", def.parameterStyles[name]));
    else if (where === "bodyRoot") root = { value };
    else bodyProps.push([name, value]);
  }
  // fromEntries, because assigning a "__proto__" argument would not create a property.
  const body = root !== undefined ? root.value : bodyProps.length > 0 || sendsBody ? Object.fromEntries(bodyProps) : undefined;
  return { path, query, body };
}

/**
 * The request's URL without its secret query parameters. Path parameters are written by their
 * style (renderUrl would percent-encode a label's `.` or a matrix's `;` and `=`), so renderUrl
 * gets a placeholder token for each and the styled value replaces the token afterwards; the
 * result goes through renderUrl once more (it has no placeholders left) for its checks: dot
 * segments, a valid URL. Template query parameters named like a secret one are dropped: the
 * secret one wins, as a secret header replaces a plain one.
 */
function buildUrl(def: RuntimeWebhookTool, variables: VariableValues, placed: Placed): URL {
  const nonce = randomUUID().replace(/-/g, "");
  const tokens = new Map<string, string>();
  const named: [string, string][] = [];
  for (const [name, value] of placed.path) {
    const styled = serializePath(name, value, def.parameterStyles[name]);
    if (styled === undefined) continue; // reported as missing by renderUrl
    const token = `snpath${tokens.size}x${nonce}`;
    tokens.set(token, styled);
    named.push([name, token]);
  }
  // fromEntries, because assigning a "__proto__" parameter would not create a property.
  const pathParams = Object.fromEntries(named);
  let url: URL;
  try {
    let rendered = renderUrl(def.url, variables, pathParams);
    for (const [token, styled] of tokens) rendered = rendered.split(token).join(styled);
    url = new URL(tokens.size === 0 ? rendered : renderUrl(rendered, {}));
  } catch (e) {
    if (e instanceof TemplateError) throw new WebhookCallError(`the request could not be built: ${e.message}`);
    throw e;
  }
  const secretNames = new Set(Object.keys(def.secretQuery));
  const own = url.search.slice(1).split("&").filter((pair) => pair !== "" && !secretNames.has(pairName(pair)));
  const query = [...own, ...placed.query.filter((pair) => !secretNames.has(pairName(pair)))];
  url.search = query.length === 0 ? "" : `?${query.join("&")}`;
  return url;
}

/** The URL the request goes to: with the secret query parameters, once their origin is checked. */
function withSecretQuery(url: URL, secretQuery: Record<string, string>): string {
  const pairs = Object.entries(secretQuery).map(([name, value]) => `${percentEncode(name, { space: "%20", keepBrackets: true })}=${percentEncode(value, { space: "%20" })}`);
  if (pairs.length === 0) return url.href;
  const sent = new URL(url.href);
  sent.search = `${url.search === "" ? "?" : `${url.search}&`}${pairs.join("&")}`;
  return sent.href;
}

/** The body as sent: JSON, or form pairs (each top-level property by its style). */
function encodeBody(def: RuntimeWebhookTool, body: unknown): string | undefined {
  if (body === undefined) return undefined;
  if (def.bodyEncoding !== "form") return JSON.stringify(body);
  if (!isRecord(body)) throw new WebhookCallError(`the request could not be built: a form-encoded body must be an object`);
  return Object.entries(body).flatMap(([name, value]) => serializePairs(name, value, "form", def.parameterStyles[name])).join("&");
}

function buildHeaders(def: RuntimeWebhookTool, variables: VariableValues, hasBody: boolean): Record<string, string> {
  // Keyed by lower-case name so a tool's own header replaces the default instead of doubling it.
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string): void => void headers.set(name.toLowerCase(), [name, value]);
  set("accept", "application/json, text/plain;q=0.9, */*;q=0.5");
  set("user-agent", "Speaknode-Webhook/1");
  if (hasBody) set("content-type", def.bodyEncoding === "form" ? "application/x-www-form-urlencoded" : "application/json");
  for (const [name, value] of Object.entries(def.headers)) set(name, renderText(value, variables));
  for (const [name, value] of Object.entries(def.secretHeaders)) set(name, value);
  return Object.fromEntries(headers.values());
}

/**
 * Secret headers and secret query parameters go to the origin they were given for and nowhere
 * else: a rendered URL on another origin (an old snapshot, a placeholder a caller filled, a config
 * from elsewhere) is refused before anything is sent, rather than sent without them or, worse, with them.
 */
function checkSecretOrigin(def: RuntimeWebhookTool, url: URL): void {
  if (Object.keys(def.secretHeaders).length === 0 && Object.keys(def.secretQuery).length === 0) return;
  if (url.origin !== def.secretOrigin) {
    throw new WebhookCallError("the tool's address is not where its credentials belong", { detail: `the request would go to ${url.origin}; its secrets are bound to ${def.secretOrigin ?? "no origin"}` });
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
function resultOf(res: GuardedResponse, maxChars: number, maxBytes: number, redact: (text: string) => string): { value: unknown; json: unknown } {
  // Redacted before parsing and cutting: a cut could otherwise leave the start of a secret.
  const text = redact(res.body.toString("utf8"));
  let json: unknown;
  let serialised = text;
  if (isJsonType(res.headers["content-type"]) && !res.truncated) {
    try {
      json = redactJson(JSON.parse(text), redact);
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

/** A mock's output as the LLM gets it: bounded like an API's answer; the transfer rules read it as JSON. */
function mockedResult(output: unknown, maxChars: number): { value: unknown; json: unknown } {
  const serialised = typeof output === "string" ? output : JSON.stringify(output ?? null);
  if (serialised.length > maxChars) {
    return { value: `${cut(serialised, maxChars)}\n[truncated: the response has ${serialised.length} characters; only the first ${maxChars} are shown]`, json: output };
  }
  return { value: output, json: output };
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

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, " ").trim();
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
  // Secret values never reach the LLM, the call record or a trace, even when an API quotes them.
  const redact = secretRedactor(def.secretQuery, def.secretHeaders);

  async function call(args: Json, signal: AbortSignal): Promise<{ value: unknown; json: unknown }> {
    const checked = validator.validate(args);
    if (!checked.valid) {
      const fields = failingFields(checked.errors, schema);
      const listed = fields.slice(0, maxListedErrors).join("; ") + (fields.length > maxListedErrors ? `; and ${fields.length - maxListedErrors} more` : "");
      throw new WebhookCallError(`Invalid arguments for ${def.code}: ${listed}`);
    }
    if (hooks.mock) {
      const answer = hooks.mock(def.code, args);
      if (def.preToolSpeech) speak(hooks.say, renderText(def.preToolSpeech, variables));
      if ("error" in answer) throw new WebhookCallError(answer.error);
      return mockedResult(answer.output, maxChars);
    }
    const placed = placeArguments(def, args);
    const url = buildUrl(def, variables, placed);
    checkSecretOrigin(def, url);
    const body = encodeBody(def, placed.body);
    const headers = buildHeaders(def, variables, body !== undefined);

    if (def.preToolSpeech) speak(hooks.say, renderText(def.preToolSpeech, variables));
    const progress = def.progressSpeech;
    const progressTimer = progress ? setTimeout(() => speak(hooks.say, renderText(progress.text, variables)), progress.afterMs) : undefined;
    const deadline = new AbortController();
    const timeoutTimer = setTimeout(() => deadline.abort(), def.timeoutMs);
    let res: GuardedResponse;
    try {
      res = await guard.request(withSecretQuery(url, def.secretQuery), { method: def.method, headers, body, signal: AbortSignal.any([deadline.signal, signal]), maxBytes });
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
      const text = excerpt(redact(res.body.toString("utf8")));
      throw new WebhookCallError(`the tool's API answered HTTP ${res.status}${redirect}${text === "" ? "" : `: ${text}`}`);
    }
    return resultOf(res, maxChars, maxBytes, redact);
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
          const shown = new WebhookCallError(redact(e.message), { status: e.status, ...(e.detail === undefined ? {} : { detail: redact(e.detail) }) });
          report({ status: shown.status, error: shown.detail === undefined ? shown.message : `${shown.message}: ${shown.detail}` });
          return shown;
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
