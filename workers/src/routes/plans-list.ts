// The platform's plans, cheapest first: what the plan picker offers. Archived plans (spaces already
// on them stay) only for the platform Admin, who asks with includeArchived=true.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { listOf, Plan } from "@speaknode/contracts";
import { plans } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin, requireUser } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { toPlan } from "../billing/plans.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/plans",
  tags: ["billing"],
  summary: "The plans a space can choose, cheapest first; includeArchived=true (platform Admin) adds archived ones",
  security: bearerSecurity,
  request: { query: z.strictObject({ includeArchived: z.enum(["true", "false"]).optional() }) },
  responses: { 200: jsonResponse(listOf(Plan), "The plans"), ...errorResponses },
});

export function registerPlansList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requireUser(c);
    const all = c.req.valid("query").includeArchived === "true";
    if (all) requirePlatformAdmin(c);
    const rows = await c
      .get("db")
      .select()
      .from(plans)
      .where(all ? undefined : eq(plans.archived, false))
      .orderBy(asc(plans.price), asc(plans.includedMinutes), asc(plans.code));
    return c.json({ data: rows.map(toPlan) }, 200);
  });
}
