// What an inbound route starts, each through the path its API operation takes: `call` as
// POST /v1/agents/{id}/calls (the plan's telephony feature, then placeOutboundCall with the route's
// number: admission and billing included), `campaign_item` as a contacts upload would add the row
// (then the runner is woken when the campaign is running), `dispatch` as POST /v1/agents/{id}/sessions
// (channel api), answered with a join URL: the media endpoint with its session token.
import type { Context } from "hono";
import type { z } from "zod";
import type { DispatchedSession as DispatchedSessionSchema, InboundRouteAction, VariableValue } from "@speaknode/contracts";
import type { AppEnv } from "../../context.ts";
import { requirePlanAllows } from "../../billing/admission.ts";
import { wakeRunner } from "../../campaigns/lifecycle.ts";
import { ApiError } from "../../errors.ts";
import { dispatchSession, sessionDepsOf, type DispatchRequest, type DispatchResult, type SessionDeps } from "../../sessions/dispatch.ts";
import { placeOutboundCall } from "../../telephony/outbound.ts";
import { appendCampaignItem } from "./campaign-item.ts";
import type { RouteTarget } from "./target.ts";

type DispatchedSession = z.infer<typeof DispatchedSessionSchema>;

export interface ActionDeps extends SessionDeps {
  /** A web session as the sessions API dispatches it. */
  dispatch(req: DispatchRequest): Promise<DispatchResult>;
  /** Tells a running campaign's runner there is new work (never throws). */
  wakeRunner(campaignId: string): Promise<void>;
}

export function actionDepsOf(c: Context<AppEnv>): ActionDeps {
  return { ...sessionDepsOf(c), dispatch: (req) => dispatchSession(c, req), wakeRunner: (campaignId) => wakeRunner(c, campaignId) };
}

export interface ActionInput {
  action: InboundRouteAction;
  target: RouteTarget;
  /** call: the space's number to call from. */
  fromNumberId: string | null;
  /** E.164 (call, campaign_item). */
  phoneNumber: string | null;
  variables: Record<string, VariableValue>;
}

export interface ActionResult {
  sessionId: string | null;
  itemId: string | null;
  joinUrl: string | null;
  dispatched: DispatchedSession | null;
  /** The routing decision as the log shows it ("call ses_…"). */
  routing: string;
}

/** The media endpoint with the session's token in its query: one link a client can join with. */
export function joinUrlOf(media: { url: string; token: string }): string {
  const url = new URL(media.url);
  url.searchParams.set("token", media.token);
  return url.toString();
}

/** Starts what the route says; an ApiError (402/403/409/422/429/503…) when it cannot. */
export async function runAction(deps: ActionDeps, input: ActionInput): Promise<ActionResult> {
  const { target } = input;
  switch (input.action) {
    case "call": {
      if (input.phoneNumber === null) throw new Error("a call needs its mapped number");
      if (input.fromNumberId === null) throw new ApiError("conflict", "the route's number to call from was released: choose another fromNumberId");
      await requirePlanAllows(deps.db, target.agent.spaceId, deps.config.billing.defaultPlan, { feature: "telephony" });
      const placed = await placeOutboundCall(deps, target.agent, { to: input.phoneNumber, fromNumberId: input.fromNumberId, variables: input.variables });
      return { sessionId: placed.sessionId, itemId: null, joinUrl: null, dispatched: null, routing: `call ${placed.sessionId}` };
    }
    case "campaign_item": {
      if (input.phoneNumber === null || target.campaign === null) throw new Error("a campaign item needs its campaign and mapped number");
      const itemId = await appendCampaignItem(deps.db, target.campaign, target.config, { phone: input.phoneNumber, variables: input.variables });
      if (target.campaign.status === "running") await deps.wakeRunner(target.campaign.id);
      return { sessionId: null, itemId, joinUrl: null, dispatched: null, routing: `campaign item ${itemId}` };
    }
    case "dispatch": {
      const result = await deps.dispatch({ agent: target.agent, publishedOnly: false, variables: input.variables, variablesSource: "json", language: undefined, channel: "api", caller: null });
      const dispatched: DispatchedSession = result;
      return { sessionId: result.sessionId, itemId: null, joinUrl: joinUrlOf(result.media), dispatched, routing: `web session ${result.sessionId}` };
    }
  }
}
