// How a Twilio failure reaches the API's caller. Twilio being unreachable, slow or failing (5xx)
// is the platform's upstream problem: 503 with Retry-After, and nothing was stored. Twilio
// rate-limiting the account is a 429 with its Retry-After. Credentials Twilio refuses are the
// caller's to fix: a 400 on the fields that carried them when they were just typed, a 409 when
// the stored ones stopped working (they were rotated at Twilio: update the connection).
import type { FieldError } from "@speaknode/contracts";
import { ApiError } from "../errors.ts";
import { TwilioApiError } from "./twilio/client.ts";

const defaultRetryAfterS = 5;

function twilioSays(err: TwilioApiError): string {
  return err.code !== null ? `${err.message} (Twilio error ${err.code})` : err.message;
}

/** Twilio could not answer, or asks to slow down. */
export function upstreamError(err: TwilioApiError): ApiError {
  const headers = { "retry-after": String(Math.min(Math.ceil(err.retryAfterS ?? defaultRetryAfterS), 3600)) };
  if (err.status === 429) return new ApiError("rate_limited", "Twilio is limiting this account's requests; try again later", { headers });
  const why = err.status === 0 ? err.message : `Twilio answered ${err.status}`;
  return new ApiError("upstream_unavailable", `${why}; nothing was changed, try again`, { headers });
}

/** Credentials typed in this request, refused by Twilio: 400 on the fields that carried them. */
export function credentialsCheckError(err: unknown, fields: FieldError["field"][]): unknown {
  if (!(err instanceof TwilioApiError)) return err;
  if (err.retryable) return upstreamError(err);
  const message =
    err.status === 401 || err.status === 403 || err.status === 404
      ? `Twilio refused these credentials for this account: ${twilioSays(err)}`
      : `Twilio refused the check of these credentials: ${twilioSays(err)}`;
  return new ApiError("validation_failed", "the Twilio credentials do not work", { errors: fields.map((field) => ({ field, message })) });
}

/** A request made with a connection's stored credentials. */
export function storedCredentialsError(err: unknown): unknown {
  if (!(err instanceof TwilioApiError)) return err;
  if (err.retryable) return upstreamError(err);
  if (err.status === 401 || err.status === 403) {
    return new ApiError("conflict", `Twilio refused the connection's stored credentials (${twilioSays(err)}); update them on the connection and try again`);
  }
  return new ApiError("validation_failed", `Twilio refused the request: ${twilioSays(err)}`);
}

/** Twilio's answer that a resource does not exist (HTTP 404, error 20404). */
export function isTwilioNotFound(err: unknown): boolean {
  return err instanceof TwilioApiError && (err.status === 404 || err.code === 20404);
}
