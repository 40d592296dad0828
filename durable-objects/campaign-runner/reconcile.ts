// Live attempts against Postgres, on every alarm and on every session-ended notice: an attempt
// whose session has ended gets its outcome (the CAS in endAttempt makes a repeat a no-op); an
// attempt left without a session by an interrupted dial never reached the provider and ends
// not_placed (only if still no session exists, checked in the same statement); the rest stay
// live, and the SQLite mirror is rebuilt from what Postgres says is open.
import { maskPhoneNumber } from "@speaknode/phone/light";
import { announceDomainEvents, type Database } from "@speaknode/db";
import { classifyOutcome, loadOutcomeFacts } from "../../workers/src/campaigns/outcome.ts";
import { endAttempt, openAttempts, type EndedAttempt } from "./attempts.ts";
import type { RunnerCampaign } from "./campaign-db.ts";
import type { RunnerStore } from "./storage.ts";
import type { WorkerEnv } from "../../workers/src/env.ts";

export const interruptedDialReason = "the dial was interrupted before it reached the provider";

export interface Recorded {
  attemptId: string;
  phone: string;
  ended: EndedAttempt;
}

/** Records an ended attempt in the live view (out of the live set, into recent results). */
export function recordEnded(store: RunnerStore, r: Recorded, now: number): void {
  store.ended({
    attemptId: r.attemptId,
    itemId: r.ended.itemId,
    sessionId: r.ended.sessionId,
    phoneMasked: maskPhoneNumber(r.phone),
    attemptNumber: r.ended.attemptNumber,
    outcome: r.ended.outcome,
    endedAt: now,
  });
}

/** Returns how many attempts it ended; the webhook events of the items it made final are announced (`env`). */
export async function reconcile(db: Database, store: RunnerStore, campaign: RunnerCampaign, now: number, env: WorkerEnv): Promise<number> {
  const open = await openAttempts(db, campaign.id);
  const facts = await loadOutcomeFacts(
    db,
    open.flatMap((a) => (a.sessionId ? [a.sessionId] : [])),
  );
  const stillOpen = new Set<string>();
  let endedCount = 0;
  for (const a of open) {
    let ended: EndedAttempt | null = null;
    if (a.sessionId === null) {
      // The runner that claimed it is gone (one instance runs at a time, and this one's dials
      // finish before a reconcile starts): its dial never created a session, so no call exists.
      ended = await endAttempt(db, campaign, { attemptId: a.attemptId, outcome: "not_placed", error: interruptedDialReason, durationS: null, sessionId: null, onlyWithoutSession: true }, now);
    } else {
      const f = facts.get(a.sessionId);
      const result = f ? classifyOutcome(f) : null;
      if (f && result) {
        const error = result.outcome === "completed" ? null : f.failureReason;
        ended = await endAttempt(db, campaign, { attemptId: a.attemptId, outcome: result.outcome, error, durationS: result.durationS, sessionId: a.sessionId }, now);
      }
    }
    if (ended) {
      await announceDomainEvents(env, ended.eventIds);
      recordEnded(store, { attemptId: a.attemptId, phone: a.phone, ended }, now);
      endedCount++;
      continue;
    }
    stillOpen.add(a.attemptId);
    store.addLive({ attemptId: a.attemptId, itemId: a.itemId, attemptNumber: a.attemptNumber, sessionId: a.sessionId, phoneMasked: maskPhoneNumber(a.phone), startedAt: a.createdAt });
  }
  store.keepLive(stillOpen);
  return endedCount;
}
