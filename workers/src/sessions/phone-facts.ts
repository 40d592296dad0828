// A phone session's facts as the API shows them: its numbers, provider call and status on the row
// (`sessionPhone`), the events the runtime reported during the call (`phoneEventOf`), and the
// sessions list's caller search (`callerMatch`): a number in any form finds the sessions it called
// or was called from; a run of digits finds the numbers that end with it.
import { and, eq, like, or, type SQL } from "drizzle-orm";
import { parsePhoneNumber } from "@speaknode/phone";
import { SessionPhoneEvent, TelephonyProviderName, type SessionPhone } from "@speaknode/contracts";
import { sessions, type sessionRuntimeEvents } from "@speaknode/db";
import { iso } from "../lib/openapi.ts";

/** The runtime event types the detail page shows as phone events (their detail is stored with them). */
export const phoneEventTypes = ["dtmf", "phone.transferred", "phone.voicemail"] as const;

/** Null unless the session is a call (a direction is set only when a phone session is created). */
export function sessionPhone(row: typeof sessions.$inferSelect): SessionPhone | null {
  if (row.channel !== "phone" || row.direction === null) return null;
  const provider = TelephonyProviderName.safeParse(row.mediaDriver);
  return {
    direction: row.direction,
    from: row.fromNumber,
    to: row.toNumber,
    phoneNumberId: row.phoneNumberId,
    // A phone session's media driver is its connection's provider (createDispatchingSession);
    // rows written before there was more than one provider say "twilio" too.
    provider: provider.success ? provider.data : "twilio",
    providerCallId: row.providerCallId,
    providerStatus: row.providerStatus,
    hangupCause: row.hangupCause,
  };
}

/** A stored phone event in the API's shape; null for a row whose detail does not fit (never a 500). */
export function phoneEventOf(row: Pick<typeof sessionRuntimeEvents.$inferSelect, "type" | "detail" | "createdAt">): SessionPhoneEvent | null {
  const parsed = SessionPhoneEvent.safeParse({ type: row.type, at: iso(row.createdAt), detail: row.detail ?? {} });
  return parsed.success ? parsed.data : null;
}

const digitsOnly = /^[0-9\s\-().]+$/;
/** Fewer digits than this would match most numbers: such a search is exact only. */
export const minSuffixDigits = 3;

/**
 * The list filter for a caller search. Always the caller id exactly as typed (widget visitor ids,
 * API caller ids); when it parses as a phone number, its E.164 form as caller, from or to number;
 * when it is only digits (a national number, the last digits), the numbers ending with them.
 */
export function callerMatch(query: string): SQL | undefined {
  const raw = query.trim();
  const conditions: (SQL | undefined)[] = [eq(sessions.caller, raw)];
  const parsed = parsePhoneNumber(raw);
  if (parsed.ok) {
    conditions.push(eq(sessions.caller, parsed.e164), eq(sessions.fromNumber, parsed.e164), eq(sessions.toNumber, parsed.e164));
  }
  if (digitsOnly.test(raw)) {
    // Digits only, so nothing to escape in the pattern. The scan stays within the space's phone
    // sessions, newest first, and stops at the page's size.
    const digits = raw.replace(/\D/g, "").replace(/^0+(?=\d{10,})/, "");
    if (digits.length >= minSuffixDigits) {
      const suffix = `%${digits}`;
      conditions.push(and(eq(sessions.channel, "phone"), or(like(sessions.fromNumber, suffix), like(sessions.toNumber, suffix))));
    }
  }
  return or(...conditions);
}

