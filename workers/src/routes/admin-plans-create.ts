// A new plan (platform Admin). The code is the plan's stable name (and Lago's plan code), so a
// code already taken is a conflict, not an overwrite.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreatePlanBody, newId, Plan } from "@speaknode/contracts";
import { plans } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { toPlan } from "../billing/plans.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/admin/plans",
  tags: ["billing", "platform"],
  summary: "Create a plan: price, included minutes, overage, rounding, features and limits (platform Admin)",
  security: bearerSecurity,
  request: { body: jsonBody(CreatePlanBody) },
  responses: { 201: jsonResponse(Plan, "The plan"), ...errorResponses, 409: problemSpec("A plan with this code exists") },
});

export function registerAdminPlansCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requirePlatformAdmin(c);
    const body = c.req.valid("json");
    const [row] = await c
      .get("db")
      .insert(plans)
      .values({ id: newId("plan"), ...body })
      .onConflictDoNothing({ target: plans.code })
      .returning();
    if (!row) throw new ApiError("conflict", `a plan with the code "${body.code}" exists`);
    return c.json(toPlan(row), 201);
  });
}
