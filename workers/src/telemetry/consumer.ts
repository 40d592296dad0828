// The telemetry queue's consumers, in this Worker: `speaknode-telemetry` (spans to store, and
// Langfuse forwards being retried) and its dead-letter queue `speaknode-telemetry-dlq`.
//
// Every message is parsed first; one that does not parse is retried alone (and dead-lettered
// after the last retry) while the others go on. The spans of all good messages are inserted in one
// statement; if it fails, each message is tried on its own so one bad message cannot hold the
// rest back. Messages are acknowledged one by one, right after their spans are stored.
//
// Langfuse forwarding happens after the insert and never affects the rows or the acks: a failure
// that may pass (network, 408/429/5xx) is queued again as a `langfuse.forward` message for that
// purpose only (dead-lettered after its retries, so the Admin sees it); any other failure (bad
// credentials, refused payload) is dropped with a warning, since retrying cannot help.
import type { Database, DatabaseHandle } from "@speaknode/db";
import { createDatabase } from "@speaknode/db";
import { analyticsRefresher, type AnalyticsRefresher } from "../analytics/refresher.ts";
import { readConfig, type Config } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { forwardToLangfuse, type LangfuseSettings } from "./langfuse.ts";
import { packGroups } from "./normalize.ts";
import type { AnalyticsRefreshMessage, LangfuseForwardMessage, SpanGroup, SpansMessage, TelemetryMessage as TelemetryMessageType } from "@speaknode/contracts";
import { TelemetryMessage, telemetryDeadLetterQueueName, telemetryMaxRetries, telemetryProtocolVersion, telemetryQueueName } from "@speaknode/contracts";
import { sendMessages, telemetryQueue } from "./queue.ts";
import { insertDeadLetters, insertSpans, type DeadLetterInput } from "./store.ts";
import type { WorkerEnv } from "../env.ts";

export interface ConsumerDeps {
  /** Outbound HTTP for Langfuse and the analytics sink; tests record requests with their own. */
  fetch: typeof fetch;
  /** Opens the batch's database connections; tests count its statements. */
  database: (config: Config) => DatabaseHandle;
}

const openDatabase = (config: Config) => createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 2 });

export const isTelemetryQueue = (queue: string) => queue === telemetryQueueName || queue === telemetryDeadLetterQueueName;

/** Delay before a forward to Langfuse is tried again. */
const forwardRetryDelayS = 60;
const storeRetryDelayS = (attempts: number) => Math.min(60, 2 ** attempts);

export async function handleTelemetryBatch(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext, deps: Partial<ConsumerDeps> = {}): Promise<void> {
  const config = readConfig(env);
  const handle = (deps.database ?? openDatabase)(config);
  try {
    if (batch.queue === telemetryDeadLetterQueueName) await storeDeadLetters(handle.db, batch);
    else await consumeTelemetry(handle.db, batch, { env, langfuse: config.telemetry.langfuse, fetch: deps.fetch ?? fetch, analytics: analyticsRefresher(config, { fetch: deps.fetch }) });
  } finally {
    ctx.waitUntil(handle.close().catch(() => undefined));
  }
}

type Parsed<T> = { msg: Message<unknown>; body: T };

interface ConsumeContext {
  env: WorkerEnv;
  langfuse: LangfuseSettings | undefined;
  fetch: typeof fetch;
  analytics: AnalyticsRefresher;
}

async function consumeTelemetry(db: Database, batch: MessageBatch<unknown>, cx: ConsumeContext): Promise<void> {
  const spanMessages: Parsed<SpansMessage>[] = [];
  const forwards: Parsed<LangfuseForwardMessage>[] = [];
  const refreshes: Parsed<AnalyticsRefreshMessage>[] = [];
  for (const msg of batch.messages) {
    const parsed = TelemetryMessage.safeParse(msg.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      log.warn("telemetry: unreadable queue message; retrying it alone", { messageId: msg.id, attempts: msg.attempts, issues: parsed.error.issues.length, firstIssuePath: issue?.path.join(".") ?? "" });
      msg.retry();
    } else if (parsed.data.type === "spans") spanMessages.push({ msg, body: parsed.data });
    else if (parsed.data.type === "analytics.refresh") refreshes.push({ msg, body: parsed.data });
    else forwards.push({ msg, body: parsed.data });
  }

  const stored = await storeSpans(db, spanMessages);
  await refreshAnalytics(db, [...stored.endedSessionIds, ...refreshes.flatMap((r) => r.body.sessionIds)], refreshes, cx.analytics);
  if (cx.langfuse && stored.groups.length > 0) await forwardStored(cx.langfuse, stored.groups, cx);
  await retryForwards(forwards, cx);
}

/**
 * One refresh for every (space, day) the batch's ended sessions touch: sessions ending by the
 * hundred cost one aggregate query per day, not one each. A failure retries the refresh messages
 * (spans are stored either way; their sessions are caught up by the scheduled refresh).
 */
async function refreshAnalytics(db: Database, sessionIds: string[], messages: Parsed<AnalyticsRefreshMessage>[], analytics: AnalyticsRefresher): Promise<void> {
  const ids = [...new Set(sessionIds)];
  if (ids.length === 0) return;
  try {
    await analytics.sessions(db, ids);
    for (const { msg } of messages) msg.ack();
  } catch (err) {
    log.error("telemetry: analytics refresh failed", { sessions: ids.length, ...errorFields(err) });
    for (const { msg } of messages) msg.retry({ delaySeconds: storeRetryDelayS(msg.attempts) });
  }
}

interface Stored {
  groups: SpanGroup[];
  endedSessionIds: string[];
}

async function storeSpans(db: Database, messages: Parsed<SpansMessage>[]): Promise<Stored> {
  const stored: Stored = { groups: [], endedSessionIds: [] };
  if (messages.length === 0) return stored;
  const ended = new Set<string>();
  const done = (ok: Parsed<SpansMessage>[], result: { endedSessionIds: string[] }) => {
    for (const { msg, body } of ok) {
      msg.ack();
      stored.groups.push(...body.groups);
    }
    for (const id of result.endedSessionIds) ended.add(id);
  };
  const startedMs = Date.now();
  try {
    const result = await insertSpans(db, messages.flatMap((m) => m.body.groups));
    log.info("telemetry: spans stored", { messages: messages.length, inserted: result.inserted, insertMs: Date.now() - startedMs });
    done(messages, result);
  } catch (err) {
    log.error("telemetry: batch insert failed; storing message by message", { messages: messages.length, ...errorFields(err) });
    for (const m of messages) {
      try {
        done([m], await insertSpans(db, m.body.groups));
      } catch (inner) {
        log.error("telemetry: message not stored; retrying it", { messageId: m.msg.id, attempts: m.msg.attempts, ...errorFields(inner) });
        m.msg.retry({ delaySeconds: storeRetryDelayS(m.msg.attempts) });
      }
    }
  }
  stored.endedSessionIds = [...ended];
  return stored;
}

async function forwardStored(settings: LangfuseSettings, groups: SpanGroup[], cx: ConsumeContext): Promise<void> {
  const result = await forwardToLangfuse(settings, groups, cx.fetch);
  if (!result.error) return;
  const failedSpans = result.failed.reduce((n, g) => n + g.spans.length, 0);
  if (!result.error.retryable) {
    log.warn("telemetry: Langfuse refused spans; dropped", { spans: failedSpans, status: result.error.status });
    return;
  }
  try {
    const messages = packGroups(result.failed).chunks.map(({ groups: g, bytes }) => ({ body: forwardMessage(g), bytes }));
    await sendMessages(telemetryQueue(cx.env), messages, forwardRetryDelayS);
    log.warn("telemetry: Langfuse unavailable; forward queued for retry", { spans: failedSpans, status: result.error.status });
  } catch (err) {
    log.warn("telemetry: Langfuse unavailable and retry not queued; spans not forwarded", { spans: failedSpans, ...errorFields(err) });
  }
}

const forwardMessage = (groups: SpanGroup[]): TelemetryMessageType => ({ protocolVersion: telemetryProtocolVersion, type: "langfuse.forward", groups });

async function retryForwards(forwards: Parsed<LangfuseForwardMessage>[], cx: ConsumeContext): Promise<void> {
  for (const { msg, body } of forwards) {
    if (!cx.langfuse) {
      log.info("telemetry: Langfuse no longer configured; queued forward dropped", { messageId: msg.id });
      msg.ack();
      continue;
    }
    const result = await forwardToLangfuse(cx.langfuse, body.groups, cx.fetch);
    if (result.error?.retryable) {
      log.warn("telemetry: Langfuse still unavailable; forward retried later", { messageId: msg.id, attempts: msg.attempts, status: result.error.status });
      msg.retry({ delaySeconds: forwardRetryDelayS * msg.attempts });
    } else {
      if (result.error) log.warn("telemetry: Langfuse refused spans; dropped", { messageId: msg.id, status: result.error.status });
      msg.ack();
    }
  }
}

/** Why a message was dead-lettered, as far as its body tells. */
function diagnose(body: unknown): string {
  const parsed = TelemetryMessage.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `not a telemetry message of protocol version ${telemetryProtocolVersion}: ${issue ? `${issue.path.join(".") || "(body)"}: ${issue.message}` : "unreadable"}`;
  }
  if (parsed.data.type === "analytics.refresh") return "the analytics refresh failed on every delivery (the scheduled refresh catches up)";
  return parsed.data.type === "spans" ? "the spans could not be stored on any delivery (see the consumer's logs)" : "forwarding to Langfuse failed on every delivery";
}

async function storeDeadLetters(db: Database, batch: MessageBatch<unknown>): Promise<void> {
  const letter = (msg: Message<unknown>): DeadLetterInput => ({ queue: telemetryQueueName, messageId: msg.id, body: msg.body, error: diagnose(msg.body), attempts: telemetryMaxRetries + 1 });
  try {
    await insertDeadLetters(db, batch.messages.map(letter));
    for (const msg of batch.messages) msg.ack();
    log.warn("telemetry: messages dead-lettered", { messages: batch.messages.length });
  } catch (err) {
    log.error("telemetry: dead letters not stored; storing one by one", { messages: batch.messages.length, ...errorFields(err) });
    for (const msg of batch.messages) {
      try {
        await insertDeadLetters(db, [letter(msg)]);
        msg.ack();
      } catch (inner) {
        log.error("telemetry: dead letter not stored; retrying it", { messageId: msg.id, ...errorFields(inner) });
        msg.retry({ delaySeconds: storeRetryDelayS(msg.attempts) });
      }
    }
  }
}
