// A space's billing at a glance (every Member may read it): the subscription, this period's usage
// (the local ledger's figures, or Lago's where it has them), what the space has of each plan
// limit, and whether a payment portal exists.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { BillingOverview } from "@speaknode/contracts";
import { agents, campaigns, phoneNumbers, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { billingDriverFor } from "../billing/driver.ts";
import { billingStateOf, toSubscription } from "../billing/subscription.ts";
import { usageOverview } from "../billing/usage.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/billing",
  tags: ["billing"],
  summary: "The space's plan, this period's voice minutes (by day and by agent, projection, live sessions), its counts against the plan's limits and its payment method",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(BillingOverview, "The space's billing"), ...errorResponses },
});

/** What the space has of each counted limit, in one round trip. */
async function limitCounts(db: Database, spaceId: string): Promise<BillingOverview["counts"]> {
  const [row] = await db.execute<{ agents: number; phone_numbers: number; campaigns: number }>(sql`
    select
      (select count(*)::int from ${agents} where ${agents.spaceId} = ${spaceId}) as agents,
      (select count(*)::int from ${phoneNumbers} where ${phoneNumbers.spaceId} = ${spaceId}) as phone_numbers,
      (select count(*)::int from ${campaigns} where ${campaigns.spaceId} = ${spaceId}) as campaigns`).then((r) => r.rows);
  return { agents: Number(row?.agents ?? 0), phoneNumbers: Number(row?.phone_numbers ?? 0), campaigns: Number(row?.campaigns ?? 0) };
}

export function registerBillingGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const db = c.get("db");
    const { billing } = c.get("config");
    const driver = billingDriverFor(billing.driver);
    const state = await billingStateOf(db, spaceId, billing.defaultPlan);
    const usage = await driver.currentUsage(db, state, await usageOverview(db, state));
    return c.json(
      {
        driver: driver.name,
        subscription: toSubscription(state),
        usage,
        counts: await limitCounts(db, spaceId),
        paymentMethod: driver.name === "lago" ? "portal" : "none",
      } satisfies BillingOverview,
      200,
    );
  });
}
