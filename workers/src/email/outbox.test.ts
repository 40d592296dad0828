import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { newId } from "@speaknode/contracts";
import { emailOutbox } from "@speaknode/db";
import { withDb } from "../../test/helpers.ts";
import { MailerError, type Mailer, type OutgoingEmail, type SendOptions } from "./index.ts";
import { backoffMs, defaultDeliveryPolicy, drainOutbox, enqueueEmail, latestDeliveries, leaseFor } from "./outbox.ts";

/** A provider that answers from a script of outcomes (then succeeds), keeping what it was asked. */
function scriptedMailer(script: ("ok" | "retryable" | "refused" | "hang")[] = [], delayMs = 0): Mailer & { sends: { message: OutgoingEmail; options: SendOptions | undefined }[] } {
  const sends: { message: OutgoingEmail; options: SendOptions | undefined }[] = [];
  return {
    provider: "scripted",
    sends,
    async send(message, options) {
      sends.push({ message, options });
      const outcome = script[sends.length - 1] ?? "ok";
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      if (outcome === "hang") {
        // Like fetch: waits until the attempt's signal aborts it.
        await new Promise((_, reject) => options?.signal?.addEventListener("abort", () => reject(options.signal?.reason)));
      }
      if (outcome === "retryable") throw new MailerError("resend answered HTTP 503", true);
      if (outcome === "refused") throw new MailerError("resend answered HTTP 422", false);
      return { messageId: `msg-${sends.length}` };
    },
  };
}

const message = (): OutgoingEmail => ({ to: `${crypto.randomUUID().slice(0, 8)}@example.test`, subject: "Join", text: "token=secret-link" });
const row = (id: string) => withDb(async (db) => (await db.select().from(emailOutbox).where(eq(emailOutbox.id, id)))[0]);
const minutes = (n: number) => n * 60_000;
// Rows due only in a far future, so the Worker's cron (run by other test files against the same
// database, with the real clock) never drains them behind these tests' backs.
const future = () => new Date(Date.now() + 1000 * 24 * 3_600_000);

describe("the email outbox", () => {
  it("leaves a message whose provider fails pending with a backoff, and a later drain sends it", async () => {
    const t0 = future();
    const id = await withDb((db) => enqueueEmail(db, { kind: "test", message: message() }, t0));
    const mailer = scriptedMailer(["retryable"]);
    expect(await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: t0 }))).toEqual({ sent: 0, retrying: 1, failed: 0 });
    const waiting = await row(id);
    expect(waiting).toMatchObject({ status: "pending", attempts: 1, lastError: "resend answered HTTP 503" });
    // Backoff after the first failure: between half and all of the base delay.
    const delay = (waiting?.nextAttemptAt.getTime() ?? 0) - t0.getTime();
    expect(delay).toBeGreaterThanOrEqual(defaultDeliveryPolicy.baseBackoffMs / 2);
    expect(delay).toBeLessThanOrEqual(defaultDeliveryPolicy.baseBackoffMs);

    // Not due yet: a drain right away leaves it alone.
    expect(await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + 1000) }))).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + minutes(2)) }))).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(await row(id)).toMatchObject({ status: "sent", attempts: 2, provider: "scripted", providerMessageId: "msg-2", lastError: null });
    expect(mailer.sends).toHaveLength(2);
    // Every attempt at one message carries the same idempotency key.
    expect(new Set(mailer.sends.map((s) => s.options?.idempotencyKey))).toEqual(new Set([`speaknode/${id}`]));
  });

  it("gives a message up after the last attempt, and at once when the provider refuses it", async () => {
    const t0 = future();
    const id = await withDb((db) => enqueueEmail(db, { kind: "test", message: message() }, t0));
    const mailer = scriptedMailer(["retryable", "retryable", "retryable"]);
    const policy = { maxAttempts: 3 };
    for (let i = 0; i < 3; i++) await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + minutes(60 * i)), policy }));
    const last = new Date(t0.getTime() + minutes(120));
    expect(await row(id)).toMatchObject({ status: "failed", attempts: 3, lastError: "resend answered HTTP 503", nextAttemptAt: last });
    expect(await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + minutes(600)), policy }))).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(mailer.sends).toHaveLength(3);

    const refused = await withDb((db) => enqueueEmail(db, { kind: "test", message: message() }, t0));
    expect(await withDb((db) => drainOutbox(db, scriptedMailer(["refused"]), { ids: [refused], now: t0 }))).toEqual({ sent: 0, retrying: 0, failed: 1 });
    expect(await row(refused)).toMatchObject({ status: "failed", attempts: 1, lastError: "resend answered HTTP 422" });
  });

  it("aborts an attempt the provider does not answer in time, and retries it later", async () => {
    const t0 = future();
    const id = await withDb((db) => enqueueEmail(db, { kind: "test", message: message() }, t0));
    const started = Date.now();
    const result = await withDb((db) => drainOutbox(db, scriptedMailer(["hang"]), { ids: [id], now: t0, policy: { attemptTimeoutMs: 200 } }));
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect(await row(id)).toMatchObject({ status: "pending", attempts: 1, lastError: "no answer from the provider within 200 ms" });
  });

  it("never sends one message twice: concurrent drains claim it once, and a replayed drain finds it sent", async () => {
    const t0 = future();
    const id = await withDb((db) => enqueueEmail(db, { kind: "test", message: message() }, t0));
    const mailer = scriptedMailer([], 150);
    const results = await Promise.all([0, 1, 2].map(() => withDb((db) => drainOutbox(db, mailer, { ids: [id], now: t0 }))));
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(1);
    expect(await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + minutes(600)) }))).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(mailer.sends).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("keeps a message claimed by a drain out of other drains until its lease runs out", async () => {
    const t0 = future();
    const id = await withDb((db) => enqueueEmail(db, { kind: "test", message: message() }, t0));
    // A drain that claimed the row and died before recording the outcome.
    await withDb((db) => db.update(emailOutbox).set({ attempts: 1, nextAttemptAt: new Date(t0.getTime() + defaultDeliveryPolicy.leaseMs) }).where(eq(emailOutbox.id, id)));
    const mailer = scriptedMailer();
    expect((await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + 1000) }))).sent).toBe(0);
    expect((await withDb((db) => drainOutbox(db, mailer, { ids: [id], now: new Date(t0.getTime() + defaultDeliveryPolicy.leaseMs) }))).sent).toBe(1);
    expect(await row(id)).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("replaces a waiting message about the same record, and reports the latest one's delivery", async () => {
    const ref = newId("invitation");
    const first = await withDb((db) => enqueueEmail(db, { kind: "invitation", ref, message: message() }, future()));
    const second = await withDb((db) => enqueueEmail(db, { kind: "invitation", ref, message: message() }, future()));
    expect(await row(first)).toMatchObject({ status: "failed", lastError: "replaced by a newer message" });
    const deliveries = await withDb((db) => latestDeliveries(db, "invitation", [ref, "inv_none"]));
    expect(deliveries.get(ref)).toMatchObject({ status: "pending", attempts: 0, error: null });
    expect(deliveries.has("inv_none")).toBe(false);
    expect(await row(second)).toMatchObject({ status: "pending", kind: `invitation:${ref}` });
  });
});

describe("backoff", () => {
  const policy = { baseBackoffMs: 60_000, maxBackoffMs: 3_600_000 };
  it("doubles per attempt up to the cap, jittered within the upper half", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, policy, () => 1))).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(backoffMs(3, policy, () => 0)).toBe(120_000);
    expect(backoffMs(20, policy, () => 1)).toBe(3_600_000);
  });
});

describe("a drain's lease", () => {
  it("outlasts every attempt of its batch, so no other drain can claim a row it has yet to try", () => {
    const p = defaultDeliveryPolicy;
    expect(leaseFor(p)).toBeGreaterThan(Math.ceil(p.batchSize / p.concurrency) * p.attemptTimeoutMs);
    expect(leaseFor({ ...p, attemptTimeoutMs: 60_000, batchSize: 25, concurrency: 1 })).toBeGreaterThan(25 * 60_000);
  });
});
