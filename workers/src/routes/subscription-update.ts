// Change the space's plan (Owner): `now` puts the new plan's minutes and limits in effect at once
// (this period's usage counts against them), `period_end` at the start of the next period. With
// Lago, Lago's subscription changes first: when Lago fails, nothing changes here (503).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ChangeSubscriptionBody, Subscription } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { errorFields, log } from "../lib/log.ts";
import { billingDriverFor } from "../billing/driver.ts";
import { planById } from "../billing/plans.ts";
import { billingStateOf, changePlan, toSubscription } from "../billing/subscription.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "put",
  path: "/v1/spaces/{spaceId}/subscription",
  tags: ["billing"],
  summary: "Change the space's plan now or at the end of the period (Owner)",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(ChangeSubscriptionBody) },
  responses: {
    200: jsonResponse(Subscription, "The subscription after the change"),
    ...errorResponses,
    409: problemSpec("The plan is archived"),
    503: problemSpec("The billing provider (Lago) failed; nothing changed"),
  },
});

export function registerSubscriptionUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const body = c.req.valid("json");
    const db = c.get("db");
    const { billing } = c.get("config");
    const next = await planById(db, body.planId);
    if (!next) throw new ApiError("not_found", "plan not found", { errors: [{ field: "body.planId", message: "no plan has this id" }] });
    // Before Lago is asked (changePlan checks again): the space's own archived plan may still be
    // chosen, which cancels a pending change.
    const current = await billingStateOf(db, spaceId, billing.defaultPlan);
    if (next.archived && next.id !== current.plan.id) throw new ApiError("conflict", `the ${next.name} plan is archived and cannot be chosen`);
    const driver = billingDriverFor(billing.driver);
    try {
      await driver.planChanging(db, spaceId, next, body.effective);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      // The provider's own failure, whatever its shape: the local plan must not move without it.
      log.error("billing: the provider refused a plan change", { requestId: c.get("requestId"), spaceId, driver: driver.name, ...errorFields(err) });
      throw new ApiError("upstream_unavailable", "the billing provider could not change the plan; nothing changed");
    }
    const state = await changePlan(db, spaceId, body, billing.defaultPlan);
    return c.json(toSubscription(state), 200);
  });
}
