// The live view of a campaign (CampaignProgress): totals by item status from one grouped Postgres
// query (cached by the runner until something changes), live calls, dial rate, recent results and
// why nothing dials from its SQLite. Phones are already masked when stored.
import type { CampaignItemStatus, CampaignProgress, CampaignStatus } from "@speaknode/contracts";
import { dialMemoryMs, type RunnerStore } from "./storage.ts";

export interface Totals {
  status: CampaignStatus;
  byStatus: Record<CampaignItemStatus, number>;
}

export function buildProgress(campaignId: string, totals: Totals, store: RunnerStore, now: number): CampaignProgress {
  const meta = store.meta();
  const byStatus = totals.byStatus;
  const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const dialsPerMinute = store.dialsSince(now - dialMemoryMs) / (dialMemoryMs / 60_000);
  const remaining = byStatus.pending + byStatus.scheduled + byStatus.in_progress;
  const live = totals.status === "running" || totals.status === "paused" || totals.status === "cancelled";
  return {
    campaignId,
    status: totals.status,
    total,
    byStatus,
    liveCalls: store.live().map((a) => ({
      attemptId: a.attemptId,
      itemId: a.itemId,
      sessionId: a.sessionId,
      phone: a.phoneMasked,
      attemptNumber: a.attemptNumber,
      startedAt: new Date(a.startedAt).toISOString(),
    })),
    dialsPerMinute: Math.round(dialsPerMinute * 10) / 10,
    etaS: remaining === 0 ? 0 : dialsPerMinute > 0 && totals.status === "running" ? Math.round((remaining / dialsPerMinute) * 60) : null,
    waiting: live ? (meta?.waiting ?? null) : null,
    nextDialAt: live && meta?.nextDialAt != null ? new Date(meta.nextDialAt).toISOString() : null,
    recent: store.recent().map((r) => ({
      attemptId: r.attemptId,
      itemId: r.itemId,
      sessionId: r.sessionId,
      phone: r.phoneMasked,
      attemptNumber: r.attemptNumber,
      outcome: r.outcome,
      endedAt: new Date(r.endedAt).toISOString(),
    })),
    updatedAt: new Date(now).toISOString(),
  };
}
