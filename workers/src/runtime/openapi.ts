// OpenAPI pieces shared by the runtime API's operations.
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "../errors.ts";
import { problemSpec } from "../lib/openapi.ts";

export const runtimeSecurityScheme = "runtimeService";
export const runtimeSecurity = [{ [runtimeSecurityScheme]: [] }];

/** Error responses every runtime operation can give. */
export const runtimeErrorResponses = {
  400: problemSpec("Malformed body or failed validation"),
  401: problemSpec("Missing, invalid or expired service token"),
  403: problemSpec("The service token is for another session"),
  404: problemSpec("No such session"),
} as const;

/** JSON bodies of the runtime are small (a turn's text at most); larger ones are refused unread. */
export const limitJsonBody = bodyLimit({
  maxSize: 256 * 1024,
  onError: () => {
    throw new ApiError("payload_too_large", "the body is larger than 256 KiB");
  },
});
