// The Worker's handle on a campaign's CampaignRunner (defined beside the Durable Object).
export { campaignRunnerIn, type CampaignRunnerStub } from "../../../durable-objects/campaign-runner/stub.ts";
