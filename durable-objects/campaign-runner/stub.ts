// The CampaignRunner of a campaign, from a Worker env (routes, queue consumers, SessionRoom); here,
// beside the class, so the SessionRoom reaches it without importing the Worker.
import type { CampaignRunner } from "./index.ts";
import type { WorkerEnv } from "../../workers/src/env.ts";

export type CampaignRunnerStub = Pick<CampaignRunner, "wake" | "sessionEnded" | "progress" | "fetch">;

export function campaignRunnerIn(env: WorkerEnv, campaignId: string): CampaignRunnerStub {
  const ns: WorkerEnv["CAMPAIGN_RUNNER"] | undefined = env.CAMPAIGN_RUNNER;
  if (!ns) throw new Error("the CAMPAIGN_RUNNER Durable Object binding is missing");
  return ns.get(ns.idFromName(campaignId));
}
