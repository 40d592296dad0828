// Webhook tools of a space: list, create, read, update, delete. Secret header and secret query
// parameter values are encrypted on the way in and never come back out, and they are bound to the
// origin of the URL they were given with: an update that moves the URL to another origin without
// giving them again deletes them (and says so), so nobody who may edit a tool can redirect an
// Owner's key.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, asc, eq, sql } from "drizzle-orm";
import { CreateToolBody, listOf, newId, SavedTool, Tool, UpdateToolBody, type JsonSchema, type ParameterStyle, type TransferRule } from "@speaknode/contracts";
import { agentTools, tools } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace, requireSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { encryptJson } from "../lib/secrets.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, noContent, problemSpec } from "../lib/openapi.ts";
import { etag, ifMatchVersion } from "../agents/store.ts";
import { toTool, type ToolRow } from "../tools/serialize.ts";
import { checkTool } from "../tools/validate-tool.ts";
import { boundSecretOrigin, toolUrlOrigin, toolUrlPolicy } from "../tools/tool-url.ts";
import { SpaceParams } from "./params.ts";
import { ToolParams } from "./params-agents.ts";

const base = { tags: ["tools"], security: bearerSecurity };

export const listRoute = createRoute({ ...base, method: "get", path: "/v1/spaces/{spaceId}/tools", summary: "Webhook tools of a space", request: { params: SpaceParams }, responses: { 200: jsonResponse(listOf(Tool), "The tools"), ...errorResponses } });
export const createToolRoute = createRoute({ ...base, method: "post", path: "/v1/spaces/{spaceId}/tools", summary: "Create a webhook tool", request: { params: SpaceParams, body: jsonBody(CreateToolBody) }, responses: { 201: jsonResponse(SavedTool, "The tool"), ...errorResponses } });
export const getToolRoute = createRoute({ ...base, method: "get", path: "/v1/tools/{toolId}", summary: "One webhook tool (secret header values are never returned)", request: { params: ToolParams }, responses: { 200: jsonResponse(Tool, "The tool"), ...errorResponses } });
export const updateToolRoute = createRoute({ ...base, method: "patch", path: "/v1/tools/{toolId}", summary: "Change a webhook tool; `secretHeaders` and `secretQueryParams` each replace their whole set when given, `null` clears an optional field; a `url` on another origin clears the secret headers and query parameters not given again (`secretHeadersCleared`); `If-Match` (its ETag, the version) refuses a stale write with 412", request: { params: ToolParams, body: jsonBody(UpdateToolBody) }, responses: { 200: jsonResponse(SavedTool, "The tool"), ...errorResponses } });
export const deleteToolRoute = createRoute({ ...base, method: "delete", path: "/v1/tools/{toolId}", summary: "Delete a webhook tool that no agent uses", request: { params: ToolParams }, responses: { 204: noContent, ...errorResponses, 409: problemSpec("Agents still use the tool") } });

async function loadTool(c: Context<AppEnv>, toolId: string): Promise<ToolRow> {
  const [row] = await c.get("db").select().from(tools).where(eq(tools.id, toolId));
  return (await requireInSpace(c, "tool", row)).row;
}

/** Seals secret header values (or secret query parameter values); none given → nothing stored. */
async function seal(c: Context<AppEnv>, secrets: Record<string, string>): Promise<{ sealed: string | null; names: string[] }> {
  const names = Object.keys(secrets);
  return names.length === 0 ? { sealed: null, names } : { sealed: await encryptJson(c.get("config").secretsKey, secrets), names };
}

/** The secret columns of a tool given its headers and query parameters with `url`: bound to its origin. */
async function sealSecrets(c: Context<AppEnv>, headers: Record<string, string>, query: Record<string, string>, url: string) {
  const [h, q] = [await seal(c, headers), await seal(c, query)];
  return { secretHeaders: h.sealed, secretHeaderNames: h.names, secretQuery: q.sealed, secretQueryNames: q.names, secretOrigin: h.sealed ?? q.sealed ? toolUrlOrigin(url) : null };
}

export function registerToolsCrud(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const rows = await c.get("db").select().from(tools).where(eq(tools.spaceId, spaceId)).orderBy(asc(tools.code));
    return c.json({ data: rows.map(toTool) }, 200);
  });

  app.openapi(createToolRoute, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId);
    const db = c.get("db");
    await checkTool(db, spaceId, { ...body, secretHeaderNames: Object.keys(body.secretHeaders), secretQueryParamNames: Object.keys(body.secretQueryParams) }, toolUrlPolicy(c.get("config")));
    const { secretHeaders, secretQueryParams, ...fields } = body;
    const [row] = await db
      .insert(tools)
      .values({ id: newId("tool"), spaceId, ...fields, headersSchema: body.headersSchema ?? null, bodySchema: body.bodySchema ?? null, preToolSpeech: body.preToolSpeech ?? null, progressSpeech: body.progressSpeech ?? null, ...(await sealSecrets(c, secretHeaders, secretQueryParams, body.url)) })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new ApiError("validation_failed", "the tool is not valid", { errors: [{ field: "body.code", message: `another tool of this space is already called "${body.code}"` }] });
    return c.json({ ...toTool(row), secretHeadersCleared: false, warnings: [] }, 201);
  });

  app.openapi(getToolRoute, async (c) => {
    const row = await loadTool(c, c.req.valid("param").toolId);
    return c.json(toTool(row), 200, { etag: etag(row) });
  });

  app.openapi(updateToolRoute, async (c) => {
    const row = await loadTool(c, c.req.valid("param").toolId);
    const patch = c.req.valid("json");
    const expected = ifMatchVersion(c);
    if (expected !== undefined && expected !== row.version) throw new ApiError("precondition_failed", `the tool is at version ${row.version}, not ${expected}: reload it`);
    const url = patch.url ?? row.url;
    // Secrets stay with the origin they were given for: a move elsewhere drops each set (headers,
    // query parameters) not given again in the same request.
    const boundOrigin = boundSecretOrigin(row);
    const origin = toolUrlOrigin(url);
    const moved = boundOrigin === null || boundOrigin !== origin;
    const headersDropped = row.secretHeaders !== null && patch.secretHeaders === undefined && moved;
    const queryDropped = row.secretQuery !== null && patch.secretQueryParams === undefined && moved;
    const merged = {
      code: patch.code ?? row.code,
      method: patch.method ?? row.method,
      url,
      bodySchema: (patch.bodySchema === null ? undefined : (patch.bodySchema ?? row.bodySchema ?? undefined)) as JsonSchema | undefined,
      headers: patch.headers ?? row.headers,
      transferRules: (patch.transferRules ?? row.transferRules) as TransferRule[],
      secretHeaderNames: patch.secretHeaders ? Object.keys(patch.secretHeaders) : headersDropped ? [] : row.secretHeaderNames,
      secretQueryParamNames: patch.secretQueryParams ? Object.keys(patch.secretQueryParams) : queryDropped ? [] : row.secretQueryNames,
      bodyEncoding: patch.bodyEncoding ?? row.bodyEncoding,
      parameterStyles: (patch.parameterStyles ?? row.parameterStyles) as Record<string, ParameterStyle>,
      parameterLocations: row.parameterLocations,
    };
    const db = c.get("db");
    await checkTool(db, row.spaceId, merged, toolUrlPolicy(c.get("config")), row.id);
    const { secretHeaders, secretQueryParams, ...fields } = patch;
    const headers = secretHeaders ? await seal(c, secretHeaders) : headersDropped ? { sealed: null, names: [] } : { sealed: row.secretHeaders, names: row.secretHeaderNames };
    const query = secretQueryParams ? await seal(c, secretQueryParams) : queryDropped ? { sealed: null, names: [] } : { sealed: row.secretQuery, names: row.secretQueryNames };
    // What is kept was given for this origin (unmoved), or again in this request: either way it is
    // bound to the URL's origin now (which records one for a tool saved before origins were).
    const secrets = { secretHeaders: headers.sealed, secretHeaderNames: headers.names, secretQuery: query.sealed, secretQueryNames: query.names, secretOrigin: headers.sealed ?? query.sealed ? origin : null };
    const [updated] = await db
      .update(tools)
      .set({ ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)), ...secrets, version: sql`${tools.version} + 1`, updatedAt: new Date() })
      // the version read above, so a write racing this one cannot be overwritten unseen
      .where(and(eq(tools.id, row.id), eq(tools.version, row.version)))
      .returning();
    if (!updated) throw new ApiError("precondition_failed", "the tool changed while this update ran: reload it");
    const dropped = [...(headersDropped ? [`secret headers (${row.secretHeaderNames.join(", ")})`] : []), ...(queryDropped ? [`secret query parameters (${row.secretQueryNames.join(", ")})`] : [])];
    const secretsMoved = dropped.length > 0;
    const warnings = secretsMoved
      ? [`the URL now points to ${origin ?? "another origin"}, not ${boundOrigin ?? "the origin its secrets were given for"}: the ${dropped.join(" and ")} were deleted rather than sent there; give them again for the new address`]
      : [];
    return c.json({ ...toTool(updated), secretHeadersCleared: secretsMoved, warnings }, 200, { etag: etag(updated) });
  });

  app.openapi(deleteToolRoute, async (c) => {
    const row = await loadTool(c, c.req.valid("param").toolId);
    const db = c.get("db");
    const users = await db.select({ agentId: agentTools.agentId }).from(agentTools).where(eq(agentTools.toolId, row.id));
    if (users.length > 0) throw new ApiError("conflict", `agents still use this tool: ${users.map((u) => u.agentId).join(", ")}; detach it first`);
    await db.delete(tools).where(eq(tools.id, row.id));
    return c.body(null, 204);
  });
}
