// The requests Twilio sends to an application: the voice webhook that fetches TwiML, status
// callbacks and asynchronous answering-machine detection results
// (https://www.twilio.com/docs/voice/twiml#request-parameters,
// https://www.twilio.com/docs/voice/api/call-resource#statuscallback,
// https://www.twilio.com/docs/voice/answering-machine-detection#asyncamdstatuscallback).
// Each is form-encoded (POST) or in the query string (GET) and signed with X-Twilio-Signature.
import { signTwilioRequest } from "./signing.ts";

export interface WebhookResult {
  url: string;
  method: "GET" | "POST";
  params: Record<string, string>;
  signature: string;
  status: number;
  contentType: string | null;
  body: string;
  error: string | null;
  durationMs: number;
}

export const webhookTimeoutMs = 15_000;

/** Sends one signed request as Twilio does and reads the answer (never throws). */
export async function sendWebhook(authToken: string, url: string, method: "GET" | "POST", params: [string, string][], timeoutMs = webhookTimeoutMs): Promise<WebhookResult> {
  const started = performance.now();
  let target = url;
  let body: string | undefined;
  const headers: Record<string, string> = { "user-agent": "TwilioProxy/1.1", accept: "*/*", "i-twilio-idempotency-token": crypto.randomUUID() };
  let signature: string;
  if (method === "GET") {
    const u = new URL(url);
    for (const [k, v] of params) u.searchParams.append(k, v);
    target = u.toString();
    signature = signTwilioRequest(authToken, target, []);
  } else {
    body = new URLSearchParams(params).toString();
    headers["content-type"] = "application/x-www-form-urlencoded";
    signature = signTwilioRequest(authToken, url, params);
  }
  headers["x-twilio-signature"] = signature;
  const result: WebhookResult = { url: target, method, params: Object.fromEntries(params), signature, status: 0, contentType: null, body: "", error: null, durationMs: 0 };
  try {
    const res = await fetch(target, { method, headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    result.status = res.status;
    result.contentType = res.headers.get("content-type");
    result.body = (await res.text()).slice(0, 64 * 1024);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** Country of a number by its calling code, enough to fill Twilio's geographic parameters. */
export function countryOf(e164: string): string {
  const prefixes: [string, string][] = [
    ["+1", "US"],
    ["+44", "GB"],
    ["+33", "FR"],
    ["+49", "DE"],
    ["+34", "ES"],
    ["+39", "IT"],
    ["+31", "NL"],
    ["+61", "AU"],
    ["+7", "RU"],
  ];
  return prefixes.find(([p]) => e164.startsWith(p))?.[1] ?? "";
}

/** The parameters of every request about a call (Twilio's "request parameters"). */
export function callParams(c: { sid: string; accountSid: string; from: string; to: string; status: string; direction: string; callerName: string | null }): [string, string][] {
  const params: [string, string][] = [
    ["AccountSid", c.accountSid],
    ["ApiVersion", "2010-04-01"],
    ["CallSid", c.sid],
    ["CallStatus", c.status],
    ["Called", c.to],
    ["CalledCity", ""],
    ["CalledCountry", countryOf(c.to)],
    ["CalledState", ""],
    ["CalledZip", ""],
    ["Caller", c.from],
    ["CallerCity", ""],
    ["CallerCountry", countryOf(c.from)],
    ["CallerState", ""],
    ["CallerZip", ""],
    ["Direction", c.direction],
    ["From", c.from],
    ["FromCity", ""],
    ["FromCountry", countryOf(c.from)],
    ["FromState", ""],
    ["FromZip", ""],
    ["To", c.to],
    ["ToCity", ""],
    ["ToCountry", countryOf(c.to)],
    ["ToState", ""],
    ["ToZip", ""],
  ];
  if (c.callerName !== null) params.push(["CallerName", c.callerName]);
  return params;
}

/** RFC 2822 date, as Twilio's Timestamp parameter and JSON dates are written. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace("GMT", "+0000");
}
