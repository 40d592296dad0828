// What an inbound route acts on, read when the route is saved, previewed and requested: the agent
// (call and dispatch) or the campaign and its agent (campaign_item), and the agent configuration
// the action will run, whose variable schema the mapping is checked against: the one dispatch runs
// (published, else the draft) or, for a campaign, the version pinned at launch as contacts uploads
// check it.
import { and, eq } from "drizzle-orm";
import type { AgentConfig, InboundRouteAction } from "@speaknode/contracts";
import { agents, campaigns, type Database } from "@speaknode/db";
import type { AgentRow } from "../../agents/store.ts";
import type { CampaignRow } from "../../campaigns/store.ts";
import { ApiError } from "../../errors.ts";
import { configToRun } from "../../sessions/dispatch.ts";

export interface RouteTarget {
  agent: AgentRow;
  campaign: CampaignRow | null;
  config: AgentConfig;
}

export interface TargetRef {
  action: InboundRouteAction;
  agentId?: string | null | undefined;
  campaignId?: string | null | undefined;
}

/** Thrown when a route's agent or campaign is not (or no longer) one of its space's. */
export class TargetMissing extends Error {
  readonly field: "agentId" | "campaignId";
  constructor(field: "agentId" | "campaignId", message: string) {
    super(message);
    this.field = field;
    this.name = "TargetMissing";
  }
}

/** The route's target in the space; TargetMissing when the reference is absent or foreign. */
export async function loadTarget(db: Database, spaceId: string, ref: TargetRef): Promise<RouteTarget> {
  if (ref.action === "campaign_item") {
    if (!ref.campaignId) throw new TargetMissing("campaignId", "campaign_item needs a campaignId");
    const [campaign] = await db.select().from(campaigns).where(and(eq(campaigns.id, ref.campaignId), eq(campaigns.spaceId, spaceId)));
    if (!campaign) throw new TargetMissing("campaignId", "not a campaign of this space");
    const [agent] = await db.select().from(agents).where(eq(agents.id, campaign.agentId));
    if (!agent) throw new TargetMissing("campaignId", "the campaign's agent no longer exists");
    const config = await configToRun(db, { agent: { ...agent, publishedVersion: campaign.agentVersion ?? agent.publishedVersion }, publishedOnly: false });
    return { agent, campaign, config };
  }
  if (!ref.agentId) throw new TargetMissing("agentId", `${ref.action} needs an agentId`);
  const [agent] = await db.select().from(agents).where(and(eq(agents.id, ref.agentId), eq(agents.spaceId, spaceId)));
  if (!agent) throw new TargetMissing("agentId", "not an agent of this space");
  return { agent, campaign: null, config: await configToRun(db, { agent, publishedOnly: false }) };
}

/** The 422 of a missing target, naming the request's field. */
export function targetProblem(err: TargetMissing, prefix = "body"): ApiError {
  return new ApiError("validation_failed", err.message, { errors: [{ field: `${prefix}.${err.field}`, message: err.message }] });
}
