// The telephony queue's consumers: `speaknode-telephony` (Twilio status and AMD callbacks and
// VoxImplant scenario events (voximplant/events.ts), by their webhook log row) and its dead-letter queue, which marks the row failed.
//
// Idempotent: a redelivered message finds its log row no longer `accepted` and is acked; a callback
// Twilio sent twice is two log rows of one event, and the second meets the first's row in
// session_call_statuses (primary key session + event) and changes nothing. Lifecycle moves are
// idempotent themselves (a failed session cannot fail again), so a delivery that stopped half-way
// is completed by the next one.
//
// An outbound call's session learns its CallSid only when Calls.json answers, which can be after
// the first status callback: a callback whose call has no session yet binds the session its signed
// URL names (outbound callbacks carry `?sessionId=`), else is retried later, and after the last
// retry dead-lettered. A call refused on answer (not in service, busy) never has a
// session: its callbacks are ignored at once.
import { and, eq, isNull, notInArray, or } from "drizzle-orm";
import { AgentConfig, idSchema } from "@speaknode/contracts";
import { agents, agentVersions, createDatabase, inboundWebhookLog, sessionCallStatuses, sessions, telephonyConnections, type Database, type DatabaseHandle } from "@speaknode/db";
import { readConfig, type Config } from "../config.ts";
import { errorFields, log } from "../lib/log.ts";
import { toAgent } from "../agents/store.ts";
import { sessionRoomIn } from "../sessions/room.ts";
import { forwardAnsweredBy, isAnsweredBy, isMachine, recordAmdVerdict } from "./amd.ts";
import { hangupCause, isTerminalCallStatus, isTwilioCallStatus, twilioCallStatuses } from "./call-status.ts";
import { applyCallStatusToRoom } from "./call-status-room.ts";
import { twilioClient, twilioCredentials } from "./connections.ts";
import { TelephonyMessage, telephonyDeadLetterQueueName, telephonyMaxRetries } from "./protocol.ts";
import { loadWebhookLog, markWebhookLog, type WebhookLogRow } from "./webhook-log.ts";
import { applyVoximplantEvent } from "./voximplant/events.ts";
import type { WorkerEnv } from "../env.ts";

export interface TelephonyConsumerDeps {
  /** Outbound HTTP (the runtime's control endpoint, Twilio); tests pass their own. */
  fetch: typeof fetch;
  database: (config: Config) => DatabaseHandle;
}

const openDatabase = (config: Config) => createDatabase({ url: config.databaseUrl, localProxy: config.dbLocalProxy, max: 2 });
const retryDelayS = (attempts: number) => Math.min(30, 2 ** attempts);

interface ConsumeContext {
  db: Database;
  env: WorkerEnv;
  config: Config;
  fetch: typeof fetch;
}

type Outcome = { retry: true; reason: string } | { retry: false; outcome: "processed" | "ignored"; detail: string; sessionId?: string };

export async function handleTelephonyBatch(batch: MessageBatch<unknown>, env: WorkerEnv, ctx: ExecutionContext, deps: Partial<TelephonyConsumerDeps> = {}): Promise<void> {
  const config = readConfig(env);
  const handle = (deps.database ?? openDatabase)(config);
  try {
    const cx: ConsumeContext = { db: handle.db, env, config, fetch: deps.fetch ?? fetch };
    // One by one, in order: a call's callbacks usually arrive together and in sequence.
    for (const msg of batch.messages) {
      if (batch.queue === telephonyDeadLetterQueueName) await deadLetter(cx, msg);
      else await consume(cx, msg);
    }
  } finally {
    ctx.waitUntil(handle.close().catch(() => undefined));
  }
}

async function consume(cx: ConsumeContext, msg: Message<unknown>): Promise<void> {
  const parsed = TelephonyMessage.safeParse(msg.body);
  if (!parsed.success) {
    log.warn("telephony: unreadable queue message; retrying it alone", { messageId: msg.id, attempts: msg.attempts });
    msg.retry();
    return;
  }
  try {
    const row = await loadWebhookLog(cx.db, parsed.data.logId);
    // A voice webhook was answered (and its row marked) at the edge; recording its status is idempotent.
    const voice = parsed.data.kind === "twilio.voice";
    if (!row || (voice ? !row.signatureValid || !row.sessionId : row.outcome !== "accepted")) {
      // Gone with its space, already processed by an earlier delivery, or a call answered without a session.
      msg.ack();
      return;
    }
    const kind = parsed.data.kind;
    const result = kind === "twilio.amd" ? await applyAmd(cx, row) : kind === "voximplant.event" ? await applyVoximplantEvent(cx, row) : await applyStatus(cx, row);
    if (result.retry) {
      log.info("telephony: callback retried later", { logId: row.id, attempts: msg.attempts, reason: result.reason });
      msg.retry({ delaySeconds: retryDelayS(msg.attempts) });
      return;
    }
    // The voice row keeps what the edge answered.
    // Its routing: the queue it came through, then the session it moved (or that none was found).
    const routing = `${row.routing ?? "queue"} → ${result.sessionId ? `session ${result.sessionId}` : "no session"}`;
    if (!voice) await markWebhookLog(cx.db, row.id, { outcome: result.outcome, detail: result.detail, processed: true, routing, ...(result.sessionId ? { sessionId: result.sessionId } : {}) });
    msg.ack();
  } catch (err) {
    log.error("telephony: callback failed; retrying it", { messageId: msg.id, logId: parsed.data.logId, attempts: msg.attempts, ...errorFields(err) });
    msg.retry({ delaySeconds: retryDelayS(msg.attempts) });
  }
}

async function deadLetter(cx: ConsumeContext, msg: Message<unknown>): Promise<void> {
  const parsed = TelephonyMessage.safeParse(msg.body);
  if (parsed.success) {
    await markWebhookLog(cx.db, parsed.data.logId, { outcome: "failed", detail: `not processed after ${telephonyMaxRetries + 1} deliveries: no session for the call, or processing kept failing` });
    log.warn("telephony: callback dead-lettered", { logId: parsed.data.logId, kind: parsed.data.kind });
  } else {
    log.warn("telephony: unreadable message dead-lettered; dropped", { messageId: msg.id });
  }
  msg.ack();
}

type SessionFacts = Pick<typeof sessions.$inferSelect, "id" | "spaceId" | "agentId" | "agentVersion" | "status">;

type Found = { session: SessionFacts } | { outcome: Outcome };

/** The callback's session by its call, or what to do without one. */
async function sessionOf(cx: ConsumeContext, row: WebhookLogRow): Promise<Found> {
  const callSid = row.params["CallSid"];
  if (!callSid) return { outcome: { retry: false, outcome: "ignored", detail: "no CallSid" } };
  const [session] = await cx.db
    .select({ id: sessions.id, spaceId: sessions.spaceId, agentId: sessions.agentId, agentVersion: sessions.agentVersion, status: sessions.status })
    .from(sessions)
    .where(eq(sessions.providerCallId, callSid));
  if (session) {
    if (session.spaceId !== row.spaceId) return { outcome: { retry: false, outcome: "ignored", detail: "the call's session belongs to another space" } };
    return { session };
  }
  const named = await bindNamedSession(cx, row, callSid);
  if (named) return { session: named };
  // An inbound call answered without a session (refused, busy) will never have one.
  const [voice] = await cx.db
    .select({ id: inboundWebhookLog.id })
    .from(inboundWebhookLog)
    .where(and(eq(inboundWebhookLog.dedupeKey, `${callSid}:voice`), eq(inboundWebhookLog.signatureValid, true), eq(inboundWebhookLog.connectionId, row.connectionId ?? "")))
    .limit(1);
  if (voice) return { outcome: { retry: false, outcome: "ignored", detail: "the call was answered without a session" } };
  return { outcome: { retry: true, reason: "no session for the call yet" } };
}

/**
 * An outbound call's callback names its session in the (signed) URL: when the session never
 * learnt its CallSid (Calls.json answered, but the answer was lost with the process that asked),
 * the callback binds it, so busy and no-answer still reach the session.
 */
async function bindNamedSession(cx: ConsumeContext, row: WebhookLogRow, callSid: string): Promise<SessionFacts | null> {
  let named: string | null = null;
  try {
    named = new URL(row.url).searchParams.get("sessionId");
  } catch {
    return null;
  }
  if (!named || !idSchema("session").safeParse(named).success || !row.spaceId) return null;
  const [bound] = await cx.db
    .update(sessions)
    .set({ providerCallId: callSid })
    .where(and(eq(sessions.id, named), eq(sessions.spaceId, row.spaceId), eq(sessions.direction, "outbound"), isNull(sessions.providerCallId)))
    .returning({ id: sessions.id, spaceId: sessions.spaceId, agentId: sessions.agentId, agentVersion: sessions.agentVersion, status: sessions.status });
  if (bound) log.info("telephony: an outbound call's session learnt its CallSid from a callback", { sessionId: bound.id, logId: row.id });
  return bound ?? null;
}

/** Twilio's Timestamp (RFC 2822), when it is one and plausible. */
export function callbackTime(raw: string | undefined, now = new Date()): Date {
  const ms = raw ? Date.parse(raw) : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms - now.getTime()) > 7 * 86_400_000) return now;
  return new Date(ms);
}

function statusDetail(p: Record<string, string>): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  const duration = p["CallDuration"];
  if (duration && /^\d{1,9}$/.test(duration)) out["callDurationS"] = Number(duration);
  for (const [name, key] of [["SipResponseCode", "sipResponseCode"], ["ErrorCode", "errorCode"], ["AnsweredBy", "answeredBy"]] as const) {
    const value = p[name];
    if (value) out[key] = value.slice(0, 100);
  }
  return out;
}

const terminalStatuses = twilioCallStatuses.filter(isTerminalCallStatus);

async function applyStatus(cx: ConsumeContext, row: WebhookLogRow): Promise<Outcome> {
  const p = row.params;
  const status = p["CallStatus"] ?? "";
  if (!isTwilioCallStatus(status)) return { retry: false, outcome: "ignored", detail: "not a call status Twilio sends" };
  const found = await sessionOf(cx, row);
  if ("outcome" in found) return found.outcome;
  const { session } = found;
  const eventKey = `${status}:${(p["SequenceNumber"] ?? "").slice(0, 20)}`;
  const inserted = await cx.db
    .insert(sessionCallStatuses)
    .values({ sessionId: session.id, eventKey, status, at: callbackTime(p["Timestamp"]), detail: statusDetail(p) })
    .onConflictDoNothing()
    .returning({ eventKey: sessionCallStatuses.eventKey });
  if (inserted.length > 0) {
    const cause = hangupCause(status, { SipResponseCode: p["SipResponseCode"], ErrorCode: p["ErrorCode"] });
    // A late non-final status (they can arrive out of order) never replaces the final one.
    await cx.db
      .update(sessions)
      .set({ providerStatus: status, ...(cause ? { hangupCause: cause } : {}) })
      .where(and(eq(sessions.id, session.id), or(isNull(sessions.providerStatus), notInArray(sessions.providerStatus, terminalStatuses))));
  }
  // The rest is idempotent, so it runs on a replay too and finishes what a failed delivery began.
  return applyCallStatusToRoom(cx.env, session.id, status, { eventId: `twilio-status:${eventKey}`, firstSeen: inserted.length > 0, what: "callback" });
}

/** The agent's voicemail policy for the configuration the session runs. */
async function voicemailAction(db: Database, session: SessionFacts): Promise<"hang_up" | "leave_message"> {
  if (!session.agentId) return "hang_up";
  let config: unknown;
  if (session.agentVersion !== null) {
    const [version] = await db.select({ snapshot: agentVersions.snapshot }).from(agentVersions).where(and(eq(agentVersions.agentId, session.agentId), eq(agentVersions.version, session.agentVersion)));
    config = (version?.snapshot as { agent?: unknown } | undefined)?.agent;
  } else {
    const [row] = await db.select().from(agents).where(eq(agents.id, session.agentId));
    config = row ? toAgent(row) : undefined;
  }
  const parsed = AgentConfig.safeParse(config);
  return parsed.success ? parsed.data.telephony.voicemail.action : "hang_up";
}

async function endCall(cx: ConsumeContext, row: WebhookLogRow, callSid: string): Promise<void> {
  if (!row.connectionId) throw new Error("the callback's connection is gone");
  const [connection] = await cx.db.select().from(telephonyConnections).where(eq(telephonyConnections.id, row.connectionId));
  if (!connection) throw new Error("the callback's connection is gone");
  await twilioClient(cx.config, await twilioCredentials(cx.config.secretsKey, connection), cx.fetch).updateCall(callSid, { Status: "completed" });
}

async function applyAmd(cx: ConsumeContext, row: WebhookLogRow): Promise<Outcome> {
  const answeredBy = row.params["AnsweredBy"] ?? "";
  if (!isAnsweredBy(answeredBy)) return { retry: false, outcome: "ignored", detail: "not an AnsweredBy value Twilio sends" };
  const found = await sessionOf(cx, row);
  if ("outcome" in found) return found.outcome;
  const { session } = found;
  const eventKey = `amd:${answeredBy}`;
  // Checked before acting: a replayed verdict must not reach the call twice.
  const [seen] = await cx.db
    .select({ eventKey: sessionCallStatuses.eventKey })
    .from(sessionCallStatuses)
    .where(and(eq(sessionCallStatuses.sessionId, session.id), eq(sessionCallStatuses.eventKey, eventKey)));
  if (seen) return { retry: false, outcome: "ignored", detail: `duplicate callback (${eventKey})`, sessionId: session.id };

  const forwarded = await forwardAnsweredBy(cx.config, session.id, answeredBy, cx.fetch);
  let detail: string;
  if (forwarded.outcome === "taken") detail = `${eventKey}: runtime took the verdict`;
  else if (forwarded.outcome === "refused") detail = `${eventKey}: runtime refused the verdict (${forwarded.status})`;
  else if (isMachine(answeredBy) && (await voicemailAction(cx.db, session)) === "hang_up") {
    await endCall(cx, row, row.params["CallSid"] ?? "");
    detail = `${eventKey}: ${forwarded.detail}; call ended (voicemail policy hang_up)`;
  } else detail = `${eventKey}: ${forwarded.detail}`;
  if (forwarded.outcome === "refused") log.warn("telephony: runtime refused an answering-machine verdict", { sessionId: session.id, status: forwarded.status });

  await recordAmdVerdict(cx.db, cx.env, { sessionId: session.id, answeredBy, at: callbackTime(row.params["Timestamp"]), detail: statusDetail(row.params) });
  const published = await sessionRoomIn(cx.env, session.id).publish({ eventId: `twilio-amd:${answeredBy}`, event: { type: "phone.status", status: eventKey } });
  if (!published.ok && published.code !== "invalid_state") log.warn("telephony: answering-machine status not published", { sessionId: session.id, code: published.code });
  return { retry: false, outcome: "processed", detail, sessionId: session.id };
}
