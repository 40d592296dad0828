// How the runner asks for one call: through the same outbound path as the API
// (workers/src/telephony/outbound.ts), which creates the attempt's session before Twilio is asked.
// Tests and the bench may swap the dialer and stop the runner at named points of a dial, only
// when the env enables dev tools; the claim, CAS and recovery code around them is the production code.
import type { CampaignSettings } from "@speaknode/contracts";
import type { Database } from "@speaknode/db";
import type { AgentRow } from "../../workers/src/agents/store.ts";
import type { Config } from "../../workers/src/config.ts";
import { placeOutboundCall } from "../../workers/src/telephony/outbound.ts";
import type { WorkerEnv } from "../../workers/src/env.ts";

export interface DialRequest {
  campaignId: string;
  attemptId: string;
  agent: AgentRow;
  agentVersion: number;
  settings: CampaignSettings;
  /** E.164; never logged. */
  phone: string;
  variables: Record<string, string | number | boolean | null>;
  fromNumberId: string;
  origin: string;
  /** Awaited once the session row exists, before the provider is asked; a throw places no call. */
  onSessionCreated: (sessionId: string) => Promise<void>;
}

export interface DialContext {
  db: Database;
  config: Config;
  env: WorkerEnv;
}

/** Places the call or throws the refusal (an ApiError, as the API would answer it). */
export type Dialer = (ctx: DialContext, req: DialRequest) => Promise<{ sessionId: string }>;

export const outboundDialer: Dialer = async (ctx, req) => {
  const call = await placeOutboundCall(
    { db: ctx.db, config: ctx.config, env: ctx.env, origin: req.origin },
    req.agent,
    { to: req.phone, fromNumberId: req.fromNumberId, variables: req.variables },
    {
      campaign: { campaignId: req.campaignId, attemptId: req.attemptId, agentVersion: req.agentVersion, maxDurationS: req.settings.maxDurationS, voicemail: req.settings.voicemail },
      onSessionCreated: req.onSessionCreated,
    },
  );
  return { sessionId: call.sessionId };
};

/** Named moments of a dial where a test may stop the runner as an eviction would. */
export type CrashPoint = "after_claim" | "after_cas" | "after_session";

/** Test seams; read only when DEV_TOOLS_ENABLED is true (tests run in the runner's isolate). */
export const runnerTestSeams: { dialer: Dialer | null; crashAt: CrashPoint | null } = { dialer: null, crashAt: null };

export function devToolsEnabled(env: WorkerEnv): boolean {
  const v = env["DEV_TOOLS_ENABLED"];
  return v === "true" || v === "1";
}

export function dialerFor(env: WorkerEnv): Dialer {
  return devToolsEnabled(env) && runnerTestSeams.dialer ? runnerTestSeams.dialer : outboundDialer;
}
