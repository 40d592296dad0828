// What the scenario is told when it asks about a call (/calls). Inbound: the called number and its
// agent through the provider-neutral half of inbound calls (inbound-session.ts), then connect (with
// the bridge URL and its single-use token) or reject with a SIP code. Outbound: the session named by
// StartScenarios' custom data, checked with its token, then dial. Idempotent on the scenario
// session (call_session_history_id, the call's provider id): a retried request gets the same
// session, with a fresh bridge token while the session still waits for its media.
import type { Context } from "hono";
import { and, eq, isNull } from "drizzle-orm";
import { phoneNumbers, sessions } from "@speaknode/db";
import { parsePhoneNumber } from "@speaknode/phone";
import type { AppEnv } from "../../context.ts";
import { admitInboundCall, existingInboundSession, resolveInboundNumber } from "../inbound-session.ts";
import type { ConnectionRow } from "../connections.ts";
import { bridgeUrlFor, outboundTokenValid } from "./call-token.ts";
import { voximplantSettings } from "./credentials.ts";
import { usableControlUrl } from "./control.ts";
import type { CallRequest } from "./edge.ts";

export type CallAnswer =
  | { action: "connect"; sessionId: string; bridgeUrl: string; encoding: "pcm8" | "ulaw" }
  | { action: "dial"; to: string; from: string; bridgeUrl: string; encoding: "pcm8" | "ulaw"; ringS: number; maxS: number }
  | { action: "reject"; sipCode: 404 | 480 | 486 | 503; reason: string };

export interface AnsweredCall {
  answer: CallAnswer;
  sessionId: string | null;
  /** For the webhook log (no personal data). */
  detail: string;
}

const reject = (sipCode: 404 | 480 | 486 | 503, reason: string, sessionId: string | null = null): AnsweredCall => ({ answer: { action: "reject", sipCode, reason }, sessionId, detail: `rejected ${sipCode}: ${reason}` });

/** VoxImplant gives numbers as digits without "+". */
function e164Of(raw: string): string | null {
  const digits = raw.trim().replace(/^\+/, "");
  if (!/^\d{6,15}$/.test(digits)) return null;
  const parsed = parsePhoneNumber(`+${digits}`);
  return parsed.ok ? parsed.e164 : null;
}

async function connect(c: Context<AppEnv>, connection: ConnectionRow, s: { sessionId: string; agentId: string }, callId: string, accessUrl: string, detail: string): Promise<AnsweredCall> {
  await c.get("db").update(sessions).set({ providerControlUrl: usableControlUrl(c.get("config"), accessUrl)?.href ?? null }).where(eq(sessions.id, s.sessionId));
  const bridgeUrl = await bridgeUrlFor(c.get("config"), { ...s, callId });
  return { answer: { action: "connect", sessionId: s.sessionId, bridgeUrl, encoding: voximplantSettings(connection).encoding }, sessionId: s.sessionId, detail };
}

async function replay(c: Context<AppEnv>, connection: ConnectionRow, providerCallId: string, callId: string, accessUrl: string): Promise<AnsweredCall | null> {
  const existing = await existingInboundSession(c, connection.id, providerCallId);
  if (!existing) return null;
  if (existing.status === "dispatching" && existing.agentId) return connect(c, connection, { sessionId: existing.id, agentId: existing.agentId }, callId, accessUrl, "replayed request: same session");
  return reject(480, `the call's session is already ${existing.status}`, existing.id);
}

async function answerInbound(c: Context<AppEnv>, connection: ConnectionRow, body: Extract<CallRequest, { callId: string }>): Promise<AnsweredCall> {
  const providerCallId = body.sessionHistoryId;
  const to = e164Of(body.to);
  const resolved = to ? await resolveInboundNumber(c, { connectionId: connection.id, e164: to }, providerCallId) : undefined;
  if (!resolved || resolved.answered) {
    const again = await replay(c, connection, providerCallId, body.callId, body.accessUrl);
    if (again) return again;
    if (resolved?.answered) return reject(404, "the call belongs to another connection");
  }
  if (!to) return reject(404, "the called number is not a phone number");
  if (!resolved) return reject(404, "number not imported on this connection");
  const from = e164Of(body.from);
  const verdict = await admitInboundCall(c, resolved, { from: from ?? body.from, to, providerCallId }, from);
  switch (verdict.kind) {
    case "session":
      return connect(c, connection, verdict, body.callId, body.accessUrl, "session created");
    case "refused":
      return reject(verdict.say === "not_in_service" ? 404 : 480, verdict.detail);
    case "busy":
      return reject(486, verdict.detail, verdict.sessionId);
    case "duplicate":
      return (await replay(c, connection, providerCallId, body.callId, body.accessUrl)) ?? reject(503, "the call's session could not be found");
  }
}

async function answerOutbound(c: Context<AppEnv>, connection: ConnectionRow, body: Extract<CallRequest, { kind: "outbound" }>): Promise<AnsweredCall> {
  const config = c.get("config");
  if (!(await outboundTokenValid(config.runtime.tokenSecret, connection.id, body))) return reject(404, "the call token does not match its session");
  const db = c.get("db");
  const [session] = await db
    .select({ id: sessions.id, agentId: sessions.agentId, status: sessions.status, direction: sessions.direction, to: sessions.toNumber, from: sessions.fromNumber, providerCallId: sessions.providerCallId })
    .from(sessions)
    .innerJoin(phoneNumbers, and(eq(phoneNumbers.id, sessions.phoneNumberId), eq(phoneNumbers.connectionId, connection.id)))
    .where(eq(sessions.id, body.sessionId));
  if (!session || session.direction !== "outbound" || !session.agentId || !session.to || !session.from) return reject(404, "no outbound session of this connection");
  if (session.status !== "dispatching" && session.status !== "pending") return reject(480, `the session is already ${session.status}`, session.id);
  if (session.providerCallId !== null && session.providerCallId !== body.sessionHistoryId) return reject(480, "the session belongs to another VoxImplant session", session.id);
  // The StartScenarios answer may not have been stored yet (or was lost): the request binds it.
  await db
    .update(sessions)
    .set({ providerControlUrl: usableControlUrl(config, body.accessUrl)?.href ?? null })
    .where(eq(sessions.id, session.id));
  await db.update(sessions).set({ providerCallId: body.sessionHistoryId }).where(and(eq(sessions.id, session.id), isNull(sessions.providerCallId)));
  const bridgeUrl = await bridgeUrlFor(config, { sessionId: session.id, agentId: session.agentId });
  return { answer: { action: "dial", to: session.to, from: session.from, bridgeUrl, encoding: voximplantSettings(connection).encoding, ringS: body.ringS, maxS: body.maxS }, sessionId: session.id, detail: "outbound call dialled" };
}

export function answerVoximplantCall(c: Context<AppEnv>, connection: ConnectionRow, body: CallRequest): Promise<AnsweredCall> {
  return body.kind === "outbound" ? answerOutbound(c, connection, body) : answerInbound(c, connection, body);
}
