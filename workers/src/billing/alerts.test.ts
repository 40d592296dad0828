// Usage alerts at 80 % and 100 % of the included minutes: once per space, period and threshold,
// an email to each Owner (never a Member) and a domain event; and what runs after a usage row.
import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { newId, UsageThresholdEvent, webhookEventData } from "@speaknode/contracts";
import { domainEvents, emailOutbox, memberships, sessions, usageAlerts } from "@speaknode/db";
import { call, makeWorld, newUser, withDb, type TestUser, type World } from "../../test/helpers.ts";
import { afterUsageRecorded } from "./after-usage.ts";
import { sendDueUsageAlerts, thresholdsReached, usageAlertEmailKind, usageThresholdEventType } from "./alerts.ts";
import type { PlanRow } from "./plans.ts";
import { planFixture, putSpaceOnPlan } from "./testing.ts";
import { recordSessionUsage, type UsageRow } from "./usage.ts";
import { fakeEnv } from "../../test/fake-env.ts";

let world: World;
let plan: PlanRow;
let secondOwner: TestUser;
beforeAll(async () => {
  world = await makeWorld();
  secondOwner = await newUser();
  // 10 included minutes, per second: 8 minutes is 80 %.
  plan = await planFixture({ includedMinutes: 10, rounding: "per_second", overagePricePerMinute: null });
});
afterEach(() => {
  vi.restoreAllMocks();
});

const callerNumber = "+14155550123";

const spaceNames = new Map<string, string>();

async function spaceWithOwners(): Promise<string> {
  const name = `Alerted space ${crypto.randomUUID().slice(0, 8)}`;
  const res = await call("POST", "/v1/spaces", { token: world.owner.token, json: { name } });
  if (res.status !== 201) throw new Error(res.text);
  const spaceId = String(res.body["id"]);
  spaceNames.set(spaceId, name);
  await withDb((db) =>
    db.insert(memberships).values([
      { spaceId, userId: secondOwner.id, role: "owner" },
      { spaceId, userId: world.member.id, role: "member" },
    ]),
  );
  await putSpaceOnPlan(spaceId, plan.code);
  return spaceId;
}

/** Records a phone session of `seconds` that ended at `endedAt`. */
async function used(spaceId: string, seconds: number, endedAt = new Date()): Promise<UsageRow> {
  const id = newId("session");
  await withDb((db) =>
    db.insert(sessions).values({ id, spaceId, status: "completed", channel: "phone", direction: "inbound", fromNumber: callerNumber, language: "en-US", mediaDriver: "local", startedAt: new Date(endedAt.getTime() - seconds * 1000), endedAt }),
  );
  const usage = await withDb((db) => recordSessionUsage(db, id, "scale"));
  if (!usage) throw new Error("usage not recorded");
  return usage;
}

const eventsOf = (spaceId: string) => withDb((db) => db.select().from(domainEvents).where(and(eq(domainEvents.spaceId, spaceId), eq(domainEvents.type, usageThresholdEventType))).orderBy(domainEvents.occurredAt));
const mailsAbout = (spaceId: string) =>
  withDb((db) => db.select().from(emailOutbox).where(and(eq(emailOutbox.kind, usageAlertEmailKind), like(emailOutbox.textBody, `%"${spaceNames.get(spaceId) ?? "?"}"%`))));

describe("usage alerts", () => {
  it("fire at 80 % and 100 % of the included minutes, never below and never for plans without included minutes", () => {
    expect(thresholdsReached(479, 600)).toEqual([]);
    expect(thresholdsReached(480, 600)).toEqual([80]);
    expect(thresholdsReached(599, 600)).toEqual([80]);
    expect(thresholdsReached(600, 600)).toEqual([80, 100]);
    expect(thresholdsReached(5000, 0)).toEqual([]);
  });

  it("mail each Owner and write one domain event per threshold, once per period, without the caller's number", async () => {
    const spaceId = await spaceWithOwners();
    const now = new Date();
    expect(await withDb(async (db) => sendDueUsageAlerts(db, await used(spaceId, 420, now)))).toEqual([]);
    const eighty = await used(spaceId, 60, now);
    const sent = await withDb((db) => sendDueUsageAlerts(db, eighty, { publicUrl: "https://speaknode.example" }));
    expect(sent).toEqual([{ thresholdPercent: 80, eventId: expect.stringMatching(/^evt_/), emailIds: [expect.any(String), expect.any(String)] }]);
    // A replay (the same session's usage again, or another session under the threshold) sends nothing more.
    expect(await withDb((db) => sendDueUsageAlerts(db, eighty))).toEqual([]);

    const mails = await withDb((db) => db.select().from(emailOutbox).where(eq(emailOutbox.kind, usageAlertEmailKind)));
    const ours = mails.filter((m) => sent[0]?.emailIds.includes(m.id));
    expect(ours.map((m) => m.toAddress).sort()).toEqual([world.owner.email, secondOwner.email].sort());
    for (const m of ours) {
      expect(m.subject).toBe(`${spaceNames.get(spaceId)} has used 80% of its included voice minutes`);
      expect(m.textBody).toContain("has used 8 of the 10 voice minutes");
      expect(m.textBody).toContain("https://speaknode.example/billing");
      expect(`${m.subject}${m.textBody}${m.htmlBody ?? ""}`).not.toContain(callerNumber);
    }

    const hundred = await used(spaceId, 150, now);
    const full = await withDb((db) => sendDueUsageAlerts(db, hundred));
    expect(full.map((a) => a.thresholdPercent)).toEqual([100]);
    const past = await used(spaceId, 30, now);
    expect(await withDb((db) => sendDueUsageAlerts(db, past))).toEqual([]);

    const events = await eventsOf(spaceId);
    expect(events.map((e) => e.key)).toEqual([80, 100].map((pct) => `billing.usage_threshold:${spaceId}:${eighty.periodStart.toISOString()}:${pct}`));
    expect(events.map((e) => webhookEventData["billing.usage_threshold"].parse(e.data))).toEqual(events.map((e) => UsageThresholdEvent.parse(e.data)));
    expect(events.map((e) => UsageThresholdEvent.parse(e.data))).toEqual([
      { thresholdPercent: 80, periodStart: eighty.periodStart.toISOString(), usedMinutes: 8, includedMinutes: 10 },
      { thresholdPercent: 100, periodStart: eighty.periodStart.toISOString(), usedMinutes: 10.5, includedMinutes: 10 },
    ]);
    const alerts = await withDb((db) => db.select().from(usageAlerts).where(eq(usageAlerts.spaceId, spaceId)));
    expect(alerts.map((a) => [a.thresholdPercent, a.usedSeconds, a.includedSeconds]).sort()).toEqual([
      [100, 630, 600],
      [80, 480, 600],
    ]);
  });

  it("start again in the next period", async () => {
    const spaceId = await spaceWithOwners();
    const november = await used(spaceId, 500, new Date("2026-11-20T12:00:00Z"));
    const december = await used(spaceId, 500, new Date("2026-12-02T12:00:00Z"));
    expect((await withDb((db) => sendDueUsageAlerts(db, november))).map((a) => a.thresholdPercent)).toEqual([80]);
    expect((await withDb((db) => sendDueUsageAlerts(db, december))).map((a) => a.thresholdPercent)).toEqual([80]);
    expect(await eventsOf(spaceId)).toHaveLength(2);
  });
});

describe("afterUsageRecorded", () => {
  const baseEnv = env;

  it("sends the alerts a usage row triggered and delivers their emails", async () => {
    const spaceId = await spaceWithOwners();
    const usage = await used(spaceId, 600);
    await afterUsageRecorded(baseEnv, usage);
    expect((await eventsOf(spaceId)).map((e) => (e.data as { thresholdPercent: number }).thresholdPercent).sort()).toEqual([100, 80]);
    // Two thresholds reached at once, two Owners each; delivered right away (the test mailer takes them).
    const mails = await mailsAbout(spaceId);
    expect(mails.map((m) => [m.toAddress, m.status]).sort()).toEqual(
      [world.owner.email, world.owner.email, secondOwner.email, secondOwner.email].sort().map((to) => [to, "sent"]),
    );
  });

  it("with the Lago driver, puts the usage message on the billing queue", async () => {
    const spaceId = await spaceWithOwners();
    const usage = await used(spaceId, 30);
    const sent: unknown[] = [];
    const queue = { send: async (message: unknown) => void sent.push(message) };
    const lagoEnv = { ...baseEnv, BILLING_DRIVER: "lago", LAGO_API_KEY: "test-key", LAGO_WEBHOOK_HMAC_KEY: "test-hmac", BILLING_QUEUE: queue };
    await afterUsageRecorded(fakeEnv(lagoEnv), usage);
    expect(sent).toEqual([{ kind: "usage", sessionId: usage.sessionId }]);
  });

  it("never throws: a missing queue binding is a warning, a failing queue or configuration an error, none with personal data", async () => {
    const spaceId = await spaceWithOwners();
    const usage = await used(spaceId, 30);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const lago = { ...baseEnv, BILLING_DRIVER: "lago", LAGO_API_KEY: "test-key", LAGO_WEBHOOK_HMAC_KEY: "test-hmac" };
    await expect(afterUsageRecorded(fakeEnv({ ...lago, BILLING_QUEUE: undefined }), usage)).resolves.toBeUndefined();
    expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain("billing queue binding missing");
    const failing = { send: () => Promise.reject(new Error(`queue down for ${callerNumber}`)) };
    await expect(afterUsageRecorded(fakeEnv({ ...lago, BILLING_QUEUE: failing }), usage)).resolves.toBeUndefined();
    await expect(afterUsageRecorded({ ...baseEnv, BILLING_DEFAULT_PLAN: "Not A Code" }, usage)).resolves.toBeUndefined();
    const logged = error.mock.calls.map((c) => String(c[0]));
    expect(logged.some((l) => l.includes("billing usage message not queued"))).toBe(true);
    expect(logged.some((l) => l.includes("configuration unreadable"))).toBe(true);
    for (const line of [...logged, ...warn.mock.calls.map((c) => String(c[0]))]) {
      const { pii: _pii, ...open } = JSON.parse(line) as Record<string, unknown>;
      expect(JSON.stringify(open)).not.toContain(callerNumber);
    }
  });
});
