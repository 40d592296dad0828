// Dev tools for the bench and tests: evict a campaign's runner now (memory lost, SQLite and alarm
// kept) or run its alarm's body now (as a duplicate alarm would). Served only when dev tools are
// enabled; the runner itself refuses these calls otherwise.
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { CampaignRunner } from "../../../durable-objects/campaign-runner/index.ts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { CampaignParams } from "./params-telephony.ts";
import type { WorkerEnv } from "../env.ts";

type TestHooks = Pick<CampaignRunner, "evictForTest" | "runAlarmForTest">;

function runnerHooks(env: WorkerEnv, campaignId: string): TestHooks {
  const ns: WorkerEnv["CAMPAIGN_RUNNER"] | undefined = env.CAMPAIGN_RUNNER;
  if (!ns) throw new Error("the CAMPAIGN_RUNNER Durable Object binding is missing");
  return ns.get(ns.idFromName(campaignId));
}

function campaignIdOf(raw: string): string {
  const parsed = CampaignParams.safeParse({ campaignId: raw });
  if (!parsed.success) throw new ApiError("not_found", "no such campaign");
  return parsed.data.campaignId;
}

export function registerDevCampaignRunner(app: OpenAPIHono<AppEnv>): void {
  app.post("/dev/campaigns/:campaignId/runner/evict", async (c) => {
    if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
    const campaignId = campaignIdOf(c.req.param("campaignId"));
    await runnerHooks(c.env, campaignId).evictForTest();
    return c.json({ campaignId, evicted: true });
  });
  app.post("/dev/campaigns/:campaignId/runner/alarm", async (c) => {
    if (!c.get("config").devTools.enabled) throw new ApiError("not_found");
    const campaignId = campaignIdOf(c.req.param("campaignId"));
    const result = await runnerHooks(c.env, campaignId).runAlarmForTest();
    return c.json({ campaignId, nextAlarmAt: result.nextAlarmAt === null ? null : new Date(result.nextAlarmAt).toISOString() });
  });
}
