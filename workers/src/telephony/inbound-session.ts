// The provider-independent half of answering an inbound call: the called number of a connection and
// its agent in one indexed lookup (with its live calls and its space's in the same statement), then
// either a new session or the refusal (not in service, busy, the agent cannot run). Twilio's voice
// webhook (inbound.ts) turns the verdict into TwiML; a SIP call dispatched straight into LiveKit
// (routes/runtime-sip-sessions.ts) into the runtime's accept or reject.
import type { Context } from "hono";
import { and, eq, sql } from "drizzle-orm";
import { toStorable } from "@speaknode/contracts";
import { agents, agentVersions, phoneNumbers, sessions, spaces, telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { log } from "../lib/log.ts";
import { createDispatchingSession, sessionDepsOf } from "../sessions/dispatch.ts";
import { callsAhead, numberLiveCallsSql, spaceLiveCallsSql } from "./call-limits.ts";

/** Which number was called: by its E.164 (a provider webhook) or by its id (a dispatch rule's metadata). */
export type CalledNumber = { connectionId: string; e164: string } | { connectionId: string; phoneNumberId: string };

/**
 * The called number of this connection and its agent, with in the same statement its live calls
 * and its space's, the space's limit, and whether this call already has a session
 * (sessions_provider_call_uq): one round trip on the common path.
 */
export async function resolveInboundNumber(c: Context<AppEnv>, called: CalledNumber, providerCallId: string) {
  const which = "e164" in called ? eq(phoneNumbers.e164, called.e164) : eq(phoneNumbers.id, called.phoneNumberId);
  const [row] = await c
    .get("db")
    .select({
      number: phoneNumbers,
      agent: agents,
      liveCalls: numberLiveCallsSql(phoneNumbers.id),
      spaceLiveCalls: spaceLiveCallsSql(phoneNumbers.spaceId),
      spaceMaxCalls: spaces.maxConcurrentCalls,
      provider: telephonyConnections.provider,
      answered: sql<boolean>`exists (select 1 from ${sessions} where ${sessions.providerCallId} = ${providerCallId})`,
      // The published version's snapshot, so the session is created without another round trip.
      snapshot: agentVersions.snapshot,
    })
    .from(phoneNumbers)
    .innerJoin(spaces, eq(spaces.id, phoneNumbers.spaceId))
    .innerJoin(telephonyConnections, and(eq(telephonyConnections.id, phoneNumbers.connectionId), eq(telephonyConnections.spaceId, phoneNumbers.spaceId)))
    .leftJoin(agents, and(eq(agents.id, phoneNumbers.agentId), eq(agents.spaceId, phoneNumbers.spaceId)))
    .leftJoin(agentVersions, and(eq(agentVersions.agentId, agents.id), eq(agentVersions.version, agents.publishedVersion)))
    .where(and(eq(phoneNumbers.connectionId, called.connectionId), which));
  return row;
}

/**
 * The session a call already has (a replayed webhook, a retried request). Only a session on one of
 * this connection's numbers counts: another account presenting someone else's call id must not get
 * their session.
 */
export async function existingInboundSession(c: Context<AppEnv>, connectionId: string, providerCallId: string) {
  const [existing] = await c
    .get("db")
    .select({ id: sessions.id, agentId: sessions.agentId, status: sessions.status, to: phoneNumbers.e164, phoneNumberId: phoneNumbers.id })
    .from(sessions)
    .innerJoin(phoneNumbers, and(eq(phoneNumbers.id, sessions.phoneNumberId), eq(phoneNumbers.connectionId, connectionId)))
    .where(eq(sessions.providerCallId, providerCallId));
  return existing;
}

export type ResolvedNumber = NonNullable<Awaited<ReturnType<typeof resolveInboundNumber>>>;

export type InboundVerdict =
  | { kind: "session"; sessionId: string; agentId: string }
  /** Said to the caller before hanging up: the number does not take calls, or the agent cannot run now. */
  | { kind: "refused"; say: "not_in_service" | "unavailable"; detail: string }
  /** The number or its space is at its limit of concurrent calls, or the space's plan refused the
   *  session (minutes spent, concurrent sessions full); a session failed for it, when one was made. */
  | { kind: "busy"; detail: string; sessionId: string | null }
  /** Another delivery of this call created its session at the same moment (sessions_provider_call_uq). */
  | { kind: "duplicate" };

export interface InboundCall {
  /** The caller's number as the provider gave it (personal data). */
  from: string;
  to: string;
  providerCallId: string;
}

/** The session for a call to a resolved number, or why there is none. */
export async function admitInboundCall(c: Context<AppEnv>, resolved: ResolvedNumber, inbound: InboundCall, parsedFrom: string | null): Promise<InboundVerdict> {
  const { number, agent } = resolved;
  if (!number.inboundEnabled) return { kind: "refused", say: "not_in_service", detail: "inbound calls disabled on this number" };
  if (!agent) return { kind: "refused", say: "not_in_service", detail: "number not bound to an agent" };
  if (agent.publishedVersion === null) return { kind: "refused", say: "not_in_service", detail: "agent not published" };
  if (resolved.liveCalls >= number.maxConcurrentCalls) return { kind: "busy", detail: `busy: ${number.maxConcurrentCalls} concurrent calls`, sessionId: null };
  if (resolved.spaceLiveCalls >= resolved.spaceMaxCalls) return { kind: "busy", detail: `busy: the space's ${resolved.spaceMaxCalls} concurrent calls`, sessionId: null };

  try {
    const created = await createDispatchingSession(sessionDepsOf(c), {
      agent,
      ...(resolved.snapshot ? { publishedSnapshot: resolved.snapshot } : {}),
      publishedOnly: true,
      variables: {},
      variablesSource: "json",
      language: undefined,
      channel: "phone",
      caller: inbound.from ? toStorable(inbound.from.slice(0, 200)) : null,
      phone: { direction: "inbound", from: parsedFrom, to: inbound.to, phoneNumberId: number.id, providerCallId: inbound.providerCallId, provider: resolved.provider },
    });
    // Calls arriving at the same moment may all have found the last free slot: the sessions
    // created first keep theirs, a later one past a limit fails its own and the call gets busy.
    const ahead = await callsAhead(c.get("db"), number, created.sessionId);
    if (ahead) {
      const failed = await created.room.transition({ to: "failed", reason: ahead.reason });
      if (!failed.ok) log.warn("telephony: the session of a call refused busy could not be failed", { requestId: c.get("requestId"), sessionId: created.sessionId, code: failed.code });
      return { kind: "busy", detail: `busy: ${ahead.reason}`, sessionId: created.sessionId };
    }
    log.info("telephony: inbound call answered", { requestId: c.get("requestId"), provider: resolved.provider, sessionId: created.sessionId, agentId: agent.id, phoneNumberId: number.id, pii: { from: inbound.from, to: inbound.to } });
    return { kind: "session", sessionId: created.sessionId, agentId: agent.id };
  } catch (err) {
    // Two deliveries of one call at once: the second insert hits the unique provider call id.
    if (databaseErrorFields(err)?.constraint === "sessions_provider_call_uq") return { kind: "duplicate" };
    // The space's plan refused the session (its minutes spent, its concurrent sessions full): no
    // row was written, and the caller hears busy, as for the space's own call limit.
    if (err instanceof ApiError && (err.code === "minutes_exhausted" || err.code === "concurrency_limit")) {
      log.info("telephony: inbound call refused by the space's plan", { requestId: c.get("requestId"), agentId: agent.id, phoneNumberId: number.id, code: err.code });
      return { kind: "busy", detail: `busy: ${err.code}: ${err.message}`, sessionId: null };
    }
    // The agent cannot run as configured (a required variable a phone call cannot carry…).
    if (err instanceof ApiError && err.status < 500) {
      log.warn("telephony: inbound call refused: the agent cannot run", { requestId: c.get("requestId"), agentId: agent.id, code: err.code });
      return { kind: "refused", say: "unavailable", detail: `agent cannot run: ${err.message}` };
    }
    throw err;
  }
}
