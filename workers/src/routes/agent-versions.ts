// Versions of an agent: list, view one, roll back (publish an old snapshot again as new).
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq } from "drizzle-orm";
import { Agent, AgentConfig, AgentVersion, AgentVersionSummary, listOf, TestGate } from "@speaknode/contracts";
import { agentVersions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { etag, loadAgent, toAgent } from "../agents/store.ts";
import { runPreflight } from "../agents/preflight.ts";
import { requireSpace } from "../auth/access.ts";
import { publishSnapshot } from "../agents/publish.ts";
import { ApiError, notFound } from "../errors.ts";
import { checkStageCredentials, stageCredentialRefs } from "../providers/credentials.ts";
import { bearerSecurity, errorResponses, iso, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { AgentParams, AgentVersionParams } from "./params-agents.ts";

type VersionRow = typeof agentVersions.$inferSelect;
/** The gate as stored (written from the contract; a row that no longer parses reads as none). */
const testGateOf = (raw: Record<string, unknown> | null): TestGate | null => {
  const parsed = raw === null ? null : TestGate.safeParse(raw);
  return parsed?.success ? parsed.data : null;
};
const summary = (v: VersionRow) => ({ id: v.id, agentId: v.agentId, version: v.version, createdAt: iso(v.createdAt), createdBy: v.createdBy, note: v.note, testGate: testGateOf(v.testGate) });

export const listRoute = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/versions",
  tags: ["agents"],
  summary: "Published versions of an agent, newest first",
  security: bearerSecurity,
  request: { params: AgentParams },
  responses: { 200: jsonResponse(listOf(AgentVersionSummary), "The versions"), ...errorResponses },
});

export const getRoute = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/versions/{version}",
  tags: ["agents"],
  summary: "One version with its frozen snapshot",
  security: bearerSecurity,
  request: { params: AgentVersionParams },
  responses: { 200: jsonResponse(AgentVersion, "The version"), ...errorResponses },
});

/** A rollback goes live like a publish: through the pre-flight, which only an Owner may override. */
const RollbackBody = z.strictObject({ force: z.boolean().default(false) }).meta({ id: "RollbackBody" });

export const rollbackRoute = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/versions/{version}/rollback",
  tags: ["agents"],
  summary: "Publish an older version's snapshot again, as a new version (the draft is left as it is)",
  description: "The restored configuration goes through the publish pre-flight: problems refuse it (422 `preflight_failed`) unless an Owner sends `force: true`.",
  security: bearerSecurity,
  request: { params: AgentVersionParams, body: { ...jsonBody(RollbackBody), required: false } },
  responses: {
    200: jsonResponse(Agent, "The agent, serving the rolled-back snapshot"),
    ...errorResponses,
    409: problemSpec("The version uses provider keys the space no longer has"),
    422: problemSpec("The pre-flight found problems in the restored configuration (`preflight_failed`, with `problems`)"),
  },
});

async function loadVersion(db: AppEnv["Variables"]["db"], agentId: string, version: number): Promise<VersionRow> {
  const [row] = await db.select().from(agentVersions).where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.version, version)));
  if (!row) throw notFound("agent version");
  return row;
}

export function registerAgentVersions(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const rows = await c.get("db").select().from(agentVersions).where(eq(agentVersions.agentId, row.id)).orderBy(desc(agentVersions.version));
    return c.json({ data: rows.map(summary) }, 200);
  });
  app.openapi(getRoute, async (c) => {
    const { agentId, version } = c.req.valid("param");
    const { row } = await loadAgent(c, agentId);
    const v = await loadVersion(c.get("db"), row.id, version);
    return c.json(AgentVersion.parse({ ...summary(v), snapshot: v.snapshot, forcedProblems: v.forcedProblems ?? null }), 200);
  });
  app.openapi(rollbackRoute, async (c) => {
    const { agentId, version } = c.req.valid("param");
    const { force } = c.req.valid("json");
    const { row } = await loadAgent(c, agentId);
    if (force) await requireSpace(c, row.spaceId, "owner", "agent");
    const db = c.get("db");
    const old = await loadVersion(db, row.id, version);
    // A version naming a provider key deleted since (possible once no live version used it) would fail every call.
    // A version frozen under older, looser rules may not pass today's: that is a conflict to explain, not a 500.
    const restored = AgentConfig.safeParse((old.snapshot as { agent: unknown }).agent);
    if (!restored.success) {
      const where = restored.error.issues.slice(0, 3).map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`).join("; ");
      throw new ApiError("conflict", `version ${version} cannot be restored: its configuration no longer passes validation (${where}); fix the draft and publish it instead`);
    }
    const keyErrors = await checkStageCredentials(db, row.spaceId, stageCredentialRefs(restored.data));
    if (keyErrors.length > 0) throw new ApiError("conflict", `version ${version} uses provider keys this space no longer has (${keyErrors.map((e) => e.field.replace(/^body\./, "")).join(", ")}); pick other keys in the draft and publish it instead`);
    // What was fine then may not be now (a key removed from the runtime, a model disabled).
    const problems = await runPreflight(db, row.spaceId, restored.data, { now: new Date() });
    if (problems.length > 0 && !force) throw new ApiError("preflight_failed", `version ${version} cannot go live again as it is: ${problems.length === 1 ? "1 problem" : `${problems.length} problems`} to fix first`, { problems });
    const p = c.get("principal");
    const published = await db.transaction((tx) => publishSnapshot(tx, row, old.snapshot, p.type === "user" ? p.userId : null, `rollback to version ${version}`, problems.length > 0 ? problems : null));
    return c.json(toAgent(published), 200, { etag: etag(published) });
  });
}
