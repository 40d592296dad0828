// What the inbound route form offers to choose from: the space's agents (with their declared
// variables, which become the mapping's rows), its campaigns a contact can be appended to
// (running or paused), and its phone numbers to call from. Loaded once per form.
import { z } from "zod";
import { Agent } from "../../../packages/contracts/src/agents.ts";
import { Campaign } from "../../../packages/contracts/src/campaigns.ts";
import { listOf } from "../../../packages/contracts/src/spaces.ts";
import { PhoneNumber } from "../../../packages/contracts/src/telephony.ts";
import type { Api } from "../api/client.ts";

export interface RouteChoices {
  agents: Agent[];
  campaigns: Campaign[];
  numbers: PhoneNumber[];
}

const CampaignList = z.object({ data: z.array(Campaign) });

/** Campaigns an item may be appended to (the API refuses the others). */
export const appendable = (c: Pick<Campaign, "status">) => c.status === "running" || c.status === "paused";

export async function loadRouteChoices(api: Api, spaceId: string): Promise<RouteChoices> {
  const space = `/v1/spaces/${encodeURIComponent(spaceId)}`;
  const [agents, campaigns, numbers] = await Promise.all([
    api.json(listOf(Agent), "GET", `${space}/agents`),
    api.json(CampaignList, "GET", `${space}/campaigns`),
    api.json(listOf(PhoneNumber), "GET", `${space}/phone-numbers`),
  ]);
  return { agents: agents.data, campaigns: campaigns.data.filter(appendable), numbers: numbers.data };
}

/** The agent whose variables the mapping fills: the chosen one, or the campaign's for campaign_item. */
export function mappedAgent(choices: RouteChoices | null, form: { action: string; agentId: string; campaignId: string }): Agent | null {
  if (!choices) return null;
  const agentId = form.action === "campaign_item" ? choices.campaigns.find((c) => c.id === form.campaignId)?.agentId : form.agentId;
  return choices.agents.find((a) => a.id === agentId) ?? null;
}

/** The agent's variable names, required ones first, each in declared order. */
export function variableNames(agent: Pick<Agent, "variables"> | null): string[] {
  if (!agent) return [];
  const names = Object.keys(agent.variables.properties);
  const required = new Set(agent.variables.required);
  return [...names.filter((n) => required.has(n)), ...names.filter((n) => !required.has(n))];
}
