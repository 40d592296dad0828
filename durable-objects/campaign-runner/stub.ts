// The CampaignRunner of a campaign, from a Worker env (routes, queue consumers, SessionRoom); here,
// beside the class, so the SessionRoom reaches it without importing the Worker.
import type { CampaignRunner } from "./index.ts";

export type CampaignRunnerStub = Pick<CampaignRunner, "wake" | "sessionEnded" | "progress" | "fetch">;

interface CampaignRunnerNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): CampaignRunnerStub;
}

export function campaignRunnerIn(env: Record<string, unknown>, campaignId: string): CampaignRunnerStub {
  const ns = env["CAMPAIGN_RUNNER"] as CampaignRunnerNamespace | undefined;
  if (!ns) throw new Error("the CAMPAIGN_RUNNER Durable Object binding is missing");
  return ns.get(ns.idFromName(campaignId));
}
