// The email outbox: every message is a row of email_outbox, written by the operation that wants it
// sent (in its request, with nothing else to wait for) and delivered from there in the background
// — right after the request through `waitUntil`, and by the Worker's cron for whatever is due.
//
// A row is `pending` until the provider takes it (`sent`) or it is given up (`failed`). A drain
// claims due rows by pushing their `next_attempt_at` one lease ahead inside a
// `FOR UPDATE SKIP LOCKED` select, so two drains never hold one row; the claim counts the attempt,
// so a drain that dies mid-send still uses one up. Each attempt has a timeout; a failure that may
// pass is retried after an exponential backoff with jitter, until `maxAttempts`; one that cannot
// pass (the provider refused the message) fails at once. A failed row keeps the time of its last
// attempt in `next_attempt_at`: nothing is attempted after it, and the Owner sees when it gave up.
// The outbox id is the provider's idempotency key, so an answer lost after the provider took the
// message cannot make a retry send it twice.
import { sql } from "drizzle-orm";
import { newId } from "@speaknode/contracts";
import { emailOutbox, type Database } from "@speaknode/db";
import { log } from "../lib/log.ts";
import { MailerError, type Mailer, type OutgoingEmail } from "./index.ts";

export interface DeliveryPolicy {
  /** How long one attempt may take before it is aborted and counted as failed. */
  attemptTimeoutMs: number;
  /** How long a claimed row stays out of other drains' reach, at least; a drain stretches it to
   *  cover all the attempts of its batch (see `leaseFor`). */
  leaseMs: number;
  /** Attempts of one drain in flight at once. */
  concurrency: number;
  /** Attempts before a message is given up. */
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Rows one drain claims at most. */
  batchSize: number;
}

export const defaultDeliveryPolicy: DeliveryPolicy = {
  attemptTimeoutMs: 10_000,
  leaseMs: 60_000,
  // 1, 2, 4 … 64 minutes between attempts (the cron runs every 10): about two hours in all.
  maxAttempts: 8,
  baseBackoffMs: 60_000,
  maxBackoffMs: 3_600_000,
  batchSize: 25,
  concurrency: 5,
};

/**
 * How far ahead a drain pushes the rows it claims: past the last attempt it can make (its batch in
 * waves of `concurrency`, each up to the timeout) and the outcome's write. A shorter lease would
 * let another drain claim a row this one has not tried yet, and both would send it.
 */
export function leaseFor(policy: DeliveryPolicy): number {
  return Math.max(policy.leaseMs, Math.ceil(policy.batchSize / policy.concurrency) * policy.attemptTimeoutMs + 30_000);
}

/** Delay before the attempt after `attempts` failed ones: exponential, with the upper half jittered. */
export function backoffMs(attempts: number, policy: Pick<DeliveryPolicy, "baseBackoffMs" | "maxBackoffMs">, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** What an outbox row is about, as its `kind` column stores it: `invitation:inv_…`. */
export const outboxKind = (kind: string, ref: string) => `${kind}:${ref}`;

export interface Enqueue {
  kind: string;
  /** The record the message is about (an invitation's id); a newer message about it replaces a pending one. */
  ref?: string | undefined;
  message: OutgoingEmail;
}

/** Writes the message as pending and due now; delivery is `drainOutbox`'s job. */
export async function enqueueEmail(db: Database, input: Enqueue, at: Date = new Date()): Promise<string> {
  const id = newId("email");
  const kind = input.ref === undefined ? input.kind : outboxKind(input.kind, input.ref);
  // A resent invitation carries a new link: the old message, if still waiting, would deliver a dead one.
  if (input.ref !== undefined) await cancelPending(db, input.kind, input.ref, "replaced by a newer message");
  const m = input.message;
  await db.insert(emailOutbox).values({ id, kind, toAddress: m.to, subject: m.subject, textBody: m.text, htmlBody: m.html ?? null, status: "pending", nextAttemptAt: at });
  return id;
}

/** Gives up the waiting messages about `ref` (its invitation was revoked, or a newer message replaces them). */
export async function cancelPending(db: Database, kind: string, ref: string, reason: string): Promise<void> {
  await db.execute(sql`update email_outbox set status = 'failed', last_error = ${reason}, next_attempt_at = now()
    where kind = ${outboxKind(kind, ref)} and status = 'pending'`);
}

export interface Delivery {
  status: "pending" | "sent" | "failed";
  attempts: number;
  /** pending: next attempt due; sent: taken by the provider; failed: last attempt. */
  at: Date;
  error: string | null;
}

/** The latest message about each ref (by creation), keyed by ref; refs with none are absent. */
export async function latestDeliveries(db: Database, kind: string, refs: string[]): Promise<Map<string, Delivery>> {
  const found = new Map<string, Delivery>();
  if (refs.length === 0) return found;
  const kinds = refs.map((ref) => sql`${outboxKind(kind, ref)}`);
  const rows = await db.execute<{ kind: string; status: Delivery["status"]; attempts: number; next_attempt_at: Date | string; sent_at: Date | string | null; last_error: string | null }>(sql`
    select distinct on (kind) kind, status, attempts, next_attempt_at, sent_at, last_error from email_outbox
    where kind in (${sql.join(kinds, sql`, `)})
    order by kind, created_at desc, id desc`);
  for (const r of rows.rows) {
    const at = r.status === "sent" && r.sent_at ? r.sent_at : r.next_attempt_at;
    found.set(r.kind.slice(kind.length + 1), { status: r.status, attempts: Number(r.attempts), at: new Date(at), error: r.status === "sent" ? null : r.last_error });
  }
  return found;
}

export interface DrainOptions {
  /** Only these rows (a request delivering what it just wrote); every due row when unset. */
  ids?: string[] | undefined;
  /** The drain's clock; tests move it forward to reach a backoff. */
  now?: Date | undefined;
  policy?: Partial<DeliveryPolicy> | undefined;
  random?: (() => number) | undefined;
}

export interface DrainResult {
  sent: number;
  retrying: number;
  failed: number;
}

interface Claimed extends Record<string, unknown> {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  attempts: number;
}

export async function drainOutbox(db: Database, mailer: Mailer, options: DrainOptions = {}): Promise<DrainResult> {
  const policy = { ...defaultDeliveryPolicy, ...options.policy };
  const now = options.now ?? new Date();
  const result: DrainResult = { sent: 0, retrying: 0, failed: 0 };
  if (options.ids?.length === 0) return result;
  const only = options.ids ? sql`and id in (${sql.join(options.ids.map((id) => sql`${id}`), sql`, `)})` : sql``;
  const leaseUntil = new Date(now.getTime() + leaseFor(policy));
  const claimed = await db.execute<Claimed>(sql`
    update email_outbox set next_attempt_at = ${leaseUntil.toISOString()}::timestamptz, attempts = attempts + 1
    where id in (
      select id from email_outbox
      where status = 'pending' and next_attempt_at <= ${now.toISOString()}::timestamptz ${only}
      order by next_attempt_at
      limit ${policy.batchSize}
      for update skip locked
    )
    returning id, to_address, subject, text_body, html_body, attempts`);
  for (let i = 0; i < claimed.rows.length; i += policy.concurrency) {
    const wave = claimed.rows.slice(i, i + policy.concurrency);
    for (const outcome of await Promise.all(wave.map((row) => attempt(db, mailer, row, policy, now, options.random ?? Math.random)))) result[outcome]++;
  }
  return result;
}

async function attempt(db: Database, mailer: Mailer, row: Claimed, policy: DeliveryPolicy, now: Date, random: () => number): Promise<keyof DrainResult> {
  const message: OutgoingEmail = { to: row.to_address, subject: row.subject, text: row.text_body, ...(row.html_body ? { html: row.html_body } : {}) };
  try {
    const { messageId } = await mailer.send(message, { signal: AbortSignal.timeout(policy.attemptTimeoutMs), idempotencyKey: `speaknode/${row.id}` });
    await db.execute(sql`update email_outbox set status = 'sent', provider = ${mailer.provider}, provider_message_id = ${messageId}, sent_at = now(), last_error = null
      where id = ${row.id} and status = 'pending'`);
    return "sent";
  } catch (err) {
    const reason = failureReason(err, policy.attemptTimeoutMs);
    const final = row.attempts >= policy.maxAttempts || (err instanceof MailerError && !err.retryable);
    const next = final ? now : new Date(now.getTime() + backoffMs(row.attempts, policy, random));
    await db.execute(sql`update email_outbox set status = ${final ? "failed" : "pending"}::email_status, provider = ${mailer.provider}, last_error = ${reason},
        next_attempt_at = ${next.toISOString()}::timestamptz
      where id = ${row.id} and status = 'pending'`);
    log.warn(final ? "email delivery failed; given up" : "email delivery failed; will retry", { emailId: row.id, provider: mailer.provider, attempts: row.attempts, reason });
    return final ? "failed" : "retrying";
  }
}

/**
 * What is kept of a failure and shown to the Owner: our own provider errors (a status code) and
 * timeouts by name; anything else by its class only, since a message could carry a URL or a key.
 */
function failureReason(err: unknown, timeoutMs: number): string {
  if (err instanceof MailerError) return err.message;
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return `no answer from the provider within ${timeoutMs} ms`;
  return `delivery failed (${err instanceof Error ? err.name : typeof err})`;
}
