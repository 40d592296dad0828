// CampaignRunner: one Durable Object per campaign. PLACEHOLDER until the runner lands: the RPC
// surface the Worker and SessionRoom call (wake, sessionEnded, progress, fetch for live progress).
import { DurableObject } from "cloudflare:workers";
import type { CampaignProgress, CampaignSessionEnded } from "@speaknode/contracts";

export type CampaignRunnerEnv = Record<string, unknown>;

export interface CampaignWake {
  campaignId: string;
  /** The public origin provider callbacks go to (PUBLIC_URL wins when configured). */
  origin: string;
}

export class CampaignRunner extends DurableObject<CampaignRunnerEnv> {
  /** Launch, resume, cancel, an edit or new contacts: look at the campaign again now. */
  async wake(_input: CampaignWake): Promise<{ ok: true }> {
    return { ok: true };
  }

  /** A session of this campaign ended; idempotent. */
  async sessionEnded(_input: CampaignSessionEnded): Promise<{ ok: true }> {
    return { ok: true };
  }

  async progress(): Promise<CampaignProgress | null> {
    return null;
  }
}
