// Answering-machine verdicts (Twilio's asynchronous AMD): handed to the voice runtime that holds
// the call, which applies the agent's voicemail policy (hang up, or wait for the beep and leave a
// message). When no runtime holds the call (404, or none answers) the Worker applies the one
// policy it can apply alone: a machine on a "hang up" agent ends the call. The verdict is stored
// on the session, and a machine's with the call.voicemail webhook event in the same transaction.
import { signRuntimeServiceToken } from "@speaknode/tokens";
import { announceDomainEvents, sessionCallStatuses, type Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import { emitCallVoicemail } from "../webhooks/events/call.ts";
import type { WorkerEnv } from "../env.ts";

export const answeredByValues = ["human", "machine_start", "machine_end_beep", "machine_end_silence", "machine_end_other", "fax", "unknown"] as const;
export type AnsweredBy = (typeof answeredByValues)[number];

export function isAnsweredBy(value: string): value is AnsweredBy {
  return (answeredByValues as readonly string[]).includes(value);
}

export const isMachine = (answeredBy: AnsweredBy): boolean => answeredBy.startsWith("machine_") || answeredBy === "fax";

/** The runtime's HTTP origin: the Media Streams URL's host, over http(s). */
export function runtimeControlOrigin(mediaStreamUrl: string): string {
  const url = new URL(mediaStreamUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}

/** taken: the live call got it; no_live_call: 404 or no answer; refused: every other answer. */
export type ForwardResult = { outcome: "taken" } | { outcome: "no_live_call"; detail: string } | { outcome: "refused"; status: number };

const forwardTimeoutMs = 5000;

export async function forwardAnsweredBy(config: Config, sessionId: string, answeredBy: AnsweredBy, fetchImpl: typeof fetch): Promise<ForwardResult> {
  const token = await signRuntimeServiceToken(config.runtime.tokenSecret, { ttlS: 60, subject: "worker", sessionId });
  const url = `${runtimeControlOrigin(config.telephony.mediaStreamUrl)}/v1/twilio/sessions/${encodeURIComponent(sessionId)}/answered-by`;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ answeredBy }),
      signal: AbortSignal.timeout(forwardTimeoutMs),
    });
  } catch (err) {
    return { outcome: "no_live_call", detail: `runtime unreachable (${err instanceof Error ? err.name : "error"})` };
  }
  await res.body?.cancel();
  if (res.status === 204 || res.status === 200) return { outcome: "taken" };
  if (res.status === 404) return { outcome: "no_live_call", detail: "runtime holds no live call for the session" };
  return { outcome: "refused", status: res.status };
}

export interface AmdVerdict {
  sessionId: string;
  answeredBy: AnsweredBy;
  /** When the provider says it concluded (its Timestamp), else when the callback arrived. */
  at: Date;
  /** Small facts stored with the status row (answeredBy, error code…). */
  detail: Record<string, string | number | null>;
}

/**
 * Stores the verdict among the session's call statuses (`amd:<answeredBy>`; a repeat changes
 * nothing) and, for a machine, the call.voicemail event with it; announces the event after the commit.
 */
export async function recordAmdVerdict(db: Database, env: WorkerEnv, verdict: AmdVerdict): Promise<void> {
  const eventKey = `amd:${verdict.answeredBy}`;
  const eventId = await db.transaction(async (tx) => {
    const stored = await tx
      .insert(sessionCallStatuses)
      .values({ sessionId: verdict.sessionId, eventKey, status: eventKey, at: verdict.at, detail: verdict.detail })
      .onConflictDoNothing()
      .returning({ eventKey: sessionCallStatuses.eventKey });
    if (stored.length === 0 || !isMachine(verdict.answeredBy)) return null;
    return emitCallVoicemail(tx, verdict.sessionId, verdict.answeredBy, verdict.at);
  });
  await announceDomainEvents(env, [eventId]);
}
