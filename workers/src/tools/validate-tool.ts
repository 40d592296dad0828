// Checks of a webhook tool beyond its shape: a URL that is absolute http(s) once filled, with a
// fixed origin the SSRF policy lets through (tool-url.ts), path parameters declared by the body
// schema, headers and query parameters not given twice, parameter styles that fit where each
// argument goes, a code free in the space, and transfer targets that are agents of the same space.
import { and, eq, inArray, ne } from "drizzle-orm";
import { urlPathParams, type BodyEncoding, type FieldError, type HttpMethod, type JsonSchema, type ParameterStyle, type TransferRule } from "@speaknode/contracts";
import { agents, tools, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { checkToolDestination, hostPlaceholderError, type ToolUrlPolicy } from "./tool-url.ts";

type Location = "path" | "query" | "body" | "bodyRoot";

export interface ToolDraft {
  code: string;
  method: HttpMethod;
  url: string;
  bodySchema?: JsonSchema | undefined;
  headers: Record<string, string>;
  secretHeaderNames: string[];
  secretQueryParamNames: string[];
  bodyEncoding: BodyEncoding;
  parameterStyles: Record<string, ParameterStyle>;
  /** Where an imported tool's arguments go (the runtime's default placement otherwise). */
  parameterLocations?: Record<string, Location> | null | undefined;
  transferRules: TransferRule[];
}

const pathStyles = new Set(["simple", "label", "matrix"]);
const queryStyles = new Set(["form", "spaceDelimited", "pipeDelimited", "deepObject"]);
const bodyMethods = new Set<HttpMethod>(["POST", "PUT", "PATCH", "DELETE"]);

export function checkToolUrl(url: string, bodySchema: JsonSchema | undefined): FieldError[] {
  const errors: FieldError[] = [];
  for (const param of urlPathParams(url)) {
    if (!bodySchema?.properties || !(param in bodySchema.properties)) {
      errors.push({ field: "body.url", message: `path parameter {${param}} is not a property of bodySchema` });
    }
  }
  // Placeholders hold variable values at call time; filled with a sample they must give a URL.
  const sample = url.replace(/\{\{\s*[^}]*\}\}/g, "x").replace(/\{[^}]*\}/g, "x");
  let parsed: URL | undefined;
  try {
    parsed = new URL(sample);
  } catch {
    errors.push({ field: "body.url", message: "must be an absolute http(s) URL" });
  }
  if (parsed && parsed.protocol !== "https:" && parsed.protocol !== "http:") errors.push({ field: "body.url", message: "must be an http(s) URL" });
  if (parsed && (parsed.username || parsed.password)) errors.push({ field: "body.url", message: "must not carry credentials: use a secret header" });
  return errors;
}

/** Where the runtime puts an argument (voice-runtime/src/tools/webhook.ts places them the same way). */
function locationOf(draft: ToolDraft, name: string, inPath: Set<string>): Location {
  const sendsBody = draft.method === "POST" || draft.method === "PUT" || draft.method === "PATCH" || (draft.method === "DELETE" && draft.bodyEncoding === "form");
  return draft.parameterLocations?.[name] ?? (inPath.has(name) ? "path" : sendsBody ? "body" : "query");
}

/** Body encoding, parameter styles and secret query parameters against the arguments they name. */
export function checkToolEncoding(draft: ToolDraft): FieldError[] {
  const errors: FieldError[] = [];
  if (draft.bodyEncoding === "form" && !bodyMethods.has(draft.method)) {
    errors.push({ field: "body.bodyEncoding", message: `a ${draft.method} request has no body: "form" needs POST, PUT, PATCH or DELETE` });
  }
  const properties = draft.bodySchema?.properties ?? {};
  const inPath = new Set(urlPathParams(draft.url));
  for (const [name, style] of Object.entries(draft.parameterStyles)) {
    const field = `body.parameterStyles.${name}`;
    if (!Object.hasOwn(properties, name)) {
      errors.push({ field, message: "is not an argument (a property of bodySchema)" });
      continue;
    }
    const where = locationOf(draft, name, inPath);
    if (where === "path" && !pathStyles.has(style.style)) errors.push({ field, message: `"${style.style}" is not a path style: use simple, label or matrix` });
    else if (where !== "path" && (where === "query" || draft.bodyEncoding === "form") && !queryStyles.has(style.style)) {
      errors.push({ field, message: `"${style.style}" is not a ${where === "query" ? "query" : "form body"} style: use form, spaceDelimited, pipeDelimited or deepObject` });
    } else if (where === "bodyRoot" || (where === "body" && draft.bodyEncoding === "json")) {
      errors.push({ field, message: "goes into the JSON body, where styles do not apply" });
    }
  }
  const urlQuery = new Set(queryNames(draft.url));
  for (const name of draft.secretQueryParamNames) {
    const field = `body.secretQueryParams.${name}`;
    if (Object.hasOwn(properties, name)) errors.push({ field, message: "is also an argument (a property of bodySchema): the model could not be kept from setting it" });
    else if (urlQuery.has(name)) errors.push({ field, message: "is also in the URL's query" });
  }
  return errors;
}

function queryNames(url: string): string[] {
  const query = /\?([^#]*)/.exec(url)?.[1];
  if (!query) return [];
  return query.split("&").flatMap((pair) => {
    try {
      return [decodeURIComponent(pair.split("=")[0] ?? "")];
    } catch {
      return [];
    }
  });
}

/** Everything that needs no database: the URL and its destination, headers, encoding and styles. */
export function checkToolDraft(draft: ToolDraft, policy: ToolUrlPolicy): FieldError[] {
  // One clear reason per problem: a placeholder in the host explains a URL that does not parse;
  // the SSRF verdict needs one that does.
  const shape = checkToolUrl(draft.url, draft.bodySchema);
  const placeholderError = hostPlaceholderError(draft.url);
  const errors = placeholderError ? [...shape.filter((e) => e.field !== "body.url"), placeholderError] : shape;
  if (!errors.some((e) => e.field === "body.url")) errors.push(...checkToolDestination(draft.url, policy));
  const plain = new Set(Object.keys(draft.headers).map((h) => h.toLowerCase()));
  for (const name of draft.secretHeaderNames) {
    if (plain.has(name.toLowerCase())) errors.push({ field: `body.secretHeaders.${name}`, message: "is also a plain header" });
  }
  errors.push(...checkToolEncoding(draft));
  return errors;
}

export async function checkTool(db: Database, spaceId: string, draft: ToolDraft, policy: ToolUrlPolicy, selfId?: string): Promise<void> {
  const errors = checkToolDraft(draft, policy);
  const [clash] = await db
    .select({ id: tools.id })
    .from(tools)
    .where(and(eq(tools.spaceId, spaceId), eq(tools.code, draft.code), selfId ? ne(tools.id, selfId) : undefined))
    .limit(1);
  if (clash) errors.push({ field: "body.code", message: `another tool of this space is already called "${draft.code}"` });
  const targetIds = draft.transferRules.map((r) => r.targetAgentId);
  if (targetIds.length > 0) {
    const found = await db.select({ id: agents.id }).from(agents).where(and(eq(agents.spaceId, spaceId), inArray(agents.id, targetIds)));
    const ok = new Set(found.map((a) => a.id));
    draft.transferRules.forEach((rule, i) => {
      if (!ok.has(rule.targetAgentId)) errors.push({ field: `body.transferRules.${i}.targetAgentId`, message: "no such agent in this space" });
    });
  }
  if (errors.length > 0) throw new ApiError("validation_failed", "the tool is not valid", { errors });
}
