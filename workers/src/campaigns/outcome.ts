// How a campaign attempt's call ended, read from what phone sessions already record: the session's
// status and failure reason (call-status.ts writes "busy", "no answer", "call failed", "canceled",
// "call ended before the agent joined"), the provider's last status and hang-up cause, Twilio's
// answering-machine verdict (session_call_statuses rows `amd:<answeredBy>`, or `answeredBy` in a
// status callback's detail) and the runtime's phone.voicemail event (session_runtime_events).
import { inArray, sql } from "drizzle-orm";
import type { CampaignOutcome } from "@speaknode/contracts";
import { sessionCallStatuses, sessionRuntimeEvents, sessions, type Database } from "@speaknode/db";
import type { SessionStatusName } from "../telephony/call-status.ts";

export interface OutcomeFacts {
  status: SessionStatusName;
  failureReason: string | null;
  providerStatus: string | null;
  hangupCause: string | null;
  /** Twilio's AnsweredBy (human, machine_start, machine_end_beep, …, fax, unknown); null when none came. */
  answeredBy: string | null;
  /** The runtime reported reaching a voicemail (phone.voicemail). */
  voicemailEvent: boolean;
  startedAt: Date | null;
  endedAt: Date | null;
}

function isMachineAnswer(answeredBy: string | null): boolean {
  return answeredBy !== null && (answeredBy.startsWith("machine_") || answeredBy === "fax");
}

/** The provider's status, else what the session's failure reason or hang-up cause says. */
function providerWord(f: OutcomeFacts): string | null {
  const status = f.providerStatus?.trim().toLowerCase() ?? "";
  if (status) return status;
  // The reasons call-status.ts writes; the hang-up cause starts with the provider's status.
  const reason = f.failureReason?.trim().toLowerCase();
  if (reason === "busy") return "busy";
  if (reason === "no answer") return "no-answer";
  if (reason === "canceled") return "canceled";
  const cause = f.hangupCause?.trim().toLowerCase().split(/[\s(]/)[0] ?? "";
  return cause || null;
}

/** Talk time in whole seconds, rounded up; null when the call never started. */
function talkTimeS(f: OutcomeFacts): number | null {
  if (!f.startedAt || !f.endedAt) return null;
  return Math.max(0, Math.ceil((f.endedAt.getTime() - f.startedAt.getTime()) / 1000));
}

/** null while the session has not ended. */
export function classifyOutcome(f: OutcomeFacts): { outcome: CampaignOutcome; durationS: number | null } | null {
  if (f.status !== "completed" && f.status !== "failed") return null;
  const durationS = talkTimeS(f);
  const machine = f.voicemailEvent || isMachineAnswer(f.answeredBy);
  if (f.status === "completed") return { outcome: machine ? "voicemail" : "completed", durationS };
  const word = providerWord(f);
  if (word === "busy") return { outcome: "busy", durationS };
  if (word === "no-answer") return { outcome: "no_answer", durationS };
  if (word === "canceled") return { outcome: "failed", durationS };
  // A machine answered and the call then ended before (or without) the agent: e.g. hung up by the
  // voicemail policy while the session was still connecting.
  if (machine) return { outcome: "voicemail", durationS };
  return { outcome: "failed", durationS };
}

/** One query for many sessions at once: the facts the runner classifies. Unknown ids are absent. */
export async function loadOutcomeFacts(db: Database, sessionIds: string[]): Promise<Map<string, OutcomeFacts>> {
  const out = new Map<string, OutcomeFacts>();
  const ids = [...new Set(sessionIds)];
  if (ids.length === 0) return out;
  // The verdict: a machine one wins over human/unknown (one call has one verdict; this only guards
  // against a status callback's AnsweredBy disagreeing with the asynchronous AMD callback).
  const verdict = sql`coalesce(nullif(substring(${sessionCallStatuses.status} from '^amd:(.*)$'), ''), ${sessionCallStatuses.detail} ->> 'answeredBy')`;
  const rows = await db
    .select({
      id: sessions.id,
      status: sessions.status,
      failureReason: sessions.failureReason,
      providerStatus: sessions.providerStatus,
      hangupCause: sessions.hangupCause,
      startedAt: sessions.startedAt,
      endedAt: sessions.endedAt,
      answeredBy: sql<string | null>`(select ${verdict} from ${sessionCallStatuses} where ${sessionCallStatuses.sessionId} = ${sessions.id} and ${verdict} is not null order by case when ${verdict} like 'machine\\_%' or ${verdict} = 'fax' then 0 else 1 end, ${sessionCallStatuses.at} desc limit 1)`,
      voicemailEvent: sql<boolean>`exists (select 1 from ${sessionRuntimeEvents} where ${sessionRuntimeEvents.sessionId} = ${sessions.id} and ${sessionRuntimeEvents.type} = 'phone.voicemail')`,
    })
    .from(sessions)
    .where(inArray(sessions.id, ids));
  for (const r of rows) {
    out.set(r.id, {
      status: r.status,
      failureReason: r.failureReason,
      providerStatus: r.providerStatus,
      hangupCause: r.hangupCause,
      answeredBy: r.answeredBy ?? null,
      voicemailEvent: r.voicemailEvent === true,
      startedAt: r.startedAt,
      endedAt: r.endedAt,
    });
  }
  return out;
}
