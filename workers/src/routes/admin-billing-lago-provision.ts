import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { text } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { log } from "../lib/log.ts";
import { LagoApiError, lagoClient } from "../billing/lago/client.ts";
import { provisionLago } from "../billing/lago/provision.ts";

const ProvisionResult = z
  .object({
    metric: z.object({ code: text(), lagoId: text() }),
    plans: z.array(z.object({ code: text(), result: z.enum(["created", "updated"]) })),
  })
  .meta({ id: "LagoProvisionResult" });

export const route = createRoute({
  method: "post",
  path: "/v1/admin/billing/lago/provision",
  tags: ["platform"],
  summary: "Create or update Lago's billable metric and one Lago plan per plan (platform Admin; BILLING_DRIVER=lago)",
  description:
    "The metric (LAGO_METRIC_CODE, sum of billable_seconds) and, per plan that is not archived, a Lago plan of the same code: the fee, and a graduated charge (included minutes × 60 seconds free, then the overage price / 60 per second). Safe to run again. 409 with the local ledger; 503 when Lago fails.",
  security: bearerSecurity,
  responses: { 200: jsonResponse(ProvisionResult, "Provisioned"), ...errorResponses },
});

export function registerAdminBillingLagoProvision(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const admin = requirePlatformAdmin(c);
    const driver = c.get("config").billing.driver;
    if (driver.name !== "lago") throw new ApiError("conflict", "billing runs on the local ledger (BILLING_DRIVER=ledger): there is no Lago to provision");
    try {
      const result = await provisionLago(c.get("db"), lagoClient(driver.lago), driver.lago.metricCode);
      log.info("billing: Lago provisioned", { requestId: c.get("requestId"), userId: admin.userId, plans: result.plans.length });
      return c.json(result, 200);
    } catch (err) {
      if (err instanceof LagoApiError) throw new ApiError("upstream_unavailable", `Lago refused the setup: ${err.message}`);
      throw err;
    }
  });
}
