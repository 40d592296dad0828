// Test fixtures for the CampaignRunner inside workerd: a space with a published phone agent, Twilio
// numbers, a campaign row with items written straight to Postgres, Twilio's REST API faked behind
// the global fetch (the runner runs in the tests' isolate, so its dials reach the fake), and the
// ways a call ends driven through the session's real SessionRoom (which then tells the runner).
import { env } from "cloudflare:workers";
import { and, eq, inArray } from "drizzle-orm";
import { expect } from "vitest";
import { newId, type CampaignSettings } from "@speaknode/contracts";
import { agents, campaignAttempts, campaignItems, campaigns, sessionRuntimeEvents, sessions } from "@speaknode/db";
import { makeWorld, origin, withDb, type World } from "../../workers/test/helpers.ts";
import { callSid, fakeTwilio, phoneFixture, twilioCall, type PhoneFixture, type TwilioAnswer, type TwilioRequest } from "../../workers/test/outbound-fixtures.ts";
import { publishedPhoneAgent } from "../../workers/src/telephony/testing.ts";
import { sessionRoomIn } from "../../workers/src/sessions/room.ts";
import type { CampaignRunner } from "./index.ts";

export const { CAMPAIGN_RUNNER } = env as unknown as { CAMPAIGN_RUNNER: DurableObjectNamespace<CampaignRunner> };

export interface RunnerWorld {
  world: World;
  agentId: string;
  agentVersion: number;
}

export async function runnerWorld(): Promise<RunnerWorld> {
  const world = await makeWorld();
  const agentId = await publishedPhoneAgent(world);
  const [agent] = await withDb((db) => db.select({ v: agents.publishedVersion }).from(agents).where(eq(agents.id, agentId)));
  if (!agent?.v) throw new Error("agent not published");
  return { world, agentId, agentVersion: agent.v };
}

/** Every day, all day: calls are always inside the window. */
export const alwaysOpen = [{ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" }];

export interface CampaignFixture {
  campaignId: string;
  itemIds: string[];
  phones: string[];
  numbers: PhoneFixture[];
  runner: DurableObjectStub<CampaignRunner>;
}

/** A running campaign with `items` contacts (+1 415 555 01NN), not yet woken. */
export async function campaignFixture(rw: RunnerWorld, opts: { items: number; settings?: Partial<CampaignSettings>; numbers?: number; numberLimit?: number; status?: "running" | "paused" | "draft" }): Promise<CampaignFixture> {
  const numbers: PhoneFixture[] = [];
  for (let i = 0; i < (opts.numbers ?? 1); i++) numbers.push(await phoneFixture(rw.world.spaceId, { maxConcurrentCalls: opts.numberLimit ?? 10 }));
  const campaignId = newId("campaign");
  const settings: Record<string, unknown> = {
    callerNumberIds: numbers.map((n) => n.phoneNumberId),
    startAt: null,
    endBy: null,
    windows: alwaysOpen,
    defaultTimeZone: "UTC",
    maxConcurrentCalls: 5,
    dialRatePerS: 20,
    retry: { noAnswer: { attempts: 2, backoffS: 3600 }, busy: { attempts: 1, backoffS: 900 }, voicemail: { attempts: 1, backoffS: 7200 }, failed: { attempts: 1, backoffS: 1800 } },
    maxDurationS: null,
    voicemail: "inherit",
    allowDuplicates: false,
    ...opts.settings,
  };
  const itemIds = Array.from({ length: opts.items }, () => newId("campaignItem"));
  const phones = itemIds.map((_, i) => `+1415555${String(100 + i).padStart(4, "0")}`);
  await withDb(async (db) => {
    await db.insert(campaigns).values({ id: campaignId, spaceId: rw.world.spaceId, agentId: rw.agentId, agentVersion: rw.agentVersion, name: "Runner test", status: opts.status ?? "running", settings, itemCount: opts.items, launchedAt: new Date() });
    if (itemIds.length > 0) {
      await db.insert(campaignItems).values(itemIds.map((id, i) => ({ id, campaignId, spaceId: rw.world.spaceId, rowNumber: i + 1, phone: phones[i] ?? "", variables: {} })));
    }
  });
  return { campaignId, itemIds, phones, numbers, runner: CAMPAIGN_RUNNER.get(CAMPAIGN_RUNNER.idFromName(campaignId)) };
}

/** A fresh stub: one that saw its object aborted (an eviction) stays broken. */
export function runnerOf(c: Pick<CampaignFixture, "campaignId">): DurableObjectStub<CampaignRunner> {
  return CAMPAIGN_RUNNER.get(CAMPAIGN_RUNNER.idFromName(c.campaignId));
}

export async function wake(c: CampaignFixture): Promise<void> {
  expect(await runnerOf(c).wake({ campaignId: c.campaignId, origin })).toEqual({ ok: true });
}

/** Twilio accepting every call; `answer` may refuse some. */
export function twilioAccepting(answer?: (req: TwilioRequest) => TwilioAnswer | null): { requests: TwilioRequest[]; calls: () => TwilioRequest[] } {
  const fake = fakeTwilio((req) => answer?.(req) ?? twilioCall(callSid(), "queued"));
  return { requests: fake.requests, calls: () => fake.requests.filter((r) => r.method === "POST" && r.path.endsWith("/Calls.json")) };
}

/** The session a Calls.json request was for (its Media Streams parameter). */
export function sessionOf(req: TwilioRequest): string {
  const match = /ses_[0-9a-z]{26}/.exec(req.form.get("Twiml") ?? "");
  if (!match) throw new Error("no session id in the TwiML");
  return match[0];
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const attemptsOf = (campaignId: string) =>
  withDb((db) => db.select().from(campaignAttempts).where(eq(campaignAttempts.campaignId, campaignId)).orderBy(campaignAttempts.createdAt));
export const itemsOf = (campaignId: string) => withDb((db) => db.select().from(campaignItems).where(eq(campaignItems.campaignId, campaignId)).orderBy(campaignItems.rowNumber));
export const campaignRow = async (campaignId: string) => (await withDb((db) => db.select().from(campaigns).where(eq(campaigns.id, campaignId))))[0];
export const liveSessionsOf = (campaignId: string) =>
  withDb((db) => db.select({ id: sessions.id, attemptId: sessions.campaignAttemptId }).from(sessions).where(and(eq(sessions.campaignId, campaignId), inArray(sessions.status, ["pending", "dispatching", "active"]))));

export type CallEnd = "completed" | "voicemail" | "busy" | "no_answer" | "failed";

/** Ends a campaign call the way the platform would: through its SessionRoom (which tells the runner). */
export async function endCall(sessionId: string, how: CallEnd): Promise<void> {
  const room = sessionRoomIn(env, sessionId);
  if (how === "completed" || how === "voicemail") {
    if (how === "voicemail") await withDb((db) => db.insert(sessionRuntimeEvents).values({ sessionId, eventId: `vm-${sessionId}`, type: "phone.voicemail", detail: {} }));
    expect(await room.transition({ to: "active" })).toMatchObject({ ok: true });
    expect(await room.transition({ to: "completed" })).toMatchObject({ ok: true });
    return;
  }
  // What Twilio's final status callback leaves on the row (call-status.ts), then the room's end.
  const [providerStatus, reason] = how === "busy" ? ["busy", "busy"] : how === "no_answer" ? ["no-answer", "no answer"] : ["failed", "call failed"];
  await withDb((db) => db.update(sessions).set({ providerStatus }).where(eq(sessions.id, sessionId)));
  expect(await room.transition({ to: "failed", reason })).toMatchObject({ ok: true });
}

/** Retries are due now (their backoff has "passed"). */
export async function fastForward(campaignId: string): Promise<void> {
  await withDb((db) => db.update(campaignItems).set({ nextAttemptAt: new Date(Date.now() - 1000) }).where(and(eq(campaignItems.campaignId, campaignId), eq(campaignItems.status, "scheduled"))));
}

/** Runs the alarm's body now, as a duplicate alarm would. */
export async function tick(c: CampaignFixture): Promise<number | null> {
  return (await runnerOf(c).runAlarmForTest()).nextAlarmAt;
}

/** Sets the campaign's status as the routes would (then wakes the runner). */
export async function setStatus(c: CampaignFixture, status: "running" | "paused" | "cancelled", cancelMode?: "finish" | "end_calls"): Promise<void> {
  await withDb((db) => db.update(campaigns).set({ status, ...(cancelMode ? { cancelMode } : {}) }).where(eq(campaigns.id, c.campaignId)));
  await wake(c);
}

/** Twilio's create-call requests per destination. */
export function callsTo(requests: TwilioRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) {
    const to = r.form.get("To") ?? "";
    out[to] = (out[to] ?? 0) + 1;
  }
  return out;
}
