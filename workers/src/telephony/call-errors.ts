// What a Twilio refusal of a call request (create, hang up, redirect) means to the API's caller,
// and the short reason a session that it ended is stored with. Reasons are fixed texts plus
// Twilio's error code: Twilio's own message may quote the phone numbers, which a session's
// failure reason must not carry.
import { ApiError } from "../errors.ts";
import { TwilioApiError } from "./twilio/client.ts";

export interface CallRefusal {
  error: ApiError;
  /** Stored as the session's failure reason. */
  reason: string;
}

const defaultRetryAfterS = 5;

/** Twilio's error codes for a caller id (From) the account may not use, or (trial accounts) a
 *  destination it has not verified. */
const unverified = new Map<number, { field: string; message: string }>([
  [21210, { field: "body.fromNumberId", message: "Twilio does not let this account call from this number: it is neither a Twilio number of the account nor a verified caller id" }],
  [21212, { field: "body.fromNumberId", message: "Twilio says this number is not a valid caller id" }],
  [21219, { field: "body.to", message: "a Twilio trial account may call only numbers verified in its console; verify the destination or upgrade the account" }],
]);

/** Twilio's error codes for destinations its geographic permissions or block lists refuse. */
const refusedDestination = new Set([21215, 21216, 13227]);

/** Twilio's error code for a call that is no longer in progress (it cannot be redirected). */
export const twilioCallNotInProgress = 21220;

function codeSuffix(err: TwilioApiError): string {
  return err.code !== null ? ` (Twilio error ${err.code})` : "";
}

function retryAfter(err: TwilioApiError): Record<string, string> {
  return { "retry-after": String(Math.min(Math.ceil(err.retryAfterS ?? defaultRetryAfterS), 3600)) };
}

/** Twilio unreachable, slow, failing, rate limiting, or refusing the stored credentials. */
function upstreamRefusal(err: TwilioApiError): CallRefusal | null {
  if (err.status === 429) {
    return { error: new ApiError("rate_limited", "Twilio is limiting this account's requests; try again later", { headers: retryAfter(err) }), reason: "Twilio rate-limited the request" };
  }
  if (err.status === 0 || err.status >= 500) {
    const why = err.status === 0 ? err.message : `Twilio answered ${err.status}`;
    return { error: new ApiError("upstream_unavailable", `${why}; try again`, { headers: retryAfter(err) }), reason: `Twilio unavailable (${err.status === 0 ? "unreachable" : `HTTP ${err.status}`})` };
  }
  if (err.status === 401) {
    return {
      error: new ApiError("upstream_rejected", "Twilio refused the telephony connection's credentials; update them on the connection and try again"),
      reason: "Twilio refused the connection's credentials",
    };
  }
  return null;
}

/** A refused `Calls.json` (placing an outbound call). */
export function createCallRefusal(err: TwilioApiError): CallRefusal {
  const upstream = upstreamRefusal(err);
  if (upstream) return upstream;
  const code = err.code ?? 0;
  const notVerified = unverified.get(code);
  if (notVerified) {
    return {
      error: new ApiError("caller_id_unverified", `Twilio refused the call: ${notVerified.message}${codeSuffix(err)}`, { errors: [notVerified] }),
      reason: `Twilio refused the call: number not verified${codeSuffix(err)}`,
    };
  }
  if (refusedDestination.has(code)) {
    return {
      error: new ApiError("destination_not_allowed", `Twilio refused to call this destination: the account's geographic permissions (Voice Geographic Permissions in the Twilio console) or Twilio's block list do not allow it${codeSuffix(err)}`),
      reason: `Twilio refused the destination${codeSuffix(err)}`,
    };
  }
  if (code === 21211) {
    return {
      error: new ApiError("validation_failed", "Twilio refused the destination number", { errors: [{ field: "body.to", message: "Twilio says this is not a valid phone number to call" }] }),
      reason: "Twilio refused the destination number as invalid (Twilio error 21211)",
    };
  }
  return { error: new ApiError("upstream_rejected", `Twilio refused the call${codeSuffix(err)}`), reason: `Twilio refused the call (HTTP ${err.status}${err.code !== null ? `, error ${err.code}` : ""})` };
}

/** A refused update of a live call (hang up, or new TwiML for a transfer). */
export function updateCallRefusal(err: TwilioApiError, what: string): ApiError {
  const upstream = upstreamRefusal(err);
  if (upstream) return upstream.error;
  if (err.code === twilioCallNotInProgress || err.status === 404) return new ApiError("conflict", `the call is no longer in progress; it cannot be ${what}`);
  return new ApiError("upstream_rejected", `Twilio refused to update the call${codeSuffix(err)}`);
}
