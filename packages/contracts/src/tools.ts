// Space-level tools an agent can call: webhook tools (HTTP requests described by JSON Schemas,
// with pre-tool and progress speech and transfer rules) and the platform's system tools.
import { z } from "zod";
import { TransferDestination } from "./phone-settings.ts";
import { text, jsonValue, urlText } from "./text.ts";
import { idSchema, Timestamp } from "./ids.ts";
import { FieldError } from "./problem.ts";
import { ObjectJsonSchema } from "./json-schema.ts";
import { patchShape } from "./patch.ts";

const timestamp = Timestamp;

export const toolCodePattern = /^[a-z][a-z0-9_]{0,63}$/;
export const ToolCode = text().regex(toolCodePattern, "must match ^[a-z][a-z0-9_]{0,63}$ (the name the LLM calls)");

export const HttpMethod = z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]);
export type HttpMethod = z.infer<typeof HttpMethod>;

/** Hand the conversation to another agent of the same space when the condition holds. */
export const TransferRule = z
  .strictObject({
    targetAgentId: idSchema("agent"),
    /** Told to the LLM: when it should transfer. */
    when: text().trim().max(500).optional(),
    /** Matched on the tool's JSON result: the value at `path` (dot-separated) equals `equals`. */
    resultMatch: z.strictObject({ path: text().min(1).max(200), equals: z.union([text(), z.number(), z.boolean(), z.null()]) }).optional(),
  })
  .refine((r) => r.when !== undefined || r.resultMatch !== undefined, { message: "needs `when` (for the LLM) or `resultMatch` (on the result), or both" })
  .meta({ id: "TransferRule" });
export type TransferRule = z.infer<typeof TransferRule>;

export const HeaderName = text().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "must be an HTTP header name");

/** A query parameter name a secret value may be given for (an API key sent in the URL). */
export const QueryParamName = text().regex(/^[A-Za-z0-9._~\[\]-]{1,100}$/, "must be a query parameter name (letters, digits, . _ ~ - [ ])");

/**
 * How the request body is encoded: `json` (application/json) or `form`
 * (application/x-www-form-urlencoded, as Twilio's and Stripe's write operations take).
 */
export const BodyEncoding = z.enum(["json", "form"]).meta({ id: "BodyEncoding" });
export type BodyEncoding = z.infer<typeof BodyEncoding>;

/**
 * How one argument is written into the request, as OpenAPI 3 `style`/`explode`/`allowReserved`
 * say: path arguments take simple, label or matrix; query and form-body arguments take form,
 * spaceDelimited, pipeDelimited or deepObject. Arguments without one use OpenAPI's defaults
 * (path: simple, not exploded; query and form body: form, exploded).
 */
export const ParameterStyle = z
  .strictObject({
    style: z.enum(["simple", "label", "matrix", "form", "spaceDelimited", "pipeDelimited", "deepObject"]),
    explode: z.boolean(),
    /** Query and form values only: reserved characters (:/?#[]@!$&'()*+,;=) are sent unencoded. */
    allowReserved: z.boolean().default(false),
  })
  .meta({ id: "ParameterStyle" });
export type ParameterStyle = z.infer<typeof ParameterStyle>;

const webhookFields = {
  code: ToolCode,
  description: text().trim().min(1, "must not be empty").max(1000),
  method: HttpMethod,
  /** http(s) URL of a public host (checked by the SSRF policy when saved); may hold `{{variable}}`
   *  placeholders and `{param}` path parameters of the body schema in its path and query, never in
   *  its host or port. */
  url: text().trim().min(1).max(2000),
  headersSchema: ObjectJsonSchema.optional(),
  bodySchema: ObjectJsonSchema.optional(),
  /** Plain headers sent as they are (may hold `{{variable}}`). */
  headers: z.record(HeaderName, text().max(2000)).default({}),
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
  preToolSpeech: text().trim().max(500).optional(),
  progressSpeech: z.strictObject({ text: text().trim().min(1).max(500), afterMs: z.number().int().min(200).max(60_000) }).optional(),
  transferRules: z.array(TransferRule).max(20).default([]),
  bodyEncoding: BodyEncoding.default("json"),
  /** Per argument (a property of the body schema): how it is serialized into the path, query or form body. */
  parameterStyles: z.record(text().min(1).max(200), ParameterStyle).default({}),
};

const secretQueryParams = z.record(QueryParamName, text().min(1).max(4000));

// Where a URL template sends requests. A placeholder is filled with a percent-encoded value, so in
// the path or query it cannot move the request to another origin; in the host or port it would
// let a caller's value choose the destination (and where the secret headers go), so it is refused.
const urlPlaceholder = /\{\{\s*[^}]*\}\}|\{[^}]*\}/g;

/** The authority part of a URL as written (between `scheme://` and the first `/`, `?` or `#`). */
function templateAuthority(template: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(template.trim())?.[1];
}

/** The origin of the template with every placeholder filled by `fill`; undefined if that does not parse. */
function filledOrigin(template: string, fill: string): string | undefined {
  try {
    return new URL(template.trim().replace(urlPlaceholder, fill)).origin;
  } catch {
    return undefined;
  }
}

/** Whether the template puts a placeholder in its host or port. */
export function hasHostPlaceholder(template: string): boolean {
  if (/[{}]/.test(templateAuthority(template) ?? "")) return true;
  // The URL parser also finds a host where the pattern above sees none ("https:{{h}}.example.com",
  // a backslash, a tab or newline inside the scheme): there a value that moves the origin tells.
  return filledOrigin(template, "a") !== filledOrigin(template, "b");
}

/** The template with every placeholder filled by a harmless sample. */
export function sampleToolUrl(template: string): string {
  return template.trim().replace(urlPlaceholder, "x");
}

/**
 * The origin (`https://api.example.com:8443`) a URL template's requests go to, the one its secret
 * headers are bound to; null when the template fixes none (not an absolute URL, or a placeholder
 * in its host or port).
 */
export function toolUrlOrigin(template: string): string | null {
  if (templateAuthority(template) === undefined || hasHostPlaceholder(template)) return null;
  try {
    const origin = new URL(sampleToolUrl(template)).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** What a client sends to create a webhook tool; `secretHeaders` and `secretQueryParams` (an API
 *  key in the URL) are write-only values, bound to the URL's origin. */
export const CreateToolBody = z
  .strictObject({ ...webhookFields, secretHeaders: z.record(HeaderName, text().min(1).max(4000)).default({}), secretQueryParams: secretQueryParams.default({}) })
  .meta({ id: "CreateToolBody" });
export type CreateToolBody = z.infer<typeof CreateToolBody>;

/** Partial update; `secretHeaders` replaces the whole set when given (values may not be read back);
 *  `null` clears an optional field (a schema, the pre-tool or progress speech). A `url` with
 *  another origin (scheme, host or port) than the secret headers were given for clears them,
 *  unless `secretHeaders` is given in the same request. */
export const UpdateToolBody = z
  .strictObject({
    ...patchShape(webhookFields),
    headersSchema: webhookFields.headersSchema.unwrap().nullable().optional(),
    bodySchema: webhookFields.bodySchema.unwrap().nullable().optional(),
    preToolSpeech: webhookFields.preToolSpeech.unwrap().nullable().optional(),
    progressSpeech: webhookFields.progressSpeech.unwrap().nullable().optional(),
    secretHeaders: z.record(HeaderName, text().min(1).max(4000)).optional(),
    /** Replaces the whole set when given, like `secretHeaders`. */
    secretQueryParams: secretQueryParams.optional(),
  })
  .meta({ id: "UpdateToolBody" });

export const Tool = z
  .object({
    id: idSchema("tool"),
    spaceId: idSchema("space"),
    kind: z.literal("webhook"),
    code: text(),
    description: text(),
    method: HttpMethod,
    url: text(),
    headersSchema: z.record(text(), jsonValue()).nullable(),
    bodySchema: z.record(text(), jsonValue()).nullable(),
    headers: z.record(text(), text()),
    /** Names of the secret headers; their values are never returned. */
    secretHeaderNames: z.array(text()),
    /** The origin (scheme://host[:port]) the secret headers were given for: they are sent to no
     *  other. Changing the URL to another origin clears them unless they are given again. Null
     *  without secret headers (and in snapshots published before origins were recorded). */
    secretOrigin: text().nullable().default(null),
    /** Names of the secret query parameters (bound to `secretOrigin` like the secret headers). */
    secretQueryParamNames: z.array(text()).default([]),
    bodyEncoding: BodyEncoding.default("json"),
    parameterStyles: z.record(text(), ParameterStyle).default({}),
    timeoutMs: z.number().int(),
    preToolSpeech: text().nullable(),
    progressSpeech: z.object({ text: text(), afterMs: z.number().int() }).nullable(),
    transferRules: z.array(TransferRule),
    version: z.number().int(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "Tool" });
export type Tool = z.infer<typeof Tool>;

/** A tool as a create or update returns it, saying whether the write dropped its secret headers. */
export const SavedTool = Tool.extend({
  /** True when the URL moved to another origin without the secret headers being given again in
   *  the same request: they were deleted, never sent to the new origin. */
  secretHeadersCleared: z.boolean(),
  /** What the caller should know about the write (e.g. why the secret headers were cleared). */
  warnings: z.array(text()),
}).meta({ id: "SavedTool" });
export type SavedTool = z.infer<typeof SavedTool>;

export const SystemToolName = z.enum(["end_call", "transfer_to_agent", "switch_language", "translate_conversation", "transfer_to_number", "send_dtmf"]).meta({ id: "SystemToolName" });
export type SystemToolName = z.infer<typeof SystemToolName>;

export const systemToolDescriptions: Record<SystemToolName, string> = {
  end_call: "End the call politely when the conversation is over.",
  transfer_to_agent: "Hand the conversation to another agent of the same space.",
  switch_language: "Switch the conversation to another of the agent's languages (speech recognition and voice).",
  translate_conversation: "Translate what was said so far into another language.",
  transfer_to_number: "Transfer the caller to a person at a phone number (phone calls only; the agent leaves the call).",
  send_dtmf: "Press keys on the phone keypad (DTMF tones), for example to navigate a phone menu.",
};

/** A tool attached to an agent: a webhook tool of the space by id, or a system tool by name. */
export const ToolRef = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("webhook"), toolId: idSchema("tool") }),
    z.strictObject({
      type: z.literal("system"),
      name: SystemToolName,
      /** For transfer_to_agent: the agents it may hand over to, with when to choose each. */
      targets: z.array(z.strictObject({ agentId: idSchema("agent"), when: text().trim().min(1).max(500) })).max(20).optional(),
      /** For transfer_to_number: the people it may transfer the caller to. */
      destinations: z.array(TransferDestination).max(20).optional(),
    }),
  ])
  .meta({ id: "ToolRef" });
export type ToolRef = z.infer<typeof ToolRef>;

/** The largest OpenAPI document the import takes (text or fetched): Stripe's is 4.2 MB, Twilio's core API 2.1 MB. */
export const maxOpenApiDocumentBytes = 10 * 1024 * 1024;
/** The largest request body of the import: a document of the largest size, escaped inside JSON. */
export const maxImportRequestBytes = 24 * 1024 * 1024;
/** Tools one confirm creates at most. */
export const maxImportedTools = 200;

/** What an operation's security scheme needs the user to fill in. */
export const ImportCredential = z
  .object({
    /** The scheme's name in the document (`components.securitySchemes`). */
    scheme: text(),
    /** basic: `basicAuth` (username and password); bearer: an `Authorization: Bearer …` secret header;
     *  header: a secret header `name`; query: a secret query parameter `name`. */
    kind: z.enum(["basic", "bearer", "header", "query"]),
    name: text(),
    description: text().optional(),
  })
  .meta({ id: "ImportCredential" });
export type ImportCredential = z.infer<typeof ImportCredential>;

/** POST /v1/spaces/{spaceId}/tools/import: an OpenAPI 3.x document's operations as webhook tools. */
export const ImportToolsBody = z
  .strictObject({
    source: z.discriminatedUnion("type", [
      z.strictObject({ type: z.literal("document"), document: z.union([text().min(1).max(maxOpenApiDocumentBytes), z.record(text(), jsonValue())]) }),
      z.strictObject({ type: z.literal("url"), url: urlText().max(2000) }),
    ]),
    /** Replaces the document's server URL (or supplies one it lacks). */
    baseUrl: urlText().max(1000).optional(),
    /** false: preview only; true: create the selected tools. */
    confirm: z.boolean().default(false),
    /** Codes to preview, or to create on confirm (all operations when omitted, if there are at most 200). */
    operations: z.array(text()).max(maxImportedTools).optional(),
    /** Secret header values given to every created tool (e.g. its API key). */
    secretHeaders: z.record(text(), text().min(1).max(4000)).default({}),
    /** Secret query parameters given to every created tool (an API key the API takes in the URL). */
    secretQueryParams: secretQueryParams.default({}),
    /** HTTP basic credentials: become the `Authorization: Basic …` secret header of every created tool. */
    basicAuth: z.strictObject({ username: text().min(1).max(1000), password: text().min(1).max(4000) }).optional(),
    /** Preview only, without `operations`: the drafts shown are those whose code, path, summary or tag contains this (case-insensitive)… */
    search: text().trim().max(200).optional(),
    /** …from this position… */
    offset: z.number().int().min(0).default(0),
    /** …at most this many. */
    limit: z.number().int().min(1).max(maxImportedTools).default(50),
  })
  .meta({ id: "ImportToolsBody" });

export const ImportPreviewItem = z.object({
  draft: z.record(text(), jsonValue()),
  errors: z.array(FieldError),
  needsBaseUrl: z.boolean(),
  /** Header names the operation's security needs (see `credentials` for what to fill in). */
  securityHints: z.array(text()),
  credentials: z.array(ImportCredential).default([]),
  source: z.object({ path: text(), method: text(), operationId: text().optional() }),
});
/** One line of the document's index: every importable operation, whatever the page shows. */
export const ImportOperationSummary = z.object({ code: text(), method: text(), path: text(), summary: text(), tags: z.array(text()), deprecated: z.boolean() }).meta({ id: "ImportOperationSummary" });
export const ImportToolsResult = z
  .object({
    confirmed: z.boolean(),
    /** The drafts asked for: `operations`, else the `search`/`offset`/`limit` page. */
    tools: z.array(ImportPreviewItem),
    created: z.array(Tool),
    warnings: z.array(text()),
    /** Every importable operation of the document, in document order. */
    operations: z.array(ImportOperationSummary).default([]),
    /** Importable operations in the document, and how many match `search`. */
    total: z.number().int().default(0),
    matched: z.number().int().default(0),
    offset: z.number().int().default(0),
    limit: z.number().int().default(0),
    /** What the document's security schemes need, across the operations shown. */
    credentials: z.array(ImportCredential).default([]),
  })
  .meta({ id: "ImportToolsResult" });
export type ImportOperationSummary = z.infer<typeof ImportOperationSummary>;

export type ImportToolsBody = z.input<typeof ImportToolsBody>;
export type ImportPreviewItem = z.infer<typeof ImportPreviewItem>;
export type ImportToolsResult = z.infer<typeof ImportToolsResult>;
