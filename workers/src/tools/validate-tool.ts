// Checks of a webhook tool beyond its shape: a URL that is absolute http(s) once filled, with a
// fixed origin the SSRF policy lets through (tool-url.ts), path parameters declared by the body
// schema, headers not given twice, a code free in the space, and transfer targets that are
// agents of the same space.
import { and, eq, inArray, ne } from "drizzle-orm";
import { urlPathParams, type FieldError, type JsonSchema, type TransferRule } from "@speaknode/contracts";
import { agents, tools, type Database } from "@speaknode/db";
import { ApiError } from "../errors.ts";
import { checkToolDestination, hostPlaceholderError, type ToolUrlPolicy } from "./tool-url.ts";

export interface ToolDraft {
  code: string;
  url: string;
  bodySchema?: JsonSchema | undefined;
  headers: Record<string, string>;
  secretHeaderNames: string[];
  transferRules: TransferRule[];
}

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

export async function checkTool(db: Database, spaceId: string, draft: ToolDraft, policy: ToolUrlPolicy, selfId?: string): Promise<void> {
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
