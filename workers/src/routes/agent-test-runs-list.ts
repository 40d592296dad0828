// GET /v1/agents/{agentId}/test-runs: an agent's runs, newest first, optionally of one version
// (`draft` or its number), a page at a time; each with its counters and per-case pass rates.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, desc, eq, isNull, lt, type SQL } from "drizzle-orm";
import { int4Max, text, TestRun } from "@speaknode/contracts";
import { agentTestRuns } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent } from "../agents/store.ts";
import { toTestRuns } from "../agent-tests/serialize.ts";
import { idCursor } from "../lib/id-cursor.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { AgentParams } from "./params-agents.ts";

export const TestRunList = z.object({ data: z.array(TestRun), nextCursor: text().nullable() }).meta({ id: "TestRunList" });

export const TestRunFilters = z.strictObject({
  /** `draft`, or a published version's number. */
  version: z.union([z.literal("draft"), z.coerce.number().int().min(1).max(int4Max)]).optional(),
  /** Opaque: the previous page's nextCursor. */
  cursor: text().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

const runCursor = idCursor("atr", "agentTestRun");

export const route = createRoute({
  method: "get",
  path: "/v1/agents/{agentId}/test-runs",
  tags: ["agent-tests"],
  summary: "An agent's test runs, newest first, optionally of one version; page on with `cursor` = the previous page's nextCursor",
  security: bearerSecurity,
  request: { params: AgentParams, query: TestRunFilters },
  responses: { 200: jsonResponse(TestRunList, "A page of runs"), ...errorResponses },
});

export function registerAgentTestRunsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid("query");
    const { row } = await loadAgent(c, c.req.valid("param").agentId);
    const t = agentTestRuns;
    const where: (SQL | undefined)[] = [
      eq(t.agentId, row.id),
      q.version === "draft" ? isNull(t.agentVersion) : q.version !== undefined ? eq(t.agentVersion, q.version) : undefined,
      q.cursor ? lt(t.id, runCursor.decode(q.cursor)) : undefined,
    ];
    const db = c.get("db");
    const rows = await db.select().from(t).where(and(...where)).orderBy(desc(t.id)).limit(q.limit + 1);
    const page = runCursor.page(rows, q.limit);
    return c.json({ data: await toTestRuns(db, page.rows), nextCursor: page.nextCursor }, 200);
  });
}
