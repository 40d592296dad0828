// How a VoxImplant failure reaches the API's caller, like Twilio's (provider-errors.ts): VoxImplant
// unreachable or failing is a 503 with Retry-After, rate limiting a 429 with Retry-After, a key it
// refuses a 400 on the key's field when just typed and a 409 when the stored one stopped working.
import type { FieldError } from "@speaknode/contracts";
import { ApiError } from "../../errors.ts";
import { VoximplantApiError } from "./client.ts";
import { VoximplantKeyError } from "./jwt.ts";

const defaultRetryAfterS = 5;

const says = (err: VoximplantApiError) => (err.code !== null ? `${err.message} (VoxImplant error ${err.code})` : err.message);

export function voximplantUpstreamError(err: VoximplantApiError): ApiError {
  const headers = { "retry-after": String(Math.min(Math.ceil(err.retryAfterS ?? defaultRetryAfterS), 3600)) };
  if (err.rateLimited) return new ApiError("rate_limited", "VoxImplant is limiting this account's requests; try again later", { headers });
  const why = err.status === 0 ? err.message : `VoxImplant answered ${err.status}`;
  return new ApiError("upstream_unavailable", `${why}; nothing was changed, try again`, { headers });
}

/** A key typed in this request that does not work: 400 on the fields that carried it. */
export function voximplantKeyCheckError(err: unknown, fields: FieldError["field"][]): unknown {
  if (err instanceof VoximplantKeyError) return new ApiError("validation_failed", "the service account key cannot be used", { errors: fields.map((field) => ({ field, message: err.message })) });
  if (!(err instanceof VoximplantApiError)) return err;
  if (err.retryable) return voximplantUpstreamError(err);
  return new ApiError("validation_failed", "VoxImplant refused the service account key", { errors: fields.map((field) => ({ field, message: `VoxImplant refused this key for this account: ${says(err)}` })) });
}

/** A request made with a connection's stored key. */
export function voximplantStoredKeyError(err: unknown): unknown {
  if (err instanceof VoximplantKeyError) return new ApiError("conflict", `the connection's stored service account key cannot be used (${err.message}); update it on the connection`);
  if (!(err instanceof VoximplantApiError)) return err;
  if (err.retryable) return voximplantUpstreamError(err);
  return new ApiError("conflict", `VoxImplant refused the request made with the connection's stored key (${says(err)}); check the key and its roles on the connection`);
}
