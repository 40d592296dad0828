// The body of the runner's alarm: read the campaign, reconcile live attempts, then act on its
// status — running: dial due items within windows, the campaign's concurrency, the dial rate per
// connection and the caller-number rotation; endBy passed: skip what waits; cancelled: cancel what
// waits (and hang up live calls with cancel_mode end_calls); nothing left: completed. Returns when
// the next alarm is needed. Every write is conditional, so a duplicate run changes nothing; the
// webhook events written with a change are announced after its commit.
import { maskPhoneNumber } from "@speaknode/phone/light";
import { announceDomainEvents, type Database } from "@speaknode/db";
import type { AgentRow } from "../../workers/src/agents/store.ts";
import type { Config } from "../../workers/src/config.ts";
import { isInWindow, nextWindowStart } from "../../workers/src/campaigns/schedule.ts";
import { ApiError } from "../../workers/src/errors.ts";
import { attemptAlreadyHasSession, callRefusalKind } from "../../workers/src/telephony/outbound.ts";
import { AttemptGivenUp, bindSession, casDialing, claimItem, cancelledReason, endAttempt, endByReason } from "./attempts.ts";
import { callerNumbers, closeWaitingItems, completeIfDone, deferZone, dueItems, loadAgentRow, loadCampaign, finishCancelled, nextDueAt, pauseRunning, type DueItem, type RunnerCampaign } from "./campaign-db.ts";
import type { CrashPoint, Dialer } from "./dialer.ts";
import { endLiveCalls } from "./end-calls.ts";
import { reconcile, recordEnded } from "./reconcile.ts";
import type { RunnerStore } from "./storage.ts";
import type { WorkerEnv } from "../../workers/src/env.ts";

/** How often live attempts are checked against Postgres while calls are live. */
export const reconcileIntervalMs = 15_000;
/** Items looked at per query, and zones deferred per alarm before the rest wait for the next. */
const dueBatch = 50;
const maxDeferralsPerTick = 200;
/** Provider requests in flight at once within one alarm. */
const maxParallelDials = 8;
/** An alarm waits in place for a dial-rate slot this close, while it has dialled for less than maxTickDialingMs. */
const maxInTickWaitMs = 1_000;
const maxTickDialingMs = 10_000;

export interface TickDeps {
  db: Database;
  config: Config;
  env: WorkerEnv;
  store: RunnerStore;
  dialer: Dialer;
  checkpoint: (point: CrashPoint) => void;
}

export interface TickResult {
  nextAlarmAt: number | null;
  /** Something a live viewer sees changed. */
  changed: boolean;
  status: RunnerCampaign["status"] | null;
}

/** The reconcile alone (a session-ended notice): outcomes applied at once, dialing left to the alarm. */
export async function reconcileOnly(deps: TickDeps): Promise<boolean> {
  const meta = deps.store.meta();
  const campaign = meta ? await loadCampaign(deps.db, meta.campaignId) : null;
  if (!campaign) return false;
  return (await reconcile(deps.db, deps.store, campaign, Date.now(), deps.env)) > 0;
}

export async function runTick(deps: TickDeps): Promise<TickResult> {
  const { db, store } = deps;
  const meta = store.meta();
  if (!meta) return { nextAlarmAt: null, changed: false, status: null };
  const campaign = await loadCampaign(db, meta.campaignId);
  if (!campaign) {
    store.setWaiting("the campaign no longer exists", null);
    return { nextAlarmAt: null, changed: false, status: null };
  }
  let changed = (await reconcile(db, store, campaign, Date.now(), deps.env)) > 0;
  const next: number[] = [];
  let waiting: string | null = null;
  let nextDialAt: number | null = null;

  switch (campaign.status) {
    case "draft":
      waiting = "not launched yet";
      break;
    case "completed":
      break;
    case "paused": {
      // Paused by the runner for a refusal (its reason noted at the pause), or by a member since.
      const pausedFor = meta.lastRefusalAt != null && meta.lastRefusal && meta.lastRefusalAt >= campaign.updatedAt.getTime() - 1000 ? meta.lastRefusal : null;
      waiting = pausedFor ? `paused: ${pausedFor}` : "paused";
      break;
    }
    case "cancelled": {
      const cancelled = await closeWaitingItems(db, campaign.id, "cancelled", cancelledReason);
      await announceDomainEvents(deps.env, cancelled.eventIds);
      changed = cancelled.closed > 0 || changed;
      if (campaign.cancelMode === "end_calls") await endLiveCalls({ db, config: deps.config, env: deps.env }, store, Date.now());
      // Its last call has ended: the campaign is over (campaign.completed, once by its key).
      if (store.liveCount() === 0) {
        await announceDomainEvents(deps.env, [await finishCancelled(db, campaign.id, Date.now())]);
        if (campaign.endedAt === null) changed = true;
      }
      waiting = store.liveCount() > 0 ? "cancelled; waiting for the live calls to end" : null;
      break;
    }
    case "running": {
      const round = await dialRound(deps, campaign, meta.origin);
      changed = round.changed || changed;
      waiting = round.waiting;
      nextDialAt = round.nextDialAt;
      if (round.nextDialAt !== null) next.push(round.nextDialAt);
      const completed = await completeIfDone(db, campaign.id, Date.now());
      if (completed) {
        await announceDomainEvents(deps.env, [completed.eventId]);
        changed = true;
        store.setWaiting(null, null);
        return { nextAlarmAt: store.liveCount() > 0 ? Date.now() + reconcileIntervalMs : null, changed, status: "completed" };
      }
      break;
    }
  }
  if (store.liveCount() > 0) next.push(Date.now() + reconcileIntervalMs);
  store.setWaiting(waiting, nextDialAt);
  return { nextAlarmAt: next.length > 0 ? Math.min(...next) : null, changed, status: campaign.status };
}

interface Round {
  changed: boolean;
  waiting: string | null;
  /** When the next dial may happen (a due item, a window opening, a dial-rate slot, startAt, endBy). */
  nextDialAt: number | null;
}

async function dialRound(deps: TickDeps, campaign: RunnerCampaign, origin: string | null): Promise<Round> {
  const { db, store } = deps;
  const { settings } = campaign;
  const now = Date.now();
  const endBy = settings.endBy === null ? null : Date.parse(settings.endBy);
  if (endBy !== null && now >= endBy) {
    const skipped = await closeWaitingItems(db, campaign.id, "skipped", endByReason);
    await announceDomainEvents(deps.env, skipped.eventIds);
    return { changed: skipped.closed > 0, waiting: store.liveCount() > 0 ? "the campaign's end (endBy) has passed; waiting for the live calls to end" : null, nextDialAt: null };
  }
  const startAt = settings.startAt === null ? null : Date.parse(settings.startAt);
  if (startAt !== null && now < startAt) return { changed: false, waiting: `starts at ${new Date(startAt).toISOString()}`, nextDialAt: startAt };

  const agent = await loadAgentRow(db, campaign.agentId);
  const callerOrigin = deps.config.publicUrl ?? origin;
  if (!agent || campaign.agentVersion === null) return { changed: false, waiting: "the campaign's agent is missing or was never published", nextDialAt: null };
  if (callerOrigin === null) return { changed: false, waiting: "waiting to be woken with the public origin", nextDialAt: null };
  const numbers = await callerNumbers(db, campaign.spaceId, settings.callerNumberIds);
  if (numbers.size === 0) return { changed: false, waiting: "none of the campaign's caller numbers exists any more", nextDialAt: null };

  const ctx: DialCtx = { deps, campaign, agent, agentVersion: campaign.agentVersion, origin: callerOrigin, numbers };
  let changed = false;
  let deferrals = 0;
  const deferredZones = new Set<string>();
  let windowWait: { atMs: number; timeZone: string } | null = null;
  let stop: { waiting: string | null; at: number | null } | null = null;
  const startedAt = Date.now();
  // Provider requests run side by side (a few at once); claims stay one at a time, so the
  // concurrency count and the dial-rate spacing are always read after the previous claim.
  const calls: Promise<void>[] = [];
  while (!stop) {
    const items = await dueItems(db, campaign.id, Date.now(), dueBatch);
    if (items.length === 0) break;
    for (let k = 0; k < items.length && !stop; k++) {
      const item = items[k];
      if (!item) break;
      if (ctx.paused) {
        stop = { waiting: `paused: ${ctx.paused}`, at: null };
        break;
      }
      if (store.liveCount() >= settings.maxConcurrentCalls) {
        stop = { waiting: `at the campaign's concurrent-call limit (${settings.maxConcurrentCalls})`, at: null };
        break;
      }
      const t = Date.now();
      const timeZone = item.timeZone ?? settings.defaultTimeZone;
      const zoneKey = `${item.timeZone === null ? "default" : "own"}|${timeZone}`;
      if (deferredZones.has(zoneKey)) continue;
      if (!isInWindow(settings.windows, timeZone, t)) {
        deferredZones.add(zoneKey);
        const opens = Math.max(nextWindowStart(settings.windows, timeZone, t) ?? t + 86_400_000, t + 1000);
        // Everyone due in this zone waits for the same opening: deferred together.
        await deferZone(db, campaign.id, { timeZone, isDefault: item.timeZone === null }, opens, t);
        changed = true;
        if (!windowWait || opens < windowWait.atMs) windowWait = { atMs: opens, timeZone };
        if (++deferrals >= maxDeferralsPerTick) {
          stop = { waiting: null, at: Date.now() + 1000 };
          break;
        }
        continue;
      }
      const caller = pickCaller(store, settings.callerNumberIds, numbers, settings.dialRatePerS, t);
      if ("waitUntil" in caller) {
        // A slot soon: wait for it in this alarm (bounded), rather than paying a new alarm per dial.
        if (caller.waitUntil - t <= maxInTickWaitMs && t - startedAt < maxTickDialingMs) {
          await new Promise((resolve) => setTimeout(resolve, caller.waitUntil - t));
          k--;
          continue;
        }
        stop = { waiting: null, at: caller.waitUntil };
        break;
      }
      const started = await startDial(ctx, item, caller);
      if (!started) continue;
      changed = true;
      calls.push(started.call);
      if (calls.length >= maxParallelDials) await Promise.all(calls.splice(0));
    }
  }
  await Promise.all(calls);
  if (stop) return { changed, waiting: stop.waiting, nextDialAt: stop.at };
  const due = await nextDueAt(db, campaign.id, Date.now());
  const nextDialAt = due === null ? null : Math.min(due, endBy ?? Infinity);
  let waiting: string | null = null;
  if (store.liveCount() === 0 && due !== null) {
    const meta = store.meta();
    const refusedRecently = meta?.lastRefusalAt != null && Date.now() - meta.lastRefusalAt < 5 * 60_000;
    if (windowWait && windowWait.atMs <= due) waiting = `outside calling windows until ${localTime(windowWait.atMs, windowWait.timeZone)} ${windowWait.timeZone}`;
    else if (refusedRecently && meta?.lastRefusal) waiting = `calls were refused (${meta.lastRefusal}); retrying at ${new Date(due).toISOString()}`;
    else waiting = `next call at ${new Date(due).toISOString()}`;
  }
  return { changed, waiting, nextDialAt };
}

function localTime(atMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(atMs);
}

/** The next caller number in turn whose connection may dial now, or when the earliest may. */
function pickCaller(store: RunnerStore, ids: string[], numbers: Map<string, string>, ratePerS: number, now: number): { numberId: string; connectionId: string } | { waitUntil: number } {
  const start = store.meta()?.rotation ?? 0;
  const last = store.lastDialByConnection();
  const spacingMs = 1000 / ratePerS;
  let earliest = Infinity;
  for (let i = 0; i < ids.length; i++) {
    const index = (start + i) % ids.length;
    const numberId = ids[index];
    const connectionId = numberId === undefined ? undefined : numbers.get(numberId);
    if (numberId === undefined || connectionId === undefined) continue;
    const slot = (last.get(connectionId) ?? -Infinity) + spacingMs;
    if (slot <= now) {
      store.setRotation(index + 1);
      return { numberId, connectionId };
    }
    earliest = Math.min(earliest, slot);
  }
  return { waitUntil: Number.isFinite(earliest) ? Math.ceil(earliest) : now + 1000 };
}

interface DialCtx {
  deps: TickDeps;
  campaign: RunnerCampaign;
  agent: AgentRow;
  agentVersion: number;
  origin: string;
  numbers: Map<string, string>;
  /** Set when a refusal paused the campaign: the round dials nothing more. */
  paused?: string;
}

/**
 * Claim → record → CAS, each step idempotent (attempts.ts), awaited in turn; then the provider
 * request, returned unawaited (`call`) so a few run side by side. null: the item was not claimed.
 */
async function startDial(ctx: DialCtx, item: DueItem, caller: { numberId: string; connectionId: string }): Promise<{ call: Promise<void> } | null> {
  const { db, store, checkpoint } = ctx.deps;
  const claimed = await claimItem(db, ctx.campaign.id, item.id, caller.numberId, Date.now());
  if (!claimed) return null;
  const { attemptId, attemptNumber } = claimed;
  checkpoint("after_claim");
  store.addLive({ attemptId, itemId: item.id, attemptNumber, sessionId: null, phoneMasked: maskPhoneNumber(item.phone), startedAt: Date.now() });
  if (!(await casDialing(db, attemptId, Date.now()))) return { call: Promise.resolve() };
  // Counted before the request: the spacing holds even when the runner stops during it.
  store.recordDial(attemptId, caller.connectionId, Date.now());
  checkpoint("after_cas");
  return { call: placeCall(ctx, item, caller, attemptId) };
}

/** The provider request of a claimed attempt; never rejects (what it cannot settle, the reconcile does). */
async function placeCall(ctx: DialCtx, item: DueItem, caller: { numberId: string; connectionId: string }, attemptId: string): Promise<void> {
  const { db, store, checkpoint } = ctx.deps;
  let bound = false;
  try {
    const { sessionId } = await ctx.deps.dialer(
      { db, config: ctx.deps.config, env: ctx.deps.env },
      {
        campaignId: ctx.campaign.id,
        attemptId,
        agent: ctx.agent,
        agentVersion: ctx.agentVersion,
        settings: ctx.campaign.settings,
        phone: item.phone,
        variables: item.variables,
        fromNumberId: caller.numberId,
        origin: ctx.origin,
        onSessionCreated: async (sessionId) => {
          await bindSession(db, attemptId, sessionId);
          bound = true;
          store.setLiveSession(attemptId, sessionId);
          checkpoint("after_session");
        },
      },
    );
    store.setLiveSession(attemptId, sessionId);
  } catch (err) {
    // Given up by a recovery, or its session exists already: the reconcile owns its outcome.
    if (err instanceof AttemptGivenUp || attemptAlreadyHasSession(err)) return;
    // An unexpected error once the session exists may come after the provider took the call (or
    // while it did): the session's own end says what happened, never a not_placed that redials.
    if (bound && !(err instanceof ApiError)) return;
    const refusal = callRefusalKind(err);
    const now = Date.now();
    store.noteRefusal(refusal.reason, now);
    // Every call would be refused alike (the plan's minutes are spent): the campaign pauses, and
    // the item is tried again once a member resumes it (not_placed is never held against it).
    if (refusal.kind === "pause") ctx.paused = refusal.reason;
    if (refusal.kind === "pause" && (await pauseRunning(db, ctx.campaign.id, now).catch(() => false))) {
      console.warn(JSON.stringify({ level: "warn", message: "campaign paused: the space's voice minutes are spent", campaignId: ctx.campaign.id }));
    }
    console.warn(JSON.stringify({ level: "warn", message: "campaign call not placed", campaignId: ctx.campaign.id, attemptId, kind: refusal.kind }));
    try {
      const ended = await endAttempt(
        db,
        ctx.campaign,
        { attemptId, outcome: "not_placed", error: refusal.reason, durationS: null, sessionId: null, retryAfterMs: refusal.kind === "retry" ? refusal.retryAfterMs : null, permanent: refusal.kind === "permanent" },
        now,
      );
      if (ended) {
        await announceDomainEvents(ctx.deps.env, ended.eventIds);
        recordEnded(store, { attemptId, phone: item.phone, ended }, now);
      }
    } catch (endErr) {
      console.error(JSON.stringify({ level: "error", message: "campaign refusal not recorded; the reconcile will settle the attempt", campaignId: ctx.campaign.id, attemptId, errorName: endErr instanceof Error ? endErr.name : typeof endErr }));
    }
  }
}
