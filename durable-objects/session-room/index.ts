// SessionRoom: one Durable Object per conversation session. It owns the lifecycle (state-machine.ts),
// numbers and stores the session's events, fans them out to hibernating WebSocket subscribers and
// fails the session from an alarm when the agent never joins, the runtime goes silent or the
// conversation runs too long. Everything that must outlive an eviction is in its SQLite; memory
// holds nothing but the sockets, which the runtime itself keeps across hibernation. A campaign's
// session tells its CampaignRunner when it has ended (retried from the alarm until heard).
import {
  SessionEvent,
  SessionEventCommand,
  SessionInitCommand,
  SessionStatus,
  SessionTransitionCommand,
  SubscriberRole,
  memberOnlySessionEventTypes,
  parseSessionClientMessage,
  sessionProtocolVersion,
  sessionRecentEventsLimit,
} from "@speaknode/contracts";
import type {
  PublishableSessionEvent,
  SessionPublishResult,
  SessionRoomErrorCode,
  SessionRoomFailure,
  SessionServerMessage,
  SessionState,
  SessionStateResult,
  SessionWelcome,
} from "@speaknode/contracts";
import type { z } from "zod";
import { isTerminal, transition as checkTransition } from "./state-machine.ts";
import { syncRetryMs, writeSessionRow, type RowTx, type RowWrite } from "./write-through.ts";
import { requestAnalyticsRefresh } from "./analytics-refresh.ts";
import { deadlines, roomSchema, type Meta } from "./storage.ts";
import { CampaignLink, campaignLinkSchema } from "./campaign-link.ts";
import { LiveObject, sendJson } from "../shared/live-object.ts";
import type { ObjectEnv } from "../shared/env.ts";

/** The room reads no bindings; the Worker's env is passed through untyped. */
export type SessionRoomEnv = ObjectEnv;

/** Subscribers who see the member-only events (latency figures, tool arguments and results):
 *  a viewer's token may sit in a visitor's browser. */
const memberOnlyAudience: readonly SubscriberRole[] = ["member", "runtime"];
const memberOnlyTypes = [...memberOnlySessionEventTypes];

/** An event before the room numbers and stamps it. */
type EventPayload<E = SessionEvent> = E extends SessionEvent ? Omit<E, "seq" | "at"> : never;

/** Per-connection state kept on the socket itself, so it survives hibernation. */
interface Attachment {
  role: SubscriberRole;
  connectedAt: number;
}

const finalCloseReason = "session ended";

export class SessionRoom extends LiveObject<SessionRoomEnv, Attachment> {
  readonly #campaign: CampaignLink;

  constructor(ctx: DurableObjectState, env: SessionRoomEnv) {
    super(ctx, env, roomSchema + campaignLinkSchema);
    this.#campaign = new CampaignLink(ctx, env);
  }

  /** Creates the session in Pending and arms the dispatch timeout; repeating it changes nothing. */
  async init(input: SessionInitCommand): Promise<SessionStateResult> {
    const cmd = SessionInitCommand.safeParse(input);
    if (!cmd.success) return invalidCommand(cmd.error);
    const existing = this.#meta();
    if (existing) {
      if (existing.sessionId !== cmd.data.sessionId) return failure("session_mismatch", `this room belongs to session ${existing.sessionId}`);
      return this.#stateResult(existing);
    }
    this.#insertPending(cmd.data, Date.now());
    await this.#scheduleAlarm();
    return this.#stateResult(this.#meta());
  }

  /** Moves the session along its lifecycle; refused moves come back as `invalid_transition`. */
  async transition(input: SessionTransitionCommand): Promise<SessionStateResult> {
    const cmd = SessionTransitionCommand.safeParse(input);
    if (!cmd.success) return invalidCommand(cmd.error);
    const meta = this.#meta();
    if (!meta) return notInitialized();
    const { to, reason } = cmd.data;
    const check = checkTransition(meta.status, to, reason);
    if (!check.ok) return failure("invalid_transition", check.error.message);
    // The Worker ending a session knows nothing of a recording; the runtime reports one by
    // publishing `session.completed` instead.
    const emitted = this.ctx.storage.transactionSync(() => this.#moveTo(meta, to, reason, Date.now(), { eventId: null, audioAvailable: false }));
    await this.#afterChange(emitted, { skipRowSync: cmd.data.rowWrittenByCaller === true });
    return this.#stateResult(this.#meta());
  }

  /**
   * init, then the move to Dispatching, in one call: the Worker's dispatch makes one trip to the
   * room, not two. The caller writes the row (already Dispatching) itself.
   */
  async dispatch(input: SessionInitCommand): Promise<SessionStateResult> {
    const cmd = SessionInitCommand.safeParse(input);
    if (!cmd.success) return invalidCommand(cmd.error);
    if (this.#meta()) {
      // A repeat (or a room someone initialised): the general path says what it is.
      const created = await this.init(input);
      if (!created.ok) return created;
      return this.transition({ to: "dispatching", rowWrittenByCaller: true });
    }
    // A new room, every dispatch but a retried one: its row, the Dispatching step and its event in
    // one transaction, and its one deadline armed once. Nothing is pending on a room this new (no
    // row write to retry, no runner owed a notice) and nobody is subscribed to it yet.
    const now = Date.now();
    const { pending, emitted } = this.ctx.storage.transactionSync(() => {
      const pending = this.#insertPending(cmd.data, now);
      return { pending, emitted: this.#moveTo(pending, "dispatching", undefined, now) };
    });
    const dispatching: Meta = { ...pending, status: "dispatching" };
    await this.armAlarm(Math.min(...deadlines(dispatching).map((d) => d.at)));
    return this.#stateResult(dispatching, emitted.at(-1)?.seq);
  }

  /** Adds an event once per `eventId`; a repeat returns the first seq and changes nothing. */
  async publish(input: SessionEventCommand): Promise<SessionPublishResult> {
    const cmd = SessionEventCommand.safeParse(input);
    if (!cmd.success) return invalidCommand(cmd.error);
    const meta = this.#meta();
    if (!meta) return notInitialized();
    const { eventId, event } = cmd.data;
    const [seen] = this.ctx.storage.sql.exec<{ seq: number }>("SELECT seq FROM events WHERE event_id = ?", eventId).toArray();
    if (seen) return { ok: true, seq: seen.seq, duplicate: true, status: meta.status };

    const now = Date.now();
    let emitted: SessionEvent[];
    if (event.type === "agent.ready" || event.type === "session.completed") {
      const to = event.type === "agent.ready" ? "active" : "completed";
      const check = checkTransition(meta.status, to);
      if (!check.ok) return failure("invalid_transition", check.error.message);
      emitted = this.ctx.storage.transactionSync(() =>
        event.type === "agent.ready"
          ? [this.#append(eventId, event, now), ...this.#moveTo(meta, "active", undefined, now)]
          : this.#moveTo(meta, "completed", undefined, now, { eventId, audioAvailable: event.audioAvailable, durationMs: event.durationMs }),
      );
    } else {
      if (meta.status !== "active") return failure("invalid_state", `${event.type} is accepted only while the session is active, not ${meta.status}`);
      emitted = [this.#append(eventId, event, now)];
    }
    await this.#afterChange(emitted);
    const first = emitted[0];
    if (!first) throw new Error("a publish stored no event");
    return { ok: true, seq: first.seq, duplicate: false, status: this.#meta()?.status ?? meta.status };
  }

  /** The runtime's proof of life while Active; pushes the "runtime lost" deadline out. */
  async heartbeat(): Promise<SessionStateResult> {
    const meta = this.#meta();
    if (!meta) return notInitialized();
    if (meta.status !== "active") return failure("invalid_state", `heartbeats are accepted only while the session is active, not ${meta.status}`);
    this.ctx.storage.sql.exec("UPDATE session SET last_heartbeat_at = ? WHERE id = 1", Date.now());
    await this.#scheduleAlarm();
    return this.#stateResult(this.#meta());
  }

  async state(): Promise<SessionStateResult> {
    return this.#stateResult(this.#meta());
  }

  override async alarm(): Promise<void> {
    const meta = this.#meta();
    if (!meta) return;
    if (await this.ctx.storage.get("rowSyncPending")) await this.#syncRow();
    if (isTerminal(meta.status)) await this.#notifyCampaign();
    const now = Date.now();
    // Alarms may run early (retries, tests), so the deadline is checked, not assumed.
    const due = deadlines(meta)
      .filter((d) => d.at <= now)
      .sort((a, b) => a.at - b.at)[0];
    if (!due) {
      await this.#scheduleAlarm();
      return;
    }
    const emitted = this.ctx.storage.transactionSync(() => this.#moveTo(meta, "failed", due.reason, now));
    await this.#afterChange(emitted);
  }

  /** The events socket; the Worker has authenticated the subscriber and names its role. */
  override async fetch(request: Request): Promise<Response> {
    const notUpgrade = this.refuseNonUpgrade(request);
    if (notUpgrade) return notUpgrade;
    const role = SubscriberRole.safeParse(request.headers.get("x-subscriber-role"));
    if (!role.success) return new Response("x-subscriber-role must be viewer, member or runtime", { status: 400 });
    const meta = this.#meta();
    if (!meta) return new Response("session not initialized", { status: 404 });

    const { socket, response } = this.acceptSubscriber({ role: role.data, connectedAt: Date.now() }, [role.data]);
    send(socket, this.#welcome(meta, role.data));
    // A late subscriber to an ended session still learns how it ended, then is let go.
    if (isTerminal(meta.status)) socket.close(1000, finalCloseReason);
    return response;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const parsed = parseSessionClientMessage(message);
    if (!parsed) {
      send(ws, { type: "error", code: "bad_message", message: 'expected a JSON text frame such as {"type":"ping"}' });
      return;
    }
    switch (parsed.type) {
      case "ping":
        send(ws, { type: "pong" });
        return;
    }
  }

  /** Stores a new session in Pending (and its campaign link); returns what it stored. */
  #insertPending(cmd: SessionInitCommand, now: number): Meta {
    const { sessionId, dispatchTimeoutMs, heartbeatTimeoutMs, maxDurationMs, campaign } = cmd;
    this.ctx.storage.sql.exec(
      `INSERT INTO session (id, session_id, status, dispatch_timeout_ms, heartbeat_timeout_ms, max_duration_ms, created_at)
       VALUES (1, ?, 'pending', ?, ?, ?, ?)`,
      sessionId,
      dispatchTimeoutMs,
      heartbeatTimeoutMs,
      maxDurationMs,
      now,
    );
    if (campaign) this.#campaign.store(campaign);
    return { sessionId, status: "pending", failureReason: null, dispatchTimeoutMs, heartbeatTimeoutMs, maxDurationMs, createdAt: now, startedAt: null, endedAt: null, lastHeartbeatAt: null };
  }

  #meta(): Meta | null {
    const [row] = this.ctx.storage.sql
      .exec<Omit<Meta, "status"> & { status: string }>(
        `SELECT session_id AS sessionId, status, failure_reason AS failureReason, dispatch_timeout_ms AS dispatchTimeoutMs,
           heartbeat_timeout_ms AS heartbeatTimeoutMs, max_duration_ms AS maxDurationMs, created_at AS createdAt,
           started_at AS startedAt, ended_at AS endedAt, last_heartbeat_at AS lastHeartbeatAt
         FROM session WHERE id = 1`,
      )
      .toArray();
    return row ? { ...row, status: SessionStatus.parse(row.status) } : null;
  }

  #lastSeq(): number {
    return this.ctx.storage.sql.exec<{ seq: number }>("SELECT COALESCE(MAX(seq), 0) AS seq FROM events").one().seq;
  }

  /** `seq`: the room's latest, when the caller knows it already. */
  #stateResult(meta: Meta | null, seq?: number): SessionStateResult {
    if (!meta) return notInitialized();
    const state: SessionState = {
      sessionId: meta.sessionId,
      status: meta.status,
      failureReason: meta.failureReason,
      seq: seq ?? this.#lastSeq(),
      createdAt: iso(meta.createdAt),
      startedAt: isoOrNull(meta.startedAt),
      endedAt: isoOrNull(meta.endedAt),
      lastHeartbeatAt: isoOrNull(meta.lastHeartbeatAt),
      dispatchTimeoutMs: meta.dispatchTimeoutMs,
      heartbeatTimeoutMs: meta.heartbeatTimeoutMs,
      maxDurationMs: meta.maxDurationMs,
    };
    return { ok: true, ...state };
  }

  /** `seq` stays the room's latest, so a viewer's `recent` may end before it (hidden events). */
  #welcome(meta: Meta, role: SubscriberRole): SessionWelcome {
    const hidden = memberOnlyAudience.includes(role) ? [] : memberOnlyTypes;
    const rows = this.ctx.storage.sql
      .exec<{ json: string }>(
        `SELECT json FROM events WHERE json_extract(json, '$.type') NOT IN (${hidden.map(() => "?").join(", ")}) ORDER BY seq DESC LIMIT ?`,
        ...hidden,
        sessionRecentEventsLimit,
      )
      .toArray()
      .reverse();
    return {
      type: "welcome",
      protocolVersion: sessionProtocolVersion,
      sessionId: meta.sessionId,
      status: meta.status,
      failureReason: meta.failureReason,
      seq: this.#lastSeq(),
      recent: rows.map((r) => SessionEvent.parse(JSON.parse(r.json))),
    };
  }

  /** Numbers, stamps and stores one event; validated so the room never emits an off-protocol frame. */
  #append(eventId: string | null, payload: EventPayload | PublishableSessionEvent, now: number): SessionEvent {
    const event = SessionEvent.parse({ ...payload, seq: this.#lastSeq() + 1, at: iso(now) });
    this.ctx.storage.sql.exec("INSERT INTO events (seq, event_id, json) VALUES (?, ?, ?)", event.seq, eventId, JSON.stringify(event));
    return event;
  }

  /**
   * Writes a status change and the event announcing it (call inside a transaction). Terminal
   * states are announced by their own final event; `completion` says what `session.completed`
   * carries and which publish (if any) it answers.
   */
  #moveTo(
    meta: Meta,
    to: SessionStatus,
    reason: string | undefined,
    now: number,
    completion: { eventId: string | null; audioAvailable: boolean; durationMs?: number | undefined } = { eventId: null, audioAvailable: false },
  ): SessionEvent[] {
    const startedAt = to === "active" ? now : meta.startedAt;
    this.ctx.storage.sql.exec(
      `UPDATE session SET status = ?, failure_reason = ?, started_at = ?, ended_at = ?,
         last_heartbeat_at = CASE WHEN ? = 'active' THEN ? ELSE last_heartbeat_at END
       WHERE id = 1`,
      to,
      to === "failed" ? (reason ?? null) : null,
      startedAt,
      isTerminal(to) ? now : null,
      to,
      now,
    );
    if (to === "completed") {
      const durationMs = completion.durationMs ?? (startedAt === null ? 0 : now - startedAt);
      return [this.#append(completion.eventId, { type: "session.completed", audioAvailable: completion.audioAvailable, durationMs }, now)];
    }
    if (to === "failed") return [this.#append(null, { type: "session.failed", reason: reason ?? "failed" }, now)];
    return [this.#append(null, reason ? { type: "session.status", status: to, reason } : { type: "session.status", status: to }, now)];
  }

  /** Fans new events out, lets subscribers go once the session has ended, and re-arms the alarm. */
  async #afterChange(emitted: SessionEvent[], opts: { skipRowSync?: boolean } = {}): Promise<void> {
    for (const event of emitted) {
      if (!memberOnlySessionEventTypes.has(event.type)) this.broadcast(event satisfies SessionServerMessage);
      // One call per tag: a socket carries exactly one role tag, so nobody hears it twice.
      else for (const role of memberOnlyAudience) this.broadcast(event satisfies SessionServerMessage, role);
    }
    if (!opts.skipRowSync && emitted.some((e) => e.type === "session.status" || e.type === "session.completed" || e.type === "session.failed")) await this.#syncRow();
    const last = emitted.at(-1);
    if (last?.type === "session.completed" || last?.type === "session.failed") {
      this.closeAll(1000, finalCloseReason);
      // The runner reads how the call ended from the row, so it hears of it once the row says so.
      this.#campaign.markEnded();
      await this.#notifyCampaign();
    }
    await this.#scheduleAlarm();
  }

  /** Tells the campaign's runner the session ended, once its row is written; retried from the alarm. */
  async #notifyCampaign(): Promise<void> {
    if (await this.ctx.storage.get("rowSyncPending")) return;
    const meta = this.#meta();
    if (meta) await this.#campaign.notify(meta.sessionId);
  }

  /**
   * Hooks of the hosting Worker (workers/src/billing/session-room.ts writes the session's webhook
   * events and records its usage): `recordRowWrite` runs in the transaction that writes the row
   * Active or terminal (a failure fails the write, retried from the alarm); `afterRowRecorded` gets
   * its non-null result after the commit, in waitUntil, and must not throw. The room itself knows
   * nothing of billing or webhooks.
   */
  protected async recordRowWrite(_tx: RowTx, _write: RowWrite): Promise<object | null> {
    return null;
  }

  protected async afterRowRecorded(_recorded: object): Promise<void> {}

  /** Whether the runtime's `session.completed` said a recording will be (or was) uploaded. */
  #audioAvailable(status: SessionStatus): boolean {
    if (status !== "completed") return false;
    const [row] = this.ctx.storage.sql
      .exec<{ audio: number | null }>("SELECT json_extract(json, '$.audioAvailable') AS audio FROM events WHERE json_extract(json, '$.type') = 'session.completed' ORDER BY seq DESC LIMIT 1")
      .toArray();
    return row?.audio === 1;
  }

  /** Writes the status to the session's Postgres row; on failure, marks it for the alarm to retry. */
  async #syncRow(): Promise<void> {
    const meta = this.#meta();
    if (!meta) return;
    try {
      const { sessionId, status, failureReason, startedAt, endedAt } = meta;
      const write: RowWrite = { sessionId, status, failureReason, startedAt, endedAt, audioAvailable: this.#audioAvailable(status) };
      const recorded = await writeSessionRow(this.env, write, (tx, w) => this.recordRowWrite(tx, w));
      await this.ctx.storage.delete("rowSyncPending");
      // The row now says how the session ended: refresh its day's analytics without holding up
      // the caller (requestAnalyticsRefresh logs and swallows its own failures).
      if (isTerminal(meta.status)) this.ctx.waitUntil(requestAnalyticsRefresh(this.env, [meta.sessionId]));
      // What follows the hook's record (billing alerts, the Lago event, announcing the events) runs after the commit.
      if (recorded !== null) this.ctx.waitUntil(this.afterRowRecorded(recorded));
    } catch (err) {
      console.warn(JSON.stringify({ level: "warn", message: "session row write-through failed", sessionId: meta.sessionId, errorName: err instanceof Error ? err.name : typeof err }));
      await this.ctx.storage.put("rowSyncPending", true);
    }
  }

  /** One alarm at the nearest deadline of the current status (or a pending row write or runner
   *  notice to retry), none once the session has ended and everything is written and told. */
  async #scheduleAlarm(): Promise<void> {
    const meta = this.#meta();
    const retry = (await this.ctx.storage.get("rowSyncPending")) || this.#campaign.notifyPending() ? Date.now() + syncRetryMs : Infinity;
    await this.armAlarm(Math.min(retry, meta ? Math.min(...deadlines(meta).map((d) => d.at)) : Infinity));
  }
}

function send(ws: WebSocket, message: SessionServerMessage): void {
  sendJson(ws, message);
}

function failure(code: SessionRoomErrorCode, message: string): SessionRoomFailure {
  return { ok: false, code, message };
}

function notInitialized(): SessionRoomFailure {
  return failure("not_initialized", "the session room has not been initialised");
}

function invalidCommand(error: z.ZodError): SessionRoomFailure {
  return failure("invalid_command", error.issues.map((i) => `${i.path.join(".") || "command"}: ${i.message}`).join("; "));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : iso(ms);
}
