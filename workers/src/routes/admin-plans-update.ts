// Change a plan (platform Admin): from now on for every space on it; usage already recorded keeps
// the rounding it was recorded with. Archiving hides it from the picker; spaces on it stay.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { Plan, UpdatePlanBody } from "@speaknode/contracts";
import { plans } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { toPlan } from "../billing/plans.ts";
import { PlanParams } from "./params-billing.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/admin/plans/{planId}",
  tags: ["billing", "platform"],
  summary: "Change or archive a plan (platform Admin); the code stays",
  security: bearerSecurity,
  request: { params: PlanParams, body: jsonBody(UpdatePlanBody) },
  responses: { 200: jsonResponse(Plan, "The plan"), ...errorResponses },
});

export function registerAdminPlansUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requirePlatformAdmin(c);
    const patch = c.req.valid("json");
    const [row] = await c
      .get("db")
      .update(plans)
      .set({ ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), updatedAt: new Date() })
      .where(eq(plans.id, c.req.valid("param").planId))
      .returning();
    if (!row) throw notFound("plan");
    return c.json(toPlan(row), 200);
  });
}
